import type { FastifyInstance } from "fastify";
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from "graphql";
import mercurius from "mercurius";
import { statusOf } from "../http/errors.js";
import type { GraphQLContext } from "./builder.js";
import { graphqlExplorer } from "./explorer.js";
import { checkOperation, limitError, MAX_BATCH } from "./limits.js";
import "./errors.js";

interface Options {
  schema: GraphQLSchema;
  /** Show internal error messages and stacks (`DEBUG=1`). */
  debug: boolean;
  /** Rules after graphql-js's own (introspection off: `introspectionRules(false)`). */
  validationRules?: ValidationRule[];
}

/**
 * `/graphql/`: GET serves the explorer (GraphiQL: `explorer.ts`), POST (JSON only, so a cross-site form cannot
 * ride the session cookie) executes through Mercurius once `checkOperation` (limits.ts: size,
 * depth, cost, the validation rules; the same gate as graphql-ws) passes it. Errors carry
 * `extensions.code`; unexpected ones are masked unless DEBUG=1. The user is the request's
 * (`request.user`, from the auth plugin of this context); each field checks its own access.
 */
export function graphqlHttp({ schema, debug, validationRules = [] }: Options) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(mercurius, {
      schema,
      routes: false,
      validationRules,
      // Mercurius' default formatter drops `extensions` (and so the error codes clients rely on).
      errorFormatter: (execution) => ({
        statusCode: 200,
        response: { data: execution.data ?? null, errors: (execution.errors ?? []).map((e) => format(e as GraphQLError, debug)) },
      }),
    });
    await app.register(graphqlExplorer());
    // The schema's refusals are answered here, in GraphQL's shape (`attachValidation`), not
    // in the one error body: GraphQL clients read `errors`.
    const route = { bodyLimit: 64 * 1024, config: { access: "public" }, schema: GRAPHQL_POST, attachValidation: true } as const;
    app.post<{ Body: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null } }>("/graphql/", route, async (request, reply) => {
      if (!request.headers["content-type"]?.startsWith("application/json")) {
        return reply.code(statusOf("SB_ERR_GRAPHQL_MEDIA_TYPE")).send({ errors: [{ message: "send the query as application/json", extensions: { code: "UNSUPPORTED_MEDIA_TYPE" } }] });
      }
      if (Array.isArray(request.body)) {
        const batch = limitError("batch", `batched queries are not accepted: send ${MAX_BATCH} operation per request`, MAX_BATCH, request.body.length);
        return reply.code(statusOf("SB_ERR_GRAPHQL_VALIDATION")).send({ errors: [format(batch, debug)] });
      }
      if (request.validationError) {
        return reply.code(statusOf("SB_ERR_GRAPHQL_BAD_REQUEST")).send({ errors: [{ message: request.validationError.message, extensions: { code: "BAD_REQUEST" } }] });
      }
      const { query, variables, operationName } = request.body;
      const checked = checkOperation(schema, { query, variables, operationName: typeof operationName === "string" ? operationName : null }, validationRules);
      if (checked.errors) return reply.code(statusOf("SB_ERR_GRAPHQL_VALIDATION")).send({ errors: checked.errors.map((e) => format(e, debug)) });
      let result: ExecutionResult;
      try {
        result = await app.graphql(
          query,
          { user: request.user, address: request.ip } satisfies GraphQLContext as unknown as Record<string, unknown>,
          (variables ?? undefined) as Record<string, unknown> | undefined,
          typeof operationName === "string" ? operationName : undefined,
        );
      } catch (error) {
        // checkOperation passed the document; what Mercurius still throws here is about the variables.
        const errors = (error as { errors?: GraphQLError[] }).errors ?? [new GraphQLError((error as Error).message)];
        return reply.code(statusOf("SB_ERR_GRAPHQL_VALIDATION")).send({ errors: errors.map((e) => ({ ...format(e, debug), extensions: { code: "GRAPHQL_VALIDATION_FAILED", ...e.extensions } })) });
      }
      return result;
    });
  };
}

/** A GraphQL response: `data` and `errors` as the operation gives them (nothing is dropped). */
const GRAPHQL_RESULT = {
  type: "object",
  properties: {
    data: { description: "The operation's result (null when it could not run)." },
    errors: { type: "array", items: { type: "object", additionalProperties: true }, description: "Each with `message` and `extensions.code`." },
  },
  additionalProperties: true,
} as const;

const GRAPHQL_POST = {
  summary: "Run a GraphQL query or mutation",
  description:
    "GraphQL over HTTP, JSON only, one operation per request (no batches). Every field checks its own access (the session cookie or a token, as elsewhere); a refusal is a GraphQL error with `extensions.code`. Subscriptions: the graphql-ws socket on the same path. The schema: introspection, or the explorer at `GET /graphql/`.",
  tags: ["graphql"],
  body: {
    type: "object",
    required: ["query"],
    properties: {
      query: { type: "string", description: "The document (size, depth and cost are limited)." },
      variables: { type: ["object", "null"], additionalProperties: true },
      operationName: { type: ["string", "null"] },
    },
  },
  response: {
    200: GRAPHQL_RESULT,
    [statusOf("SB_ERR_GRAPHQL_BAD_REQUEST")]: { ...GRAPHQL_RESULT, description: "Not a GraphQL request, or a document that fails validation or the limits (`errors` only)." },
    [statusOf("SB_ERR_GRAPHQL_MEDIA_TYPE")]: { ...GRAPHQL_RESULT, description: "Not `application/json` (`errors` only)." },
  },
} as const;

/** A client-safe error: expected errors (with a code) as they are, others masked. */
export function format(error: GraphQLError, debug: boolean): GraphQLFormattedError {
  const json = typeof error.toJSON === "function" ? error.toJSON() : { message: error.message };
  const original = error.originalError;
  const expected = !original || original instanceof GraphQLError || json.extensions?.code !== undefined;
  if (expected) return json;
  return debug
    ? { ...json, extensions: { code: "INTERNAL_SERVER_ERROR", stack: original.stack } }
    : { message: "Internal server error", locations: json.locations, path: json.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}
