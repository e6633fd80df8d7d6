import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { WebsocketCommunicator } from "../../../src/core/index.js";
import type { AdminServerFrame, NodeSnapshot } from "../../../src/protocol/admin.js";
import { findProgram } from "../../helpers/programs.js";
import { startRedis, type RedisServer } from "../../helpers/redis.js";
import { addUsers, startAdminServer, tokenOf } from "./admin-server.js";

const redisBin = findProgram("admin dashboard on Redis", "redis-server", "redis-server");

type Node = Awaited<ReturnType<typeof startAdminServer>>;

async function until<T extends AdminServerFrame>(c: WebsocketCommunicator, want: (f: AdminServerFrame) => f is T, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const frame = await c.receiveJson<AdminServerFrame>(Math.max(1, deadline - Date.now()));
    if (want(frame)) return frame;
  }
}

describe.skipIf(!redisBin.available)("the dashboard across two nodes on one Redis", () => {
  let redis: RedisServer;
  let a: Node;
  let b: Node;
  let dataDir: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
    dataDir = mkdtempSync(join(tmpdir(), "sb-admin-cluster-"));
    const env = { REDIS_URL: redis.url, DATA_DIR: dataDir };
    a = await startAdminServer(250, env);
    b = await startAdminServer(250, env);
    await addUsers(a.app, ["alice"]);
    for (const name of ["root", "alice"]) tokens[name] = await tokenOf(a.url, name);
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("a dashboard on node A sees node B's sockets, and closes one there through B", async () => {
    const dash = new WebsocketCommunicator(a.wsUrl, "/ws/admin/", { headers: { token: tokens.root! } });
    expect((await dash.connect()).connected).toBe(true);
    const onB = new WebSocket(`${b.wsUrl}/ws/notify/`, { headers: { token: tokens.alice! } });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => onB.once("close", (code, reason) => resolve({ code, reason: String(reason) })));
    await new Promise<void>((resolve, reject) => {
      onB.once("open", () => resolve());
      onB.once("error", reject);
    });
    const isAlice = (s: NodeSnapshot) => s.sockets.recent.some((x) => x.user === "alice");
    const seen = await until(dash, (f): f is Extract<AdminServerFrame, { type: "admin.node" }> => f.type === "admin.node" && isAlice(f.snapshot));
    // Both nodes report; the one holding alice's socket is not the dashboard's own.
    const own = await until(dash, (f): f is Extract<AdminServerFrame, { type: "admin.node" }> => f.type === "admin.node" && (f.snapshot.sockets.byRoute["/ws/admin/"] ?? 0) > 0);
    expect(own.snapshot.node).not.toBe(seen.snapshot.node);
    const target = seen.snapshot.sockets.recent.find((x) => x.user === "alice")!;
    dash.sendJson({ type: "close_socket", request: "c1", node: seen.snapshot.node, connection_id: target.connectionId, reason: "moved" });
    expect(await closed).toEqual({ code: 4001, reason: "moved" });
    const result = await until(dash, (f): f is Extract<AdminServerFrame, { type: "admin.result" }> => f.type === "admin.result");
    expect(result.outcome).toBe("closed");
    // Node B's dashboards hear of the audit entry too.
    const other = new WebsocketCommunicator(b.wsUrl, "/ws/admin/", { headers: { token: tokens.root! } });
    expect((await other.connect()).connected).toBe(true);
    const state = await until(other, (f): f is Extract<AdminServerFrame, { type: "admin.state" }> => f.type === "admin.state");
    expect(state.audit[0]).toMatchObject({ action: "close_socket", outcome: "closed", target: `${seen.snapshot.node} ${target.connectionId}` });
    await dash.disconnect();
    await other.disconnect();
  });
});
