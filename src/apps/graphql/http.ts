import type { FastifyInstance, FastifyRequest } from "fastify";
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import mercurius from "mercurius";
import { readPage } from "../../web-pages.js";
import type { GraphQLContext } from "./schema.js";

/** Deepest query accepted. */
export const MAX_DEPTH = 8;

interface Options {
  schema: GraphQLSchema;
  /** The context of one request (its user from `Authorization: JWT|Bearer <token>` or the session). */
  context(request: FastifyRequest): Promise<GraphQLContext>;
  /** Show internal error messages and stacks (`DEBUG=1`). */
  debug: boolean;
}

/**
 * `/graphql/`: GET serves the explorer page, POST (JSON only, so a cross-site form cannot
 * ride the session cookie) executes through Mercurius with a depth limit. Errors carry
 * `extensions.code`; unexpected ones are masked unless DEBUG=1.
 */
export function graphqlHttp({ schema, context, debug }: Options) {
  const explorer = readPage("graphql.html");
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(mercurius, {
      schema,
      routes: false,
      queryDepth: MAX_DEPTH,
      // Mercurius' default formatter drops `extensions` (and so the error codes clients rely on).
      errorFormatter: (execution) => ({
        statusCode: 200,
        response: { data: execution.data ?? null, errors: (execution.errors ?? []).map((e) => format(e as GraphQLError, debug)) },
      }),
    });
    app.get("/graphql/", async (_request, reply) => reply.type("text/html; charset=utf-8").send(explorer));
    app.post<{ Body: { query?: unknown; variables?: unknown; operationName?: unknown } }>("/graphql/", { bodyLimit: 64 * 1024 }, async (request, reply) => {
      if (!request.headers["content-type"]?.startsWith("application/json")) {
        return reply.code(415).send({ errors: [{ message: "send the query as application/json", extensions: { code: "UNSUPPORTED_MEDIA_TYPE" } }] });
      }
      const { query, variables, operationName } = request.body ?? {};
      if (typeof query !== "string" || query.length > 20_000) {
        return reply.code(400).send({ errors: [{ message: "`query` must be a string of at most 20000 characters", extensions: { code: "BAD_REQUEST" } }] });
      }
      let result: ExecutionResult;
      try {
        result = await app.graphql(
          query,
          (await context(request)) as unknown as Record<string, unknown>,
          (variables ?? undefined) as Record<string, unknown> | undefined,
          typeof operationName === "string" ? operationName : undefined,
        );
      } catch (error) {
        // Syntax, validation and depth errors are thrown before execution.
        const errors = (error as { errors?: GraphQLError[] }).errors ?? [new GraphQLError((error as Error).message)];
        return reply.code(400).send({ errors: errors.map((e) => ({ ...format(e, debug), extensions: { code: "GRAPHQL_VALIDATION_FAILED", ...e.extensions } })) });
      }
      return result;
    });
  };
}

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
