import { mkdtempSync, realpathSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { UserStore } from "../../src/auth/users.js";
import { openDatabase } from "../../src/storage/database.js";
import { startNode, type NodeProcess } from "../helpers/node-process.js";
import { freePort } from "../helpers/redis.js";

/**
 * What a stranger can learn from a production server: metrics only with the token (or on a
 * listener of its own), the security headers on pages, no schema introspection, and no
 * server paths in what signed-in users read. Real `serve` processes, as deployed.
 */

const TOKEN = "exposure-test-metrics-token-0123456789";
/** The whole policy, as helmet writes it (directives joined by `;`). */
const CSP = "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self' ws: wss:;frame-ancestors 'none';base-uri 'self';form-action 'self'";
const INTROSPECTION = "{ __schema { queryType { name } } }";

const dataDir = (): string => mkdtempSync(join(tmpdir(), "sb-exposure-"));

async function gql(node: NodeProcess, query: string): Promise<{ status: number; body: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } }> {
  const res = await fetch(`${node.url}/graphql/`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  return { status: res.status, body: await res.json() };
}

/** A production node behind a trusted proxy, with a metrics token. */
describe("a production node with METRICS_TOKEN behind a trusted proxy", () => {
  let node: NodeProcess;
  let dir: string;
  beforeAll(async () => {
    dir = dataDir();
    node = await startNode({ DATA_DIR: dir, NODE_ENV: "production", METRICS_TOKEN: TOKEN, TRUSTED_PROXIES: "127.0.0.1/32" });
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
  });

  it("answers /metrics only to the right bearer token", async () => {
    const anonymous = await fetch(`${node.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await anonymous.json()).toEqual({ error: "metrics_token_required", code: "SB_ERR_METRICS_TOKEN" });
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, "Bearer short", `Basic ${TOKEN}`, TOKEN, "Bearer "]) {
      const wrong = await fetch(`${node.url}/metrics`, { headers: { authorization } });
      expect(wrong.status, authorization).toBe(401);
      expect(await wrong.text(), authorization).not.toContain("switchboard_");
    }
    const right = await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await right.text()).toContain("switchboard_open_sockets");
  });

  it("sends the security headers on a page: the exact CSP, no framing, nosniff, same-origin referrers, no HSTS over plain HTTP", async () => {
    const res = await fetch(`${node.url}/chat/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(CSP);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    expect(res.headers.get("strict-transport-security")).toBeNull();
    expect(res.headers.get("x-powered-by")).toBeNull();
    // Refusals carry them too.
    const missing = await fetch(`${node.url}/no/such/page`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-security-policy")).toBe(CSP);
    expect(missing.headers.get("x-frame-options")).toBe("DENY");
  });

  it("sends HSTS when the trusted proxy says the request came over HTTPS", async () => {
    const res = await fetch(`${node.url}/chat/`, { headers: { "x-forwarded-proto": "https" } });
    expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000");
    expect(res.headers.get("content-security-policy")).toBe(CSP);
  });

  it("refuses introspection over HTTP (NODE_ENV=production), and still answers __typename and queries", async () => {
    for (const query of [INTROSPECTION, `{ __type(name: "Query") { name } }`, `query Sneaky { allBooks { title { id } } schema: __schema { types { name } } }`]) {
      const { status, body } = await gql(node, query);
      expect(status, query).toBe(400);
      expect(body.data, query).toBeUndefined();
      expect(body.errors?.length, query).toBeGreaterThan(0);
      for (const error of body.errors ?? []) {
        expect(error.message, query).toMatch(/^GraphQL introspection has been disabled/);
        expect(error.extensions?.code, query).toBe("GRAPHQL_VALIDATION_FAILED");
      }
    }
    const typename = await gql(node, "{ __typename }");
    expect(typename).toMatchObject({ status: 200, body: { data: { __typename: "Query" } } });
  });

  it("refuses introspection over graphql-ws too", async () => {
    const client = createClient({ url: `${node.wsUrl}/graphql/`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    try {
      const outcome = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: INTROSPECTION }, { next: (result) => resolve(result), error: (errors) => resolve(errors), complete: () => undefined });
      });
      // An `error` message (a list of GraphQL errors), never a result with data.
      expect(Array.isArray(outcome)).toBe(true);
      expect((outcome as { message: string }[])[0]!.message).toMatch(/^GraphQL introspection has been disabled/);
      expect(JSON.stringify(outcome)).not.toContain('"data"');
    } finally {
      await client.dispose();
    }
  });

  it("shows a signed-in user templates that hold no server path", async () => {
    const db = openDatabase(`sqlite:${join(dir, "switchboard.sqlite")}`);
    try {
      await new UserStore(db).create({ username: "reader", email: "reader@example.com", password: "long-enough-pw", isSuperuser: false });
    } finally {
      await db.destroy();
    }
    const issued = await fetch(`${node.url}/api/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "reader", password: "long-enough-pw" }) });
    const { token } = (await issued.json()) as { token: string };
    const res = await fetch(`${node.url}/api/templates`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const { templates } = JSON.parse(text) as { templates: { name: string; params: Record<string, { default?: string }> }[] };
    const demo = templates.find((t) => t.name === "demo-deploy");
    expect(demo?.params.REPO?.default).toBe("demo-repo");
    for (const path of new Set([dir, realpathSync(dir), process.cwd(), tmpdir(), realpathSync(tmpdir()), homedir()])) {
      expect(text, path).not.toContain(path);
    }
    // Not even escaped for JSON, nor any other absolute path in a string value.
    expect(text).not.toMatch(/"\/[A-Za-z]/);
  });
});

describe("a node with a metrics listener (METRICS_HOST/METRICS_PORT) and no token", () => {
  let node: NodeProcess;
  let metricsUrl = "";
  beforeAll(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}`;
    node = await startNode({ DATA_DIR: dataDir(), NODE_ENV: "production", GRAPHQL_INTROSPECTION: "1", METRICS_HOST: "127.0.0.1", METRICS_PORT: String(port) });
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
  });

  it("serves metrics on the listener without a token, and only metrics", async () => {
    const res = await fetch(`${metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("switchboard_open_sockets");
    for (const path of ["/", "/healthz", "/chat/", "/api/templates", "/graphql/"]) {
      expect((await fetch(`${metricsUrl}${path}`)).status, path).toBe(404);
    }
  });

  it("does not expose /metrics on the main port (404), token or not", async () => {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }] as Record<string, string>[]) {
      const res = await fetch(`${node.url}/metrics`, { headers });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "not_found", code: "SB_ERR_METRICS_NOT_EXPOSED" });
    }
  });

  it("ignores X-Forwarded-Proto from a proxy it does not trust (no HSTS)", async () => {
    const res = await fetch(`${node.url}/chat/`, { headers: { "x-forwarded-proto": "https" } });
    expect(res.headers.get("strict-transport-security")).toBeNull();
    expect(res.headers.get("content-security-policy")).toBe(CSP);
  });

  it("allows introspection in production with GRAPHQL_INTROSPECTION=1", async () => {
    const { status, body } = await gql(node, INTROSPECTION);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.__schema.queryType.name).toBe("Query");
  });

  it("closes the metrics listener with the server", async () => {
    expect(await node.stop()).toBe(0);
    await expect(fetch(`${metricsUrl}/metrics`)).rejects.toThrow();
  });
});
