import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../../src/core/index.js";
import { TokenService } from "../../../src/auth/jwt.js";
import { UserStore } from "../../../src/auth/users.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

let server: TestServer;
const ids: Record<string, number> = {};

beforeAll(async () => {
  server = await startTestServer();
  const users = [
    { username: "alice", groupName: "ops" },
    { username: "bob", groupName: "ops" },
    { username: "carol", groupName: "sales" },
  ];
  const store = new UserStore(server.app.db);
  for (const u of users) {
    const created = await store.create({ ...u, email: `${u.username}@example.com`, password: "pass-secret-pw!" });
    if (!("user" in created)) throw new Error(created.problem);
    ids[u.username] = created.user.id;
  }
});
afterAll(async () => {
  await server.close();
});

async function token(username: string): Promise<string> {
  const res = await fetch(`${server.url}/api/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: "pass-secret-pw!" }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

async function notify(options: { headers?: Record<string, string>; subprotocols?: string[]; query?: string } = {}) {
  const c = new WebsocketCommunicator(server.wsUrl, `/ws/notify/${options.query ?? ""}`, options);
  return { c, result: await c.connect() };
}

describe("socket auth", () => {
  it("answers /api/token with 401 for bad credentials", async () => {
    const res = await fetch(`${server.url}/api/token`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"username":"alice","password":"nope"}' });
    expect(res.status).toBe(401);
  });

  it("refuses an anonymous socket with 401 before the upgrade", async () => {
    const { result } = await notify();
    expect(result).toEqual({ connected: false, status: 401 });
  });

  it("accepts a token from the token header, Authorization: Bearer, ?token= and a bearer.<jwt> subprotocol", async () => {
    const t = await token("alice");
    const ways: Array<{ headers?: Record<string, string>; query?: string }> = [
      { headers: { token: t } },
      { headers: { Authorization: `Bearer ${t}` } },
      { query: `?token=${t}` },
    ];
    for (const options of ways) {
      const { c, result } = await notify(options);
      expect(result.connected).toBe(true);
      await c.disconnect();
    }
    const { c, result } = await notify({ subprotocols: ["switchboard.v1", `bearer.${t}`] });
    // The server echoes the app subprotocol, never the token.
    expect(result).toEqual({ connected: true, subprotocol: "switchboard.v1" });
    await c.disconnect();
  });

  it("refuses a forged or expired token with 401 and a reason", async () => {
    const t = await token("alice");
    const forged = t.slice(0, -4) + (t.endsWith("AAAA") ? "BBBB" : "AAAA");
    const { result } = await notify({ headers: { token: forged } });
    expect(result).toEqual({ connected: false, status: 401 });
    const old = new TokenService({ secretKey: server.app.config.secretKey, now: () => Math.floor(Date.now() / 1000) - 3600 });
    const expired = (await old.issue({ uid: ids.alice!, username: "alice", nickname: "alice", groupName: "ops" })).token;
    const raw = await rawHandshake(expired);
    expect(raw).toMatch(/^HTTP\/1\.1 401/);
    expect(raw).toMatch(/X-Auth-Error: token_expired/i);
  });

  it("refuses a foreign Origin with 403 even with a valid token", async () => {
    const { result } = await notify({ headers: { token: await token("alice"), Origin: "https://evil.example" } });
    expect(result).toEqual({ connected: false, status: 403 });
  });
});

describe("GET /api/group/members", () => {
  it("lists the caller's group only, and needs a user", async () => {
    expect((await fetch(`${server.url}/api/group/members`)).status).toBe(401);
    const res = await fetch(`${server.url}/api/group/members`, { headers: { authorization: `Bearer ${await token("alice")}` } });
    expect(await res.json()).toEqual({
      group: "ops",
      members: [
        { id: ids.alice, username: "alice", nickname: expect.any(String) },
        { id: ids.bob, username: "bob", nickname: expect.any(String) },
      ],
    });
  });
});

describe("/ws/notify/", () => {
  it("sends to the whole group, or only to one member's sockets, never across groups", async () => {
    const [ta, tb, tc] = [await token("alice"), await token("bob"), await token("carol")];
    const alice = (await notify({ headers: { token: ta } })).c;
    const bob1 = (await notify({ headers: { token: tb } })).c;
    const bob2 = (await notify({ headers: { token: tb } })).c;
    const carol = (await notify({ headers: { token: tc } })).c;
    alice.sendJson({ message: "standup in 5" });
    for (const c of [alice, bob1, bob2]) {
      expect(await c.receiveJson()).toMatchObject({ type: "notify", message: "standup in 5", to: null, from: { username: "alice" } });
    }
    expect(await carol.receiveNothing(200)).toBe(true);
    alice.sendJson({ to: ids.bob, message: "psst" });
    expect(await bob1.receiveJson()).toMatchObject({ message: "psst", to: ids.bob });
    expect(await bob2.receiveJson()).toMatchObject({ message: "psst", to: ids.bob });
    expect(await alice.receiveNothing(200)).toBe(true);
    alice.sendJson({ to: ids.carol, message: "hello sales" });
    expect(await alice.receiveJson()).toMatchObject({ error: "not_in_group" });
    expect(await carol.receiveNothing(200)).toBe(true);
    alice.sendText("{nope");
    expect(await alice.receiveJson()).toMatchObject({ error: "invalid_json" });
    alice.sendJson({ to: ids.bob });
    expect(await alice.receiveJson()).toMatchObject({ error: "invalid_message" });
    for (const c of [alice, bob1, bob2, carol]) await c.disconnect();
  });
});

/** The raw HTTP answer to an upgrade request carrying `token`. */
async function rawHandshake(tokenValue: string): Promise<string> {
  const { connect } = await import("node:net");
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(
        `GET /ws/notify/ HTTP/1.1\r\nHost: ${url.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\ntoken: ${tokenValue}\r\n\r\n`,
      );
    });
    let data = "";
    socket.on("data", (d) => (data += d.toString()));
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
}
