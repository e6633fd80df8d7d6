import { readFileSync } from "node:fs";
import swagger from "@fastify/swagger";
import type { FastifyInstance, FastifySchema, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { SESSION_COOKIE } from "../auth/sessions.js";
import { refusals } from "./schemas.js";

/** Where the document is served (by `apiDocs`, `api-docs.ts`). */
export const OPENAPI_PATH = "/api/openapi.json";

const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** The document's tags, one per part of the API, in the order the reference page lists them. */
const TAGS = [
  { name: "accounts", description: "Who is signed in; tokens for clients that are not pages." },
  { name: "chat", description: "The chat's HTTP fallbacks for clients without WebSocket: history, (long-)polling, posting, presence." },
  { name: "workorders", description: "Work orders: file, approve, follow; templates and roles." },
  { name: "graphql", description: "GraphQL over HTTP (queries and mutations; subscriptions are on the graphql-ws socket)." },
  { name: "ops", description: "Liveness, readiness and Prometheus metrics." },
];

const DESCRIPTION = `The HTTP API of a Switchboard server. Every refusal is one JSON body,
\`{"error": "<short name>", "code": "SB_ERR_…", "detail"?: "…"}\`, with the status its code has in
the error catalog (docs/protocols.md); input that does not match a schema here is refused that way
too (400 \`SB_ERR_INVALID_REQUEST\` unless the operation says otherwise). Signed-in operations take
the session cookie (\`${SESSION_COOKIE}\`, from the log-in page) or a token
(\`Authorization: Bearer <jwt>\`, from \`POST /api/token\`). The sockets (\`/ws/…\`, \`/graphql/\`) are
described in docs/protocols.md, not here.`;

/**
 * The route's declared access (`config.access`, which the auth plugin of the route's context
 * fills) in the document: the security schemes that may call it, and its 401 (and, for
 * superusers, 403) refusals. A public route says `security: []`, unless it names its own
 * (`/metrics`: the metrics token).
 */
function describeAccess({ schema, url, route }: { schema: FastifySchema; url: string; route: RouteOptions }): { schema: FastifySchema; url: string } {
  schema ??= {};
  const access = route.config?.access ?? "user";
  if (schema.hide || access === "public") return { schema: { security: [], ...schema }, url };
  const codes = access === "superuser" ? ["SB_ERR_AUTH_REQUIRED", "SB_ERR_REFUSED"] : ["SB_ERR_AUTH_REQUIRED"];
  const response = { ...refusals(...codes), ...(schema.response as Record<string, unknown> | undefined) };
  return { schema: { ...schema, security: [{ session: [] }, { token: [] }], response }, url };
}

/**
 * Describes every route as `@fastify/swagger` sees it registered, in OpenAPI 3.1: each
 * route's schema (params, query, body, replies) is its part of the document, and routes
 * whose schema says `hide: true` (pages, static files) stay out. Registered once on the
 * root before any route (it collects them as they register); the document is built on the
 * first `app.swagger()` and kept.
 *
 * @example
 * await fastify.register(openapi); // before the routes
 * fastify.swagger(); // the document, once ready
 */
export const openapi = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: "3.1.0",
        info: { title: "Switchboard HTTP API", version: VERSION, description: DESCRIPTION },
        tags: TAGS,
        components: {
          securitySchemes: {
            session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE, description: "The session cookie the log-in page sets." },
            token: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A token from `POST /api/token` (also accepted: `Authorization: JWT <token>`)." },
            metricsToken: { type: "http", scheme: "bearer", description: "`METRICS_TOKEN` (for `/metrics` only)." },
          },
        },
      },
      transform: describeAccess,
    });
  },
  { name: "switchboard-openapi", fastify: "5.x" },
);
