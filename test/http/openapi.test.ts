import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * The HTTP API described by schema: every route Fastify registered carries a JSON Schema
 * (read from the app's own route table, so a new route without one fails here), the
 * OpenAPI document built from them is valid OpenAPI 3.1 (checked against the OpenAPI
 * Initiative's published JSON Schema for 3.1 by `@seriousme/openapi-schema-validator`,
 * plus what that schema cannot say: path templates and their parameters agree, operation
 * ids are unique, every described route is there and no hidden one is), and bad input
 * keeps the one coded error body.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

interface Operation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  responses: Record<string, unknown>;
  security?: unknown[];
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };

async function documentOf(): Promise<Document> {
  const res = await fetch(`${server.url}/api/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return (await res.json()) as Document;
}

/** The OpenAPI spelling of a Fastify path: `/api/rooms/:room/messages` → `/api/rooms/{room}/messages`. */
const openapiPath = (url: string): string => url.replace(/:([A-Za-z_]+)/g, "{$1}");

describe("route schemas", () => {
  it("every HTTP route carries a schema", () => {
    const routes = server.app.routes.filter((r) => r.method !== "HEAD");
    expect(routes.length).toBeGreaterThan(30);
    const missing = routes.filter((r) => r.schema === undefined).map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
  });

  it("every API route (not a page, a static file or the docs) is described with its replies", () => {
    const described = server.app.routes.filter((r) => r.method !== "HEAD" && !r.schema?.hide);
    expect(described.length).toBeGreaterThanOrEqual(19);
    for (const r of described) {
      const response = r.schema?.response as Record<string, unknown> | undefined;
      expect(response, `${r.method} ${r.url}`).toBeDefined();
      expect(Object.keys(response!).some((s) => /^2\d\d$/.test(s)), `${r.method} ${r.url} has a success reply`).toBe(true);
      expect(r.schema?.summary, `${r.method} ${r.url} has a summary`).toEqual(expect.any(String));
      expect(r.schema?.tags, `${r.method} ${r.url} has a tag`).toHaveLength(1);
    }
  });
});

describe("GET /api/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await documentOf();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("lists exactly the described routes, each with its path parameters and a unique operation id", async () => {
    const doc = await documentOf();
    const listed = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    const expected = server.app.routes.filter((r) => r.method !== "HEAD" && !r.schema?.hide).map((r) => `${r.method} ${openapiPath(r.url)}`);
    expect(listed.sort()).toEqual([...new Set(expected)].sort());

    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        const inPath = (op.parameters ?? []).filter((p) => p.in === "path");
        expect(inPath.map((p) => p.name).sort(), where).toEqual([...templated].sort());
        for (const p of inPath) expect(p.required, `${where} ${p.name}`).toBe(true);
        expect(Object.keys(op.responses).length, where).toBeGreaterThan(0);
        if (op.operationId) {
          expect(ids.has(op.operationId), op.operationId).toBe(false);
          ids.add(op.operationId);
        }
      }
    }
  });

  it("says which operations need a user: the session cookie or a bearer token, and their 401", async () => {
    const doc = await documentOf();
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["metricsToken", "session", "token"]);
    const members = doc.paths["/api/group/members"]!.get!;
    expect(members.security).toEqual([{ session: [] }, { token: [] }]);
    expect(members.responses["401"]).toBeDefined();
    expect(doc.paths["/api/roles"]!.post!.responses["403"]).toBeDefined();
    expect(doc.paths["/api/me"]!.get!.security).toEqual([]);
    expect(doc.paths["/healthz"]!.get!.security).toEqual([]);
    expect(doc.paths["/metrics"]!.get!.security).toEqual([{ metricsToken: [] }]);
  });

  it("leaves out pages, static files and itself", async () => {
    const doc = await documentOf();
    for (const hidden of ["/chat/", "/chat/{room}/", "/accounts/login/", "/static/*", "/api/openapi.json", "/api/docs/", "/graphql/"]) {
      const methods = Object.keys(doc.paths[hidden] ?? {});
      // POST /graphql/ is the API; GET /graphql/ (the explorer page) is not.
      expect(methods, hidden).toEqual(hidden === "/graphql/" ? ["post"] : []);
    }
  });
});

describe("schema refusals keep the coded error body", () => {
  const inject = (method: "GET" | "POST", url: string, payload?: unknown) =>
    server.app.fastify.inject({ method, url, headers: { "content-type": "application/json" }, payload: payload === undefined ? undefined : JSON.stringify(payload) });

  it("a query that fails its schema: 400 invalid_request with Fastify's reason as detail", async () => {
    const res = await inject("GET", "/api/rooms/lobby/messages?limit=501");
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: "invalid_request", code: "SB_ERR_INVALID_REQUEST", detail: expect.stringContaining("limit") });
  });

  it("a body that fails its schema answers the route's own code, never Fastify's default body", async () => {
    const message = await inject("POST", "/api/rooms/lobby/messages", { message: 5 });
    expect(message.statusCode).toBe(400);
    expect(message.json()).toEqual({ error: "invalid_message", code: "SB_ERR_INVALID_MESSAGE", detail: expect.stringContaining("message") });
    // Nothing coerced: 5 is not the message "5".
    expect((await inject("GET", "/api/rooms/lobby/messages")).json().messages).toEqual([]);

    const token = await inject("POST", "/api/token", { username: ["a"], password: "x" });
    expect(token.statusCode).toBe(401);
    expect(token.json()).toMatchObject({ code: "SB_ERR_INVALID_CREDENTIALS" });
    for (const res of [message, token]) expect(Object.keys(res.json()).sort()).toEqual(["code", "detail", "error"]);
  });

  it("a path that names nothing is 404, as before the schema", async () => {
    const res = await inject("GET", "/api/docs/package.json");
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: "not_found", code: "SB_ERR_NOT_FOUND" });
    const page = await inject("GET", "/workorders/abc/");
    expect(page.statusCode).toBe(404);
    expect(page.json()).toMatchObject({ code: "SB_ERR_NOT_FOUND" });
  });
});
