import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  JsonWebsocketConsumer,
  SocketRouter,
  SocketServer,
  WebsocketCommunicator,
  stack,
  type Middleware,
  type SocketApp,
} from "../../src/core/index.js";

class ScopeReporter extends JsonWebsocketConsumer<{ a: string; b: string }> {
  override async connect(): Promise<void> {
    await this.accept(this.scope.subprotocols.includes("v1.chat") ? "v1.chat" : undefined);
    this.sendJson({
      kwargs: this.scope.kwargs,
      route: this.scope.route,
      query: this.scope.query.get("x"),
      user: this.scope.user,
      stamp: this.scope.state.stamp,
      client: this.scope.client.address,
    });
  }
}

const open: WebsocketCommunicator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.disconnect()));
});

function comm(app: SocketApp | string, path: string, subprotocols?: string[]) {
  const c = new WebsocketCommunicator(app, path, { subprotocols });
  open.push(c);
  return c;
}

describe("routing", () => {
  it("captures typed kwargs through nested routers", async () => {
    const inner = new SocketRouter().route("/items/:a/:b/", ScopeReporter, { params: { b: /\d+/ } });
    const outer = new SocketRouter().include("/api/v1/", inner);
    expect(outer.resolve("/api/v1/items/x/12/")?.kwargs).toEqual({ a: "x", b: "12" });
    expect(outer.resolve("/api/v1/items/x/y/")).toBeNull();
    expect(outer.resolve("/items/x/12/")).toBeNull();
    const c = comm(outer.app(), "/api/v1/items/x/12/?x=1");
    await c.connect();
    expect(await c.receiveJson()).toMatchObject({ kwargs: { a: "x", b: "12" }, route: "/api/v1/items/:a/:b/", query: "1", client: "127.0.0.1" });
  });

  it("types routes: a consumer needing kwargs fits only routes that capture them", () => {
    // @ts-expect-error ScopeReporter needs kwargs a and b; this route captures none.
    const wrong = () => new SocketRouter().route("/plain/", ScopeReporter);
    expect(typeof wrong).toBe("function");
    // A route capturing more than the consumer needs is fine.
    expect(new SocketRouter().route("/x/:a/:b/:c/", ScopeReporter).resolve("/x/1/2/3/")?.kwargs).toEqual({ a: "1", b: "2", c: "3" });
  });

  it("rejects bad route declarations with TypeError", () => {
    expect(() => new SocketRouter().route("no-slash/", ScopeReporter as never)).toThrow(TypeError);
    expect(() => new SocketRouter().route("/:a/:a/", ScopeReporter as never)).toThrow(TypeError);
    expect(() => new SocketRouter().route("/:a/", ScopeReporter as never, { params: { zz: /x/ } as never })).toThrow(TypeError);
  });

  it("lets middleware enrich the scope and refuse handshakes", async () => {
    const auth: Middleware = (inner) => async (scope, conn) => {
      if (scope.query.get("x") === "deny") return conn.reject(401, "no");
      scope.user = { id: 7, username: "ada" };
      scope.state.stamp = "mw";
      await inner(scope, conn);
    };
    const app = stack(new SocketRouter().route("/s/:a/:b/", ScopeReporter).app(), auth);
    const ok = comm(app, "/s/1/2/");
    await ok.connect();
    expect(await ok.receiveJson()).toMatchObject({ user: { id: 7, username: "ada" }, stamp: "mw" });
    expect(await comm(app, "/s/1/2/?x=deny").connect()).toEqual({ connected: false, status: 401 });
  });

  it("answers with the subprotocol the consumer chose", async () => {
    const app = new SocketRouter().route("/s/:a/:b/", ScopeReporter).app();
    const c = comm(app, "/s/1/2/", ["bearer.token", "v1.chat"]);
    expect(await c.connect()).toEqual({ connected: true, subprotocol: "v1.chat" });
  });

  it("attaches to a plain http.Server beside its own HTTP routes", async () => {
    const server = createServer((_req, res) => res.end("plain http"));
    const sockets = new SocketServer({ app: new SocketRouter().route("/s/:a/:b/", ScopeReporter).app(), layer: null }).attach(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("plain http");
    const c = comm(`ws://127.0.0.1:${port}`, "/s/p/q/");
    await c.connect();
    expect(await c.receiveJson()).toMatchObject({ kwargs: { a: "p", b: "q" } });
    await c.disconnect();
    await sockets.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
