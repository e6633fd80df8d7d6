import { workOrderService } from "../../../src/apps/workorders/index.js";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserStore } from "../../../src/auth/users.js";
import { WorkOrderStore } from "../../../src/apps/workorders/store.js";
import { WebsocketCommunicator } from "../../../src/core/index.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

let server: TestServer;
const tokens: Record<string, string> = {};

async function api(path: string, who: string | null, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function waitFor(id: number, states: string[], timeoutMs = 15_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await api(`/api/workorders/${id}`, "dev");
    if (states.includes(json.order.state)) return json;
    if (Date.now() > deadline) throw new Error(`order ${id} still ${json.order.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  server = await startTestServer({ DATA_DIR: mkdtempSync(join(tmpdir(), "sb-wo-")) });
  const users = new UserStore(server.app.db);
  for (const [name, superuser] of [["dev", false], ["lead", false], ["root", true], ["eve", false]] as const) {
    await users.create({ username: name, email: `${name}@example.com`, password: "long-enough-pw", isSuperuser: superuser });
    const res = await fetch(`${server.url}/api/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: name, password: "long-enough-pw" }) });
    tokens[name] = ((await res.json()) as { token: string }).token;
  }
  await new WorkOrderStore(server.app.db).grant((await users.byUsername("lead"))!.id, "approver");
}, 30_000);
afterAll(async () => {
  await server.close();
});

describe("work orders over the API", () => {
  it("tells approvers on their notify sockets when an order is filed, and the requester when it is decided", async () => {
    const notify = (who: string) => new WebsocketCommunicator(server.wsUrl, "/ws/notify/", { headers: { authorization: `Bearer ${tokens[who]}` } });
    const lead = notify("lead");
    const root = notify("root");
    const dev = notify("dev");
    const eve = notify("eve");
    for (const c of [lead, root, dev, eve]) expect((await c.connect()).connected).toBe(true);
    const filed = await api("/api/workorders", "dev", { title: "needs a look", template: "demo-deploy", params: {} });
    const id = filed.json.order.id as number;
    for (const approver of [lead, root]) {
      expect(await approver.receiveJson()).toMatchObject({ type: "notify", from: { username: "workorders" }, workOrder: { id, state: "pending_approval", title: "needs a look" } });
    }
    // Nobody else hears of it; the requester's own list of orders to approve is empty.
    expect(await eve.receiveNothing(200)).toBe(true);
    expect(await dev.receiveNothing(50)).toBe(true);
    expect((await api("/api/workorders?awaiting=me", "lead")).json.orders.map((o: { id: number }) => o.id)).toContain(id);
    expect((await api("/api/workorders?awaiting=me", "dev")).json.orders).toEqual([]);
    expect((await api(`/api/workorders/${id}/reject`, "lead", { reason: "not today" })).status).toBe(200);
    const told = await dev.receiveJson<{ message: string; workOrder: { state: string } }>();
    expect(told.workOrder.state).toBe("rejected");
    expect(told.message).toContain("not today");
    for (const c of [lead, root, dev, eve]) await c.disconnect();
  });

  it("shows orders, their logs and templates only to signed-in users, and an order only to its requester, approvers and superusers", async () => {
    const filed = await api("/api/workorders", "dev", { title: "mine only", template: "demo-deploy", params: {} });
    expect(filed.status).toBe(201);
    const id = filed.json.order.id as number;
    for (const path of ["/api/workorders", `/api/workorders/${id}`, `/api/workorders/${id}/steps/build/log`, "/api/templates"]) {
      const anonymous = await api(path, null);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.json, path).toEqual({ error: "authentication_required", code: "SB_ERR_AUTH_REQUIRED" });
    }
    // Someone else's credentials: as if the order did not exist.
    expect((await api(`/api/workorders/${id}`, "eve")).status).toBe(404);
    expect((await api(`/api/workorders/${id}/steps/build/log`, "eve")).status).toBe(404);
    expect((await api("/api/workorders", "eve")).json.orders.map((o: { id: number }) => o.id)).not.toContain(id);
    // The requester, an approver and a superuser see it.
    for (const who of ["dev", "lead", "root"]) {
      expect((await api(`/api/workorders/${id}`, who)).status, who).toBe(200);
      expect((await api("/api/workorders", who)).json.orders.map((o: { id: number }) => o.id), who).toContain(id);
    }
    const gql = async (who: string | null, query: string) =>
      (await fetch(`${server.url}/graphql/`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(who ? { authorization: `JWT ${tokens[who]}` } : {}) },
        body: JSON.stringify({ query }),
      }).then((r) => r.json())) as { data: Record<string, unknown> | null; errors?: { extensions: { code: string } }[] };
    for (const query of ["{ workOrders { id } }", `{ workOrder(id: ${id}) { id } }`]) {
      expect((await gql(null, query)).errors?.map((e) => e.extensions.code), query).toEqual(["UNAUTHENTICATED"]);
    }
    expect((await gql("eve", `{ workOrder(id: ${id}) { id } }`)).data).toEqual({ workOrder: null });
    expect((await gql("eve", "{ workOrders { id } }")).data!.workOrders).not.toContainEqual({ id: String(id) });
    expect((await gql("lead", `{ workOrder(id: ${id}) { id } }`)).data).toEqual({ workOrder: { id: String(id) } });
    // The order's socket: anonymous 401, someone else 403, the requester gets the state.
    const ws = (who: string | null) => new WebsocketCommunicator(server.wsUrl, `/ws/workorders/${id}/`, who ? { headers: { authorization: `Bearer ${tokens[who]}` } } : {});
    expect(await ws(null).connect()).toMatchObject({ connected: false, status: 401 });
    expect(await ws("eve").connect()).toMatchObject({ connected: false, status: 403 });
    const mine = ws("dev");
    expect((await mine.connect()).connected).toBe(true);
    expect(await mine.receiveJson()).toMatchObject({ type: "workorder.state", order: { id } });
    await mine.disconnect();
    await api(`/api/workorders/${id}/cancel`, "dev", {});
  });

  it("lets only superusers define templates", async () => {
    const template = { name: "mine", params: {}, steps: [{ name: "x", command: ["true"] }] };
    expect((await api("/api/templates", "dev", template)).status).toBe(403);
    expect((await api("/api/templates", null, template)).status).toBe(401);
    expect((await api("/api/templates", "root", template)).status).toBe(200);
    expect((await api("/api/templates", "root", { name: "bad", params: {}, steps: [{ name: "a", command: ["true"], needs: ["b"] }] })).json.detail).toBe("step a: needs unknown step b");
  });

  it("fans the demo out to SERVERS parallel branches (1–20), refusing other counts", async () => {
    const filed = await api("/api/workorders", "dev", { title: "wide", template: "demo-deploy", params: { SERVERS: "7" } });
    expect(filed.status).toBe(201);
    const steps = filed.json.template.steps as { name: string; needs?: string[] }[];
    expect(steps.filter((s) => s.name.startsWith("upload-")).map((s) => s.name)).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `upload-${n}`));
    expect(steps.find((s) => s.name === "restart-6")!.needs).toEqual(["upload-6"]);
    expect(filed.json.steps).toHaveLength(3 + 7 * 2);
    for (const bad of ["0", "21", "3; rm -rf /"]) expect((await api("/api/workorders", "dev", { title: "bad", template: "demo-deploy", params: { SERVERS: bad } })).status, bad).toBe(400);
    await api(`/api/workorders/${filed.json.order.id}/cancel`, "dev", {});
  });

  it("refuses parameters that do not match their pattern before anything runs", async () => {
    const res = await api("/api/workorders", "dev", { title: "evil", template: "demo-deploy", params: { COMMIT: "abc1234; rm -rf /" } });
    expect(res.status).toBe(400);
    expect(res.json.detail).toMatch(/parameter COMMIT: must match/);
  });

  it("runs the demo pipeline once an approver (not the requester) approves, with parallel server branches", async () => {
    const filed = await api("/api/workorders", "dev", { title: "deploy demo", template: "demo-deploy", params: {} });
    expect(filed.status).toBe(201);
    const id = filed.json.order.id as number;
    expect(filed.json.order.state).toBe("pending_approval");
    const watcher = new WebsocketCommunicator(server.wsUrl, `/ws/workorders/${id}/`, { headers: { authorization: `Bearer ${tokens.dev}` } });
    expect((await watcher.connect()).connected).toBe(true);
    expect(await watcher.receiveJson()).toMatchObject({ type: "workorder.state", order: { id, state: "pending_approval" } });
    expect((await api(`/api/workorders/${id}/approve`, "dev", {})).status).toBe(403); // the requester
    const approved = await api(`/api/workorders/${id}/approve`, "lead", {});
    expect(approved.status).toBe(200);
    const done = await waitFor(id, ["succeeded", "failed"]);
    expect(done.order.state).toBe("succeeded");
    expect(done.steps.every((s: { state: string }) => s.state === "succeeded")).toBe(true);
    const uploads = done.steps.filter((s: { step: string }) => s.step.startsWith("upload-"));
    const overlap = uploads.some((a: any) => uploads.some((b: any) => a !== b && a.startedAt < b.finishedAt && b.startedAt < a.finishedAt));
    expect(overlap).toBe(true);
    for (const n of [1, 2, 3]) {
      expect(readdirSync(join(server.dataDir, "servers", String(n)))).toEqual(expect.arrayContaining([`app-${id}.tgz`, "restarted"]));
    }
    expect(done.audit.map((a: { to: string }) => a.to)).toEqual(["draft", "pending_approval", "approved", "running", "succeeded"]);
    // The watcher saw the diagram change live: steps going running → succeeded.
    const events: any[] = [];
    try {
      for (;;) events.push(await watcher.receiveJson(500));
    } catch {
      // drained
    }
    const fetchStates = events.filter((e) => e.event?.kind === "step" && e.event.step === "fetch").map((e) => e.event.state);
    expect(fetchStates).toEqual(["running", "succeeded"]);
    expect(events.some((e) => e.event?.kind === "order" && e.event.state === "succeeded")).toBe(true);
    expect((await api(`/api/workorders/${id}/steps/build/log`, "dev")).json.log).toMatch(/built \d+ bytes/);
    await watcher.disconnect();
  }, 30_000);

  it("rejects with a reason; a failed step skips its dependants and retry finishes the run", async () => {
    const rejectMe = await api("/api/workorders", "dev", { title: "nope", template: "demo-deploy", params: {} });
    expect((await api(`/api/workorders/${rejectMe.json.order.id}/reject`, "lead", {})).status).toBe(400);
    const rejected = await api(`/api/workorders/${rejectMe.json.order.id}/reject`, "lead", { reason: "not today" });
    expect(rejected.json.order).toMatchObject({ state: "rejected", reason: "not today" });
    expect((await api(`/api/workorders/${rejectMe.json.order.id}/approve`, "lead", {})).status).toBe(409);

    await api("/api/templates", "root", {
      name: "flaky",
      params: {},
      steps: [
        { name: "flaky", command: ["sh", "-c", "if [ -f done-once ]; then echo ok; else touch done-once; echo first try fails >&2; exit 1; fi"] },
        { name: "after", command: ["true"], needs: ["flaky"] },
      ],
    });
    const filed = await api("/api/workorders", "dev", { title: "flaky run", template: "flaky", params: {} });
    const id = filed.json.order.id;
    await api(`/api/workorders/${id}/approve`, "lead", {});
    const failed = await waitFor(id, ["failed"]);
    expect(Object.fromEntries(failed.steps.map((s: any) => [s.step, s.state]))).toEqual({ flaky: "failed", after: "skipped" });
    expect((await api(`/api/workorders/${id}/retry`, "dev", {})).status).toBe(200);
    const done = await waitFor(id, ["succeeded"]);
    expect(done.steps.map((s: any) => s.state)).toEqual(["succeeded", "succeeded"]);
  }, 30_000);

  it("cancels a long step", async () => {
    await api("/api/templates", "root", { name: "long", params: {}, steps: [{ name: "wait", command: ["sleep", "30"] }] });
    const filed = await api("/api/workorders", "dev", { title: "long", template: "long", params: {} });
    const id = filed.json.order.id;
    await api(`/api/workorders/${id}/approve`, "lead", {});
    await waitFor(id, ["running"]);
    await new Promise((r) => setTimeout(r, 300));
    expect((await api(`/api/workorders/${id}/cancel`, "dev", {})).json.order.state).toBe("cancelled");
    const deadline = Date.now() + 5000;
    let step = "";
    while (Date.now() < deadline && step !== "cancelled") {
      step = (await api(`/api/workorders/${id}`, "dev")).json.steps[0].state;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(step).toBe("cancelled");
  }, 20_000);
});

describe("restart while an order runs", () => {
  it("leaves it failed with the reason interrupted, never stuck in running", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sb-wo-restart-"));
    let node = await startTestServer({ DATA_DIR: dataDir });
    const users = new UserStore(node.app.db);
    await users.create({ username: "a", email: "a@example.com", password: "long-enough-pw", isSuperuser: true });
    const b = await users.create({ username: "bee", email: "b@example.com", password: "long-enough-pw" });
    const svc = workOrderService(node.app);
    await svc.defineTemplate({ name: "forever", params: {}, steps: [{ name: "wait", command: ["sleep", "30"] }] }, "server");
    const view = await svc.file(("user" in b && b.user.id) as number, { title: "t", template: "forever", params: {} });
    await svc.act(view.order.id, "approve", await svc.actor(1));
    await node.close();
    node = await startTestServer({ DATA_DIR: dataDir });
    const after = await workOrderService(node.app).view(view.order.id);
    expect(after!.order).toMatchObject({ state: "failed", reason: "interrupted" });
    expect(after!.steps[0]).toMatchObject({ state: expect.stringMatching(/failed|cancelled/) });
    await node.close();
    expect(existsSync(dataDir)).toBe(true);
  }, 30_000);
});
