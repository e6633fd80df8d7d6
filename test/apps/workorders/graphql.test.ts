import { workOrderService } from "../../../src/apps/workorders/index.js";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserStore } from "../../../src/auth/users.js";
import { WorkOrderStore } from "../../../src/apps/workorders/store.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

let server: TestServer;
const tokens: Record<string, string> = {};

async function gql(who: string, query: string): Promise<{ data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> }> {
  const res = await fetch(`${server.url}/graphql/`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `JWT ${tokens[who]}` },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as never;
}

beforeAll(async () => {
  server = await startTestServer();
  const users = new UserStore(server.app.db);
  for (const name of ["dev", "lead"]) {
    await users.create({ username: name, email: `${name}@example.com`, password: "long-enough-pw" });
    const res = await fetch(`${server.url}/api/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: name, password: "long-enough-pw" }) });
    tokens[name] = ((await res.json()) as { token: string }).token;
  }
  await new WorkOrderStore(server.app.db).grant((await users.byUsername("lead"))!.id, "approver");
  await workOrderService(server.app).defineTemplate({ name: "quick", params: { N: { pattern: "^[0-9]$", default: "1" } }, steps: [{ name: "one", command: ["sleep", "0.2"] }, { name: "two", command: ["true"], needs: ["one"] }] }, "server");
});
afterAll(async () => {
  await server.close();
});

describe("work orders over GraphQL", () => {
  it("creates, refuses self-approval, approves, and streams workOrderUpdated to the end", async () => {
    const created = await gql("dev", `mutation { createWorkOrder(title: "gql order", template: "quick", params: {N: "3"}) { id state params steps { step state } } }`);
    const order = created.data.createWorkOrder;
    expect(order).toMatchObject({ state: "pending_approval", params: { N: "3" }, steps: [{ step: "one", state: "pending" }, { step: "two", state: "pending" }] });
    expect((await gql("dev", `mutation { approveWorkOrder(id: ${order.id}) { state } }`)).errors![0]!.extensions!.code).toBe("FORBIDDEN");
    expect((await gql("dev", `mutation { createWorkOrder(title: "x", template: "quick", params: {N: "; ls"}) { id } }`)).errors![0]!.extensions!.code).toBe("BAD_USER_INPUT");

    const client = createClient({ url: `${server.wsUrl}/graphql/`, webSocketImpl: WebSocket, connectionParams: { token: tokens.dev }, retryAttempts: 0 });
    const states: string[] = [];
    const finished = new Promise<void>((resolve, reject) => {
      const stop = client.subscribe<{ workOrderUpdated: { state: string } }>(
        { query: `subscription { workOrderUpdated(id: ${order.id}) { state steps { step state } } }` },
        {
          next: ({ data }) => {
            states.push(data!.workOrderUpdated.state);
            if (data!.workOrderUpdated.state === "succeeded") {
              stop();
              resolve();
            }
          },
          error: reject,
          complete: () => resolve(),
        },
      );
    });
    await new Promise((r) => setTimeout(r, 200));
    const approved = await gql("lead", `mutation { approveWorkOrder(id: ${order.id}) { state } }`);
    expect(approved.data.approveWorkOrder.state).toMatch(/running|succeeded/);
    await finished;
    await client.dispose();
    expect(states.at(-1)).toBe("succeeded");
    expect(states).toContain("running");
    expect((await gql("dev", `query { workOrder(id: ${order.id}) { state steps { state } } }`)).data.workOrder).toEqual({ state: "succeeded", steps: [{ state: "succeeded" }, { state: "succeeded" }] });
    expect((await gql("dev", `query { workOrders(state: "succeeded") { id } }`)).data.workOrders).toEqual([{ id: String(order.id) }]);
  });

  it("rejects with a reason", async () => {
    const id = (await gql("dev", `mutation { createWorkOrder(title: "r", template: "quick") { id } }`)).data.createWorkOrder.id;
    expect((await gql("lead", `mutation { rejectWorkOrder(id: ${id}, reason: "freeze") { state reason } }`)).data.rejectWorkOrder).toEqual({ state: "rejected", reason: "freeze" });
  });
});
