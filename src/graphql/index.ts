import type { FastifyInstance } from "fastify";
import type { GraphQLSchema } from "graphql";
import { SocketRoutes, type Identifier } from "../auth/index.js";
import { graphqlWsConsumer } from "./graphql-ws-consumer.js";
import { graphqlHttp } from "./http.js";
import { introspectionRules } from "./introspection.js";
import { buildSchema } from "./schema.js";
import type { GraphQLContribution } from "./builder.js";

/** The GraphQL endpoint, built from the apps' contributions. */
export interface GraphQLEndpoint {
  schema: GraphQLSchema;
  /** `/graphql/` over graphql-ws (public route; each field checks its access). */
  sockets: SocketRoutes;
  /** `GET /graphql/` (the explorer) and `POST /graphql/` (JSON only). */
  http: (app: FastifyInstance) => Promise<void>;
}

/**
 * `/graphql/` over HTTP and graphql-ws on one schema merged from every module's part. It
 * imports no app: the apps hand in their fields. `introspection` false (default true)
 * refuses `__schema` / `__type` queries on both.
 */
export function graphqlEndpoint(options: { contributions: readonly GraphQLContribution[]; identifier: Identifier; debug?: boolean; introspection?: boolean }): GraphQLEndpoint {
  const schema = buildSchema(options.contributions);
  const validationRules = introspectionRules(options.introspection ?? true);
  const identifyToken = async (token: string) => (await options.identifier.identify({ token, session: null })).user;
  return {
    schema,
    sockets: new SocketRoutes().route("/graphql/", graphqlWsConsumer(schema, identifyToken, validationRules), { access: "public" }),
    http: async (app) => app.register(graphqlHttp({ schema, debug: options.debug ?? false, validationRules })),
  };
}

export { accessError, createBuilder, type AccessScopes, type Builder, type GraphQLContext, type GraphQLContribution } from "./builder.js";
export { groupEvents } from "./layer-events.js";
export { buildSchema } from "./schema.js";
export { format } from "./http.js";
export { checkOperation, limitError, MAX_BATCH, MAX_COST, MAX_DEPTH, MAX_OFTYPE_DEPTH, MAX_QUERY_CHARS, type LimitName } from "./limits.js";
export { GRAPHQL_WS } from "./graphql-ws-consumer.js";
