import { makeServer, type Server } from "graphql-ws";
import type { GraphQLSchema, ValidationRule } from "graphql";
import { CloseCode, WebsocketConsumer, catalogEntry, type ConsumerClass, type ScopeUser } from "../core/index.js";
import { readCredentials } from "../auth/index.js";
import type { GraphQLContext } from "./builder.js";
import { checkOperation } from "./limits.js";
import "./errors.js";

/**
 * The token a `connection_init` payload carries: `token`, or an `Authorization` of
 * `Bearer`/`JWT` (GraphiQL sends its headers editor's object as the payload; header names
 * in any case), read as `readCredentials` reads HTTP headers. Null: none.
 */
export function connectionToken(params: Record<string, unknown> | undefined | null): string | null {
  if (!params || typeof params !== "object") return null;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    const key = name.toLowerCase();
    if ((key === "token" || key === "authorization") && typeof value === "string") headers[key] = value;
  }
  return readCredentials({ headers }).token;
}

/** The graphql-ws subprotocol. */
export const GRAPHQL_WS = "graphql-transport-ws";

interface Extra {
  user: ScopeUser | null;
  address: string;
}

/**
 * `/graphql/` sockets speaking the graphql-ws protocol, served by the graphql-ws library on
 * a core consumer (so upgrades, Origin checks and socket auth are the same as every
 * route). The user comes from the socket auth middleware, or from `connection_init`
 * `{"token": "<jwt>"}` or `{"Authorization": "JWT <jwt>"}` (`Bearer` too: what GraphiQL's
 * headers editor sends) through `identifyToken` (the same identifier as every other route);
 * a bad token there closes with 4403. Each `subscribe` passes `checkOperation` first.
 */
export function graphqlWsConsumer(
  schema: GraphQLSchema,
  identifyToken: (token: string) => Promise<ScopeUser | null>,
  validationRules: readonly ValidationRule[] = [],
): ConsumerClass<Record<never, string>> {
  const server: Server<Extra> = makeServer<Record<string, unknown> | undefined, Extra>({
    schema,
    // The same gate as HTTP (limits.ts), extra rules included; graphql-ws then skips its own
    // parse and `validate`. Returned errors become this operation's `error` message, and
    // the socket stays open.
    onSubscribe: (_ctx, _id, payload) => {
      const checked = checkOperation(schema, payload, validationRules);
      if (checked.errors) return checked.errors;
      return { schema, document: checked.document, variableValues: payload.variables, operationName: payload.operationName };
    },
    context: (ctx): GraphQLContext => ({ user: ctx.extra.user, address: ctx.extra.address }),
    onConnect: async (ctx) => {
      const token = connectionToken(ctx.connectionParams);
      if (token === null) return true;
      const user = await identifyToken(token);
      if (!user) return false;
      ctx.extra.user = user;
      return true;
    },
  });

  return class GraphqlWsConsumer extends WebsocketConsumer<Record<never, string>> {
    #onMessage: ((data: string) => Promise<void>) | null = null;
    #closed: ((code?: number, reason?: string) => Promise<void>) | null = null;

    override async connect(): Promise<void> {
      if (!this.scope.subprotocols.includes(GRAPHQL_WS)) {
        await this.close(CloseCode.POLICY_VIOLATION, `subprotocol ${GRAPHQL_WS} required`); // before accept: HTTP 403
        return;
      }
      await this.accept(GRAPHQL_WS);
      this.#closed = server.opened(
        {
          protocol: GRAPHQL_WS,
          send: (data) => this.send(data),
          close: (code, reason) => this.close(code, reason),
          onMessage: (cb) => {
            this.#onMessage = cb;
          },
        },
        { user: this.scope.user, address: this.scope.client.address },
      );
    }

    override async receive(text: string | null): Promise<void> {
      if (text === null) {
        await this.close(catalogEntry("SB_ERR_GRAPHQL_WS_BAD_MESSAGE").closeCode, "binary frames are not graphql-ws messages");
        return;
      }
      // Not awaited: graphql-ws handles a subscription's whole life inside this callback.
      void this.#onMessage?.(text).catch((error: unknown) => this.logger.warn({ err: error }, "graphql-ws message failed"));
    }

    override async disconnect(code: number): Promise<void> {
      await this.#closed?.(code, "");
    }
  };
}
