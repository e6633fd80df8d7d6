import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getIntrospectionQuery } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../src/core/index.js";
import { MAX_COST, MAX_DEPTH, MAX_OFTYPE_DEPTH, MAX_QUERY_CHARS } from "../../src/graphql/limits.js";
import { startNode, type NodeProcess } from "../helpers/node-process.js";

interface GraphQLErrorJson {
  message: string;
  extensions?: { code?: string; limit?: string; max?: number; actual?: number };
}
interface Answer {
  data?: Record<string, any> | null;
  errors?: GraphQLErrorJson[];
}

let node: NodeProcess;
let dataDir: string;
let client: Client;
let opened = 0;
let closed = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "sb-graphql-limits-"));
  node = await startNode({ DATA_DIR: dataDir, WS_RATE_LIMIT: "0" });
  client = createClient({ url: `${node.wsUrl}/graphql/`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
  client.on("connected", () => opened++);
  client.on("closed", () => closed++);
}, 30_000);
afterAll(async () => {
  await client?.dispose();
  expect(await node.stop()).toBe(0);
  rmSync(dataDir, { recursive: true, force: true });
});

async function http(body: unknown): Promise<{ status: number; answer: Answer }> {
  const res = await fetch(`${node.url}/graphql/`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, answer: (await res.json()) as Answer };
}

/** One operation over the shared graphql-ws socket: its result, or the errors of its `error` message. */
function ws(query: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let result: Answer = {};
    client.subscribe<Record<string, unknown>>(
      { query },
      {
        next: (value) => (result = value as Answer),
        // An `error` message: graphql-ws hands over its array of errors; a close would be a CloseEvent.
        error: (error) => (Array.isArray(error) ? resolve({ errors: error as GraphQLErrorJson[] }) : reject(error)),
        complete: () => resolve(result),
      },
    );
  });
}

const nested = (depth: number): string => {
  let body = "leaf";
  for (let i = depth - 1; i > 0; i--) body = `f${i} { ${body} }`;
  return `{ ${body} }`;
};
const aliases = (n: number, field: string): string => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ");
const fragmentBomb = (): string => {
  const fragments = ["fragment F16 on Query { allBooks { id } }"];
  for (let i = 15; i >= 0; i--) fragments.push(`fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  return `query { ...F0 } ${fragments.join(" ")}`;
};

const REFUSED: Array<{ label: string; query: string; limit: string }> = [
  { label: "a query 50 deep", query: nested(50), limit: "depth" },
  { label: "introspection with `ofType` 50 deep", query: `{ __schema { types { ${"ofType { ".repeat(50)}name${" }".repeat(50)} } } }`, limit: "depth" },
  { label: "2,000 aliases (55 kB)", query: `{ ${aliases(2000, "book(id: 123) { id }")} }`, limit: "size" },
  { label: "2,000 aliases in 17 kB", query: `{ allBooks { ${aliases(2000, "id")} } }`, limit: "cost" },
  { label: "1,500 aliases inside introspection", query: `{ __schema { queryType { ${aliases(1500, "name")} } } }`, limit: "cost" },
  { label: "a 55 kB query", query: `{ allBooks { id title { name } } }${" ".repeat(55_000)}`, limit: "size" },
  { label: "fragments doubling 17 times", query: fragmentBomb(), limit: "cost" },
  // graphql-js's parser recurses: this would overflow its stack before any rule ran.
  { label: "braces nested 3,000 deep", query: `${"{ f ".repeat(3000)}${"} ".repeat(3000)}`, limit: "depth" },
];

describe("GraphQL limits: one gate for HTTP and graphql-ws (real server process)", () => {
  it("the limits are the documented numbers", () => {
    expect({ MAX_QUERY_CHARS, MAX_DEPTH, MAX_OFTYPE_DEPTH, MAX_COST }).toEqual({ MAX_QUERY_CHARS: 20_000, MAX_DEPTH: 8, MAX_OFTYPE_DEPTH: 12, MAX_COST: 1000 });
  });

  for (const { label, query, limit } of REFUSED) {
    it(`refuses ${label} on both transports with the same coded error (limit ${limit})`, async () => {
      const { status, answer } = await http({ query });
      expect(status).toBe(400);
      expect(answer.data).toBeUndefined();
      const refusal = answer.errors!.find((e) => e.extensions?.limit !== undefined);
      expect(refusal?.extensions).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED", limit });
      for (const e of answer.errors!) expect(e.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
      const overSocket = await ws(query);
      expect(overSocket.data).toBeUndefined();
      expect(overSocket.errors).toEqual(answer.errors);
    });
  }

  it("refuses a batch (a JSON array) over HTTP: one operation per request", async () => {
    const { status, answer } = await http([{ query: "{ allBooks { id } }" }, { query: "{ allBooks { id } }" }]);
    expect(status).toBe(400);
    expect(answer.errors![0]!.extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED", limit: "batch", max: 1, actual: 2 });
  });

  it("codes syntax and graphql-js validation errors the same way on both", async () => {
    for (const query of ["{ allBooks { ", "{ nope }", `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`]) {
      const { status, answer } = await http({ query });
      expect(status).toBe(400);
      expect(answer.errors![0]!.extensions!.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect((await ws(query)).errors).toEqual(answer.errors);
    }
  });

  it("accepts ordinary queries and GraphiQL's standard introspection on both", async () => {
    const full = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true });
    for (const query of ["{ allBooks { id title { name } } }", getIntrospectionQuery(), full, `{ allBooks { ${aliases(900, "id")} } }`]) {
      const { status, answer } = await http({ query });
      expect(answer.errors).toBeUndefined();
      expect(status).toBe(200);
      expect(await ws(query)).toEqual(answer);
    }
    const { answer } = await http({ query: getIntrospectionQuery() });
    expect(answer.data!.__schema.types.map((t: { name: string }) => t.name)).toContain("Book");
  });

  it("keeps the socket open after a refused subscribe; the next subscription delivers", async () => {
    expect((await ws(nested(50))).errors![0]!.extensions!.limit).toBe("depth");
    expect((await ws(`subscription { roomMessages(room: "limits") { ${aliases(1100, "message")} } }`)).errors![0]!.extensions!.limit).toBe("cost");
    const received = new Promise<string>((resolve, reject) => {
      const stop = client.subscribe<{ roomMessages: { message: string } }>(
        { query: `subscription { roomMessages(room: "limits") { message user } }` },
        {
          next: (value) => {
            stop();
            resolve(value.data!.roomMessages.message);
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    const chat = new WebsocketCommunicator(node.wsUrl, "/ws/chat/limits/");
    await chat.connect();
    // The subscription joins the room's group asynchronously: post until it delivers.
    let delivered: string | null = null;
    void received.then((m) => (delivered = m));
    for (let i = 0; i < 50 && delivered === null; i++) {
      chat.sendJson({ message: "after the refusal" });
      await new Promise((r) => setTimeout(r, 100));
    }
    await chat.disconnect();
    expect(await received).toBe("after the refusal");
    expect(opened).toBe(1);
    expect(closed).toBe(0);
  });
});
