import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { buildScope, type Scope } from "../../src/core/scope.js";

const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** The scope (or null) a real upgrade request to `path` gets; the request is then refused. */
async function scopeOf(path: string, protocols: string[] = []): Promise<Scope | null> {
  const server = createServer();
  servers.push(server);
  const built = new Promise<Scope | null>((resolve) =>
    server.on("upgrade", (request: IncomingMessage, socket: Socket) => {
      resolve(buildScope(request));
      socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols);
  ws.on("error", () => undefined);
  return built;
}

describe("buildScope", () => {
  it("decodes the path, keeps the query, splits the offered subprotocols", async () => {
    const scope = (await scopeOf("/ws/chat/%C3%A9t%C3%A9/?token=abc&x=1", ["switchboard.v1", "bearer.x"]))!;
    expect(scope).toMatchObject({
      type: "websocket",
      path: "/ws/chat/été/",
      queryString: "token=abc&x=1",
      subprotocols: ["switchboard.v1", "bearer.x"],
      client: { address: "127.0.0.1" },
      kwargs: {},
      route: "",
      user: null,
      session: null,
      state: {},
    });
    expect(scope.query.get("x")).toBe("1");
    expect(scope.headers.upgrade).toBe("websocket");
    expect(scope.connectionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("gives each connection its own id, and none offered means no subprotocols", async () => {
    const [a, b] = await Promise.all([scopeOf("/a/"), scopeOf("/b/")]);
    expect(a!.connectionId).not.toBe(b!.connectionId);
    expect(a!.subprotocols).toEqual([]);
    expect(a!.queryString).toBe("");
  });

  it("is null for a path that does not decode", async () => {
    expect(await scopeOf("/ws/%E0%A4%A/")).toBeNull();
  });
});
