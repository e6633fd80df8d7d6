import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import { SocketRouter, type ChannelLayer } from "../../core/index.js";
import type { Database } from "../../storage/schema.js";
import type { AccountsApp } from "../accounts/index.js";
import { BookStore } from "./books.js";
import { graphqlWsConsumer } from "./graphql-ws-consumer.js";
import { graphqlHttp } from "./http.js";
import { buildSchema, type GraphQLContext } from "./schema.js";
import { addWorkOrders } from "./workorder-schema.js";
import type { WorkOrderService } from "../workorders/service.js";

/** The GraphQL app: HTTP at `/graphql/` and graphql-ws subscriptions on the same path. */
export function graphqlApp(db: Kysely<Database>, layer: ChannelLayer, accounts: AccountsApp, options: { debug?: boolean; workOrders?: WorkOrderService } = {}) {
  const schema = buildSchema(options.workOrders ? addWorkOrders(options.workOrders) : undefined);
  const books = new BookStore(db);
  const base = { users: accounts.users, books, tokens: accounts.tokens, layer };
  const context = async (request: FastifyRequest): Promise<GraphQLContext> => {
    const header = request.headers.authorization;
    const m = header ? /^(?:JWT|Bearer)\s+(\S+)$/i.exec(header) : null;
    if (m) {
      try {
        const c = await accounts.tokens.verify(m[1]!);
        return { ...base, user: { id: c.uid, username: c.username, nickname: c.nickname, groupName: c.groupName } };
      } catch {
        return { ...base, user: null };
      }
    }
    return { ...base, user: request.user };
  };
  return {
    schema,
    books,
    sockets: new SocketRouter().route("/graphql/", graphqlWsConsumer(schema, base, accounts.tokens)),
    http: async (app: FastifyInstance) => app.register(graphqlHttp({ schema, context, debug: options.debug ?? false })),
  };
}
