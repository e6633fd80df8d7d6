import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { WebsocketCommunicator } from "../../../src/core/index.js";
import type { AdminServerFrame, AdminState, NodeSnapshot } from "../../../src/protocol/admin.js";
import { Ring } from "../../../src/apps/admin/ring.js";
import { addUsers, startAdminServer, tokenOf } from "./admin-server.js";

let server: Awaited<ReturnType<typeof startAdminServer>>;
const tokens: Record<string, string> = {};
const open: WebsocketCommunicator[] = [];

beforeAll(async () => {
  server = await startAdminServer(200);
  await addUsers(server.app, ["alice", "bob"]);
  for (const name of ["root", "alice", "bob"]) tokens[name] = await tokenOf(server.url, name);
}, 30_000);

afterAll(async () => {
  for (const c of open) await c.disconnect().catch(() => undefined);
  await server?.close();
});

async function dashboard(): Promise<{ c: WebsocketCommunicator; state: AdminState }> {
  const c = new WebsocketCommunicator(server.wsUrl, "/ws/admin/", { headers: { token: tokens.root! } });
  expect(await c.connect()).toMatchObject({ connected: true });
  open.push(c);
  const first = await c.receiveJson<AdminServerFrame>(3000);
  if (first.type !== "admin.state") throw new Error(`first frame ${JSON.stringify(first)}`);
  return { c, state: first };
}

/** Frames until one matches `want` (others skipped), within `ms`. */
async function until<T extends AdminServerFrame>(c: WebsocketCommunicator, want: (f: AdminServerFrame) => f is T, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const frame = await c.receiveJson<AdminServerFrame>(Math.max(1, deadline - Date.now()));
    if (want(frame)) return frame;
  }
}

const nodeFrame = (test: (s: NodeSnapshot) => boolean) => (f: AdminServerFrame): f is Extract<AdminServerFrame, { type: "admin.node" }> => f.type === "admin.node" && test(f.snapshot);

/** A raw `ws` socket on /ws/notify/ as `user`, recording how it closes. */
async function notifySocket(user: string): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }>; frames: unknown[] }> {
  const ws = new WebSocket(`${server.wsUrl}/ws/notify/`, { headers: { token: tokens[user]! } });
  const frames: unknown[] = [];
  ws.on("message", (data) => frames.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return { ws, closed, frames };
}

describe("who may watch", () => {
  it("refuses the dashboard socket to an anonymous visitor (401) and a non-superuser (403)", async () => {
    const anonymous = new WebsocketCommunicator(server.wsUrl, "/ws/admin/");
    expect(await anonymous.connect()).toEqual({ connected: false, status: 401 });
    const alice = new WebsocketCommunicator(server.wsUrl, "/ws/admin/", { headers: { token: tokens.alice! } });
    expect(await alice.connect()).toEqual({ connected: false, status: 403 });
  });

  it("refuses GET /api/admin/state the same way, and answers a superuser", async () => {
    expect((await fetch(`${server.url}/api/admin/state`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/admin/state`, { headers: { authorization: `Bearer ${tokens.alice}` } })).status).toBe(403);
    const res = await fetch(`${server.url}/api/admin/state`, { headers: { authorization: `Bearer ${tokens.root}` } });
    expect(res.status).toBe(200);
    const state = (await res.json()) as AdminState;
    expect(state).toMatchObject({ nodes: expect.any(Array), history: expect.any(Object), audit: expect.any(Array), awaiting: expect.any(Array) });
  });

  it("serves the page shell at /admin/ naming its hashed script", async () => {
    const res = await fetch(`${server.url}/admin/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<script type="module" src="\/assets\/admin(-[A-Z0-9]{8})?\.js">/);
  });
});

describe("what the dashboard shows", () => {
  it("sees the node's sockets by route and user change as sockets connect and close", async () => {
    const { c } = await dashboard();
    const before = await until(c, nodeFrame(() => true));
    const routeCount = (s: NodeSnapshot) => s.sockets.byRoute["/ws/notify/"] ?? 0;
    const base = routeCount(before.snapshot);
    const alice = await notifySocket("alice");
    const seen = await until(c, nodeFrame((s) => routeCount(s) === base + 1));
    expect(seen.snapshot.sockets.recent.some((s) => s.user === "alice" && s.route === "/ws/notify/")).toBe(true);
    expect(seen.snapshot.sockets.byRoute["/ws/admin/"]).toBeGreaterThanOrEqual(1);
    expect(seen.sample.sockets).toBe(seen.snapshot.sockets.open);
    alice.ws.close();
    await alice.closed;
    await until(c, nodeFrame((s) => routeCount(s) === base));
  });

  it("counts refusals by status and reports rooms with members and lines", async () => {
    const { c } = await dashboard();
    const anonymous = new WebsocketCommunicator(server.wsUrl, "/ws/admin/");
    await anonymous.connect();
    const refused = await until(c, nodeFrame((s) => (s.counters.refused["401"] ?? 0) >= 1));
    expect(refused.snapshot.layer.healthy).toBe(true);
    const room = new WebsocketCommunicator(server.wsUrl, "/ws/chat/dash-room/");
    expect((await room.connect()).connected).toBe(true);
    open.push(room);
    for (let i = 0; i < 3; i++) room.sendJson({ message: `line ${i}` });
    const withRoom = await until(c, nodeFrame((s) => s.rooms.some((r) => r.name === "dash-room" && r.members === 1 && r.messages === 3)));
    expect(withRoom.sample.messages).toBeGreaterThanOrEqual(3);
  });

  it("keeps each node's samples for the charts, given to a dashboard that connects later", async () => {
    await new Promise((r) => setTimeout(r, 700));
    const { state } = await dashboard();
    expect(state.nodes).toHaveLength(1);
    const samples = state.history[state.nodes[0]!.node]!;
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples.map((s) => s.at)).toEqual([...samples.map((s) => s.at)].sort((a, b) => a - b));
  });
});

describe("actions", () => {
  it("closes exactly the chosen socket with 4001 and the reason, audits it, and tells every dashboard", async () => {
    const { c } = await dashboard();
    const watcher = await dashboard();
    const alice = await notifySocket("alice");
    const bob = await notifySocket("bob");
    const seen = await until(c, nodeFrame((s) => s.sockets.recent.some((x) => x.user === "alice") && s.sockets.recent.some((x) => x.user === "bob")));
    const target = seen.snapshot.sockets.recent.find((x) => x.user === "alice")!;
    c.sendJson({ type: "close_socket", request: "r1", node: seen.snapshot.node, connection_id: target.connectionId, reason: "spamming the group" });
    expect(await alice.closed).toEqual({ code: 4001, reason: "spamming the group" });
    const result = await until(c, (f): f is Extract<AdminServerFrame, { type: "admin.result" }> => f.type === "admin.result");
    expect(result).toEqual({ type: "admin.result", request: "r1", outcome: "closed" });
    const told = await until(watcher.c, (f): f is Extract<AdminServerFrame, { type: "admin.audit" }> => f.type === "admin.audit");
    expect(told.entry).toMatchObject({ actor: "root", action: "close_socket", target: `${seen.snapshot.node} ${target.connectionId}`, detail: "spamming the group", outcome: "closed" });
    // Bob's socket is still open and served.
    expect(bob.ws.readyState).toBe(WebSocket.OPEN);
    const rows = await server.app.db.selectFrom("admin_audit").selectAll().where("action", "=", "close_socket").execute();
    expect(rows.find((r) => r.target.endsWith(target.connectionId))).toMatchObject({ actor: "root", outcome: "closed" });
    bob.ws.close();
  });

  it("audits a close of a socket that is not there as not_found", async () => {
    const { c, state } = await dashboard();
    c.sendJson({ type: "close_socket", request: "r2", node: state.nodes[0]!.node, connection_id: "no-such-socket", reason: "gone" });
    const result = await until(c, (f): f is Extract<AdminServerFrame, { type: "admin.result" }> => f.type === "admin.result");
    expect(result.outcome).toBe("not_found");
    const audit = await (await fetch(`${server.url}/api/admin/state`, { headers: { authorization: `Bearer ${tokens.root}` } })).json() as AdminState;
    expect(audit.audit[0]).toMatchObject({ action: "close_socket", target: `${state.nodes[0]!.node} no-such-socket`, outcome: "not_found" });
  });

  it("sends a notice to a user group's notify sockets, from the superuser, audited", async () => {
    const { c } = await dashboard();
    const alice = await notifySocket("alice");
    c.sendJson({ type: "notice", request: "n1", group: "default", message: "maintenance at noon" });
    const result = await until(c, (f): f is Extract<AdminServerFrame, { type: "admin.result" }> => f.type === "admin.result");
    expect(result).toEqual({ type: "admin.result", request: "n1", outcome: "sent" });
    await expect.poll(() => alice.frames, { timeout: 2000 }).toContainEqual(expect.objectContaining({ type: "notify", message: "maintenance at noon", from: expect.objectContaining({ username: "root" }), to: null }));
    const rows = await server.app.db.selectFrom("admin_audit").selectAll().where("action", "=", "notice").execute();
    expect(rows.at(-1)).toMatchObject({ actor: "root", target: "default", detail: "maintenance at noon", outcome: "sent" });
    alice.ws.close();
  });

  it("answers a bad action with an invalid_action error frame and stays open", async () => {
    const { c } = await dashboard();
    const bad = [
      { type: "close_socket", node: "x", connection_id: "y", reason: "no request id" },
      { type: "reboot", request: "r" },
      { type: "close_socket", request: "r", node: "x", connection_id: "y", reason: "x".repeat(124) },
      { type: "notice", request: "r", group: "bad group!", message: "hi" },
      { type: "notice", request: "r", group: "default", message: "" },
      "not an object",
    ];
    for (const frame of bad) {
      c.sendJson(frame);
      const answer = await until(c, (f): f is Extract<AdminServerFrame, { error: string }> => "error" in f);
      expect(answer).toMatchObject({ error: "invalid_action", code: "SB_ERR_INVALID_ADMIN_ACTION" });
    }
    const rows = await server.app.db.selectFrom("admin_audit").selectAll().where("target", "=", "bad group!").execute();
    expect(rows).toEqual([]);
  });
});

describe("Ring", () => {
  it("keeps the latest capacity items, oldest first", () => {
    const ring = new Ring<number>(3);
    expect(ring.toArray()).toEqual([]);
    for (const n of [1, 2, 3, 4, 5]) ring.push(n);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.size).toBe(3);
    expect(() => new Ring(0)).toThrow(TypeError);
  });
});
