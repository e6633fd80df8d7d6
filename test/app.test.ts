import type { GraphQLField, GraphQLInputType, GraphQLObjectType, GraphQLOutputType } from "graphql";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestServer, type TestServer } from "./helpers/server.js";

/**
 * Everything anyone may use without signing in. Every other HTTP route, socket route and
 * GraphQL field must refuse an anonymous caller (401 / UNAUTHENTICATED). The sweeps below
 * read the routes from Fastify's and the socket router's own tables and the fields from the
 * schema, so a new route that is not listed here and does not refuse fails the suite.
 */
const PUBLIC_HTTP = [
  // Pages (shells: their data comes from routes below that check the user).
  "GET /",
  "GET /chat/",
  "GET /chat/:room/",
  "GET /chat/:room",
  "GET /notify/",
  "GET /workorders/",
  "GET /workorders/new/",
  "GET /workorders/admin/",
  "GET /workorders/:id/",
  "GET /admin/",
  "GET /graphql/",
  // Sign-up, log-in, log-out (forms with CSRF tokens) and token issue.
  "GET /accounts/signup/",
  "POST /accounts/signup/",
  "GET /accounts/login/",
  "POST /accounts/login/",
  "GET /accounts/logout/",
  "POST /accounts/logout/",
  "POST /api/token",
  "GET /api/me",
  // GraphQL over HTTP (each field checks its own access, swept below).
  "POST /graphql/",
  // Static files and the browser client.
  "GET /static/*",
  "GET /assets/:file",
  "GET /client/:file",
  // Health, and metrics (public to the auth plugin: the handler asks METRICS_TOKEN, 404 without one).
  "GET /healthz",
  "GET /readyz",
  "GET /metrics",
  // The API's own description: the OpenAPI document and its reference page (with its files).
  "GET /api/openapi.json",
  "GET /api/docs/",
  "GET /api/docs/:file",
  // The public chat, while CHAT_REQUIRE_LOGIN is off (with it on, the POST needs a user).
  "GET /api/rooms/:room/messages",
  "GET /api/rooms/:room/presence",
  "POST /api/rooms/:room/messages",
];
/** Routes that are public only while CHAT_REQUIRE_LOGIN is off. */
const CHAT_LOGIN_ROUTES = ["POST /api/rooms/:room/messages", "WS /ws/chat/:roomName/"];

const PUBLIC_SOCKETS = ["WS /ws/chat/:roomName/", "WS /room/:group/", "WS /ws/clock/", "WS /ws/beat/", "WS /graphql/"];

const PUBLIC_FIELDS = [
  "Query.allBooks",
  "Query.book",
  "Query.me",
  "Mutation.createUser",
  "Mutation.tokenAuth",
  "Mutation.verifyToken",
  "Mutation.refreshToken",
  "Subscription.roomMessages",
  "Subscription.bookAdded",
];

/** The message of the access check's refusal (other UNAUTHENTICATED errors, e.g. a wrong password, are the field's own answer). */
const ACCESS_REFUSAL = "authentication required: send Authorization: JWT <token>";

/** A value for each route kwarg that its pattern accepts. */
const SAMPLE: Record<string, string> = { id: "1", room: "lobby", roomName: "lobby", group: "lobby", step: "build", action: "approve", file: "index.js" };

function concrete(url: string): string {
  return url.replace(/:([A-Za-z]+)/g, (_m, name: string) => SAMPLE[name] ?? "x").replace(/\*$/, "style.css");
}

function sweepHttp(server: () => TestServer, publicList: string[]) {
  it("every HTTP route declares its access, public exactly when listed", () => {
    const routes = server().app.routes.filter((r) => r.method !== "HEAD");
    expect(routes.length).toBeGreaterThan(30);
    const declared = routes.filter((r) => r.access === "public").map((r) => `${r.method} ${r.url}`).sort();
    expect(declared).toEqual([...new Set(publicList)].sort());
  });

  it("every route not on the public list refuses an anonymous caller with 401", async () => {
    const routes = server().app.routes.filter((r) => r.method !== "HEAD" && !publicList.includes(`${r.method} ${r.url}`));
    expect(routes.length).toBeGreaterThanOrEqual(8);
    for (const r of routes) {
      const response = await server().app.fastify.inject({
        method: r.method as "GET",
        url: concrete(r.url),
        headers: { "content-type": "application/json" },
        payload: r.method === "GET" ? undefined : "{}",
      });
      expect(response.statusCode, `${r.method} ${r.url}`).toBe(401);
      expect(response.json(), `${r.method} ${r.url}`).toMatchObject({ error: "authentication_required", code: "SB_ERR_AUTH_REQUIRED" });
    }
  });

  it("public routes answer an anonymous caller without 401", async () => {
    for (const key of publicList) {
      const [method, url] = key.split(" ") as [string, string];
      const response = await server().app.fastify.inject({ method: method as "GET", url: concrete(url), headers: { "content-type": "application/json" }, payload: method === "GET" ? undefined : "{}" });
      // A public route may still say no for its own reasons (POST /api/token: wrong password), never "sign in first".
      if (response.statusCode === 401) expect(response.json().code, key).not.toBe("SB_ERR_AUTH_REQUIRED");
    }
  });
}

async function handshakeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on("open", () => {
      ws.close();
      resolve(101);
    });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on("error", () => resolve(0));
  });
}

function sweepSockets(server: () => TestServer, publicList: string[]) {
  it("every socket route declares its access, public exactly when listed", () => {
    const routes = server().app.socketRouter.routes();
    expect(routes.length).toBeGreaterThan(6);
    for (const r of routes) expect(["public", "user", "superuser"], r.pattern).toContain(r.meta.access);
    const declared = routes.filter((r) => r.meta.access === "public").map((r) => `WS ${r.pattern}`).sort();
    expect(declared).toEqual([...publicList].sort());
  });

  it("every socket route not on the public list refuses an anonymous handshake with 401", async () => {
    const routes = server().app.socketRouter.routes().filter((r) => !publicList.includes(`WS ${r.pattern}`));
    expect(routes.length).toBeGreaterThan(1);
    for (const r of routes) expect(await handshakeStatus(server().wsUrl + concrete(r.pattern)), r.pattern).toBe(401);
  });
}

describe("the route sweep (CHAT_REQUIRE_LOGIN off)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());
  sweepHttp(() => server, PUBLIC_HTTP);
  sweepSockets(() => server, PUBLIC_SOCKETS);

  it("every GraphQL field declares its access, public exactly when listed", () => {
    const fields = rootFields(server);
    expect(fields.length).toBeGreaterThan(15);
    for (const { name, field } of fields) {
      const scopes = (field.extensions as { pothosOptions?: { authScopes?: Record<string, boolean> } }).pothosOptions?.authScopes;
      expect(scopes, name).toBeDefined();
    }
    const declared = fields.filter(({ field }) => (field.extensions as { pothosOptions: { authScopes: Record<string, boolean> } }).pothosOptions.authScopes.public === true);
    expect(declared.map((f) => f.name).sort()).toEqual([...PUBLIC_FIELDS].sort());
  });

  it("every query and mutation not on the public list answers an anonymous caller UNAUTHENTICATED", async () => {
    const fields = rootFields(server).filter((f) => f.type !== "Subscription");
    for (const { type, name, field } of fields) {
      const operation = `${type === "Query" ? "query" : "mutation"} { ${field.name}${args(field)}${selection(field)} }`;
      const response = await server.app.fastify.inject({ method: "POST", url: "/graphql/", headers: { "content-type": "application/json" }, payload: { query: operation } });
      const body = response.json() as { errors?: { message: string; extensions?: { code?: string } }[] };
      const refusals = (body.errors ?? []).filter((e) => e.message === ACCESS_REFUSAL).map((e) => e.extensions?.code);
      if (PUBLIC_FIELDS.includes(name)) expect(refusals, `${name}: ${operation}`).toEqual([]);
      else expect(refusals, `${name}: ${operation} → ${response.body}`).toEqual(["UNAUTHENTICATED"]);
    }
  });

  it("every subscription not on the public list refuses an anonymous subscriber UNAUTHENTICATED", async () => {
    const client = createClient({ url: `${server.wsUrl}/graphql/`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    try {
      for (const { name, field } of rootFields(server).filter((f) => f.type === "Subscription")) {
        const query = `subscription { ${field.name}${args(field)}${selection(field)} }`;
        const codes = await new Promise<unknown[]>((resolve) => {
          // A subscription that starts (no error within 300 ms) was let through.
          const timer = setTimeout(() => {
            stop();
            resolve([]);
          }, 300);
          const stop = client.subscribe(
            { query },
            {
              // A refusal arrives as a result carrying `errors` (then complete), or as an error.
              next: (result) => {
                clearTimeout(timer);
                resolve(refusals(result.errors));
              },
              error: (errors) => {
                clearTimeout(timer);
                resolve(refusals(errors));
              },
              complete: () => undefined,
            },
          );
        });
        if (PUBLIC_FIELDS.includes(name)) expect(codes, name).toEqual([]);
        else expect(codes, name).toEqual(["UNAUTHENTICATED"]);
      }
    } finally {
      await client.dispose();
    }
  });
});

describe("the route sweep (CHAT_REQUIRE_LOGIN=1)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ CHAT_REQUIRE_LOGIN: "1" });
  });
  afterAll(async () => server?.close());
  sweepHttp(() => server, PUBLIC_HTTP.filter((r) => !CHAT_LOGIN_ROUTES.includes(r)));
  sweepSockets(() => server, PUBLIC_SOCKETS.filter((r) => !CHAT_LOGIN_ROUTES.includes(r)));
});

// /gps/connect exists only with a token key; its users are another service's (`meta.identity: "route"`), so anonymous is 401 too.
describe("the socket sweep (TOKEN_KEY set: /gps/connect on)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ TOKEN_KEY: "sweep-token-key-0123456789abcdefgh" });
  });
  afterAll(async () => server?.close());
  it("serves /gps/connect", () => {
    expect(server.app.socketRouter.routes().map((r) => r.pattern)).toContain("/gps/connect");
  });
  sweepSockets(() => server, PUBLIC_SOCKETS);
});

function refusals(errors: unknown): unknown[] {
  const list = Array.isArray(errors) ? (errors as { message: string; extensions?: { code?: string } }[]) : [];
  return list.filter((e) => e.message === ACCESS_REFUSAL).map((e) => e.extensions?.code);
}

function rootFields(server: TestServer): { type: string; name: string; field: GraphQLField<unknown, unknown> }[] {
  const schema = server.app.schema;
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
    .filter((t): t is GraphQLObjectType => t !== null && t !== undefined)
    .flatMap((t) => Object.values(t.getFields()).map((field) => ({ type: t.name, name: `${t.name}.${field.name}`, field })));
}

/** Arguments for every required argument, with a value of its type. */
function args(field: GraphQLField<unknown, unknown>): string {
  const required = field.args.filter((a) => isNonNullType(a.type));
  return required.length === 0 ? "" : `(${required.map((a) => `${a.name}: ${sample(a.type)}`).join(", ")})`;
}

// The schema's classes come from the server's copy of graphql, so types are told apart by shape, not instanceof.
const isNonNullType = (type: GraphQLInputType | GraphQLOutputType): boolean => type.constructor.name === "GraphQLNonNull";

function sample(type: GraphQLInputType): string {
  const kind = type.constructor.name;
  if (kind === "GraphQLNonNull" || kind === "GraphQLList") {
    const inner = sample((type as { ofType: GraphQLInputType }).ofType);
    return kind === "GraphQLList" ? `[${inner}]` : inner;
  }
  if (kind === "GraphQLInputObjectType") {
    const fields = Object.values((type as { getFields(): Record<string, { name: string; type: GraphQLInputType }> }).getFields()).filter((f) => isNonNullType(f.type));
    return `{${fields.map((f) => `${f.name}: ${sample(f.type)}`).join(", ")}}`;
  }
  const name = (type as { name: string }).name;
  return name === "Int" || name === "Float" ? "1" : name === "Boolean" ? "true" : name === "GenericScalar" ? "{}" : '"1"';
}

function selection(field: GraphQLField<unknown, unknown>): string {
  let type: GraphQLOutputType = field.type;
  while ("ofType" in type) type = type.ofType;
  return type.constructor.name === "GraphQLObjectType" ? " { __typename }" : "";
}
