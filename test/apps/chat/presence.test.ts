import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../../src/core/index.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

interface Member {
  id: string;
  user: string;
}

async function members(room: string): Promise<Member[]> {
  return ((await (await fetch(`${server.url}/api/rooms/${room}/presence`)).json()) as { members: Member[] }).members;
}

describe("presence (one node)", () => {
  it("sends the member list on connect, then join and leave events", async () => {
    const a = new WebsocketCommunicator(server.wsUrl, "/ws/chat/pres/");
    await a.connect();
    const first = await a.receiveJson<{ type: string; members: Member[] }>();
    expect(first.type).toBe("presence");
    expect(first.members).toHaveLength(1);
    const self = first.members[0]!;
    expect(self.user).toBe("anonymous");
    expect(await a.receiveJson()).toEqual({ type: "presence.join", member: self });

    const b = new WebsocketCommunicator(server.wsUrl, "/ws/chat/pres/");
    await b.connect();
    const list = await b.receiveJson<{ members: Member[] }>();
    expect(list.members).toHaveLength(2);
    expect(list.members.map((m) => m.id)).toContain(self.id);
    const joined = await a.receiveJson<{ type: string; member: Member }>();
    expect(joined.type).toBe("presence.join");
    expect(joined.member.id).not.toBe(self.id);
    expect((await members("pres")).map((m) => m.id).sort()).toEqual([self.id, joined.member.id].sort());

    await b.disconnect();
    expect(await a.receiveJson()).toEqual({ type: "presence.leave", member: { id: joined.member.id } });
    expect(await members("pres")).toEqual([self]);
    await a.disconnect();
  });

  it("answers 404 for a bad room name", async () => {
    expect((await fetch(`${server.url}/api/rooms/bad%20room/presence`)).status).toBe(404);
  });
});
