import { makeServer, type Server } from "graphql-ws";
import type { GraphQLSchema } from "graphql";
import { CloseCode, WebsocketConsumer, type ConsumerClass, type ScopeUser } from "../../core/index.js";
import type { TokenService } from "../../auth/jwt.js";
import type { GraphQLContext } from "./schema.js";

/** The graphql-ws subprotocol. */
export const GRAPHQL_WS = "graphql-transport-ws";

interface Extra {
  user: ScopeUser | null;
}

/**
 * `/graphql/` sockets speaking the graphql-ws protocol, served by the graphql-ws library on
 * a core consumer (so upgrades, Origin checks and socket auth are the same as every
 * route). The user comes from the socket auth middleware, or from `connection_init`
 * `{"token": "<jwt>"}`; a bad token there closes with 4403.
 */
export function graphqlWsConsumer(schema: GraphQLSchema, base: Omit<GraphQLContext, "user">, tokens: TokenService): ConsumerClass<Record<never, string>> {
  const server: Server<Extra> = makeServer<Record<string, unknown> | undefined, Extra>({
    schema,
    context: (ctx) => ({ ...base, user: ctx.extra.user }),
    onConnect: async (ctx) => {
      const token = ctx.connectionParams?.token;
      if (typeof token !== "string") return true;
      try {
        const c = await tokens.verify(token);
        ctx.extra.user = { id: c.uid, username: c.username, nickname: c.nickname, groupName: c.groupName };
        return true;
      } catch {
        return false;
      }
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
        { user: this.scope.user },
      );
    }

    override async receive(text: string | null): Promise<void> {
      if (text === null) {
        await this.close(4400, "binary frames are not graphql-ws messages");
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
