import { defineErrors } from "../core/index.js";

/**
 * GraphQL's refusals. Over HTTP the body is GraphQL's own (`{"errors": [{"message",
 * "extensions": {"code"}}]}`) with these statuses; over graphql-ws the protocol's close
 * codes (4400 bad message, 4403 `connection_init` refused).
 */
export const GRAPHQL_ERRORS = defineErrors({
  SB_ERR_GRAPHQL_MEDIA_TYPE: { message: "send the query as application/json", status: 415, frame: "unsupported_media_type" },
  SB_ERR_GRAPHQL_BAD_REQUEST: { message: "`query` must be a string", status: 400, frame: "bad_request" },
  // Syntax, graphql-js's rules and the limits of limits.ts (size, depth, cost, batch): over
  // graphql-ws the same errors come as the operation's `error` message.
  SB_ERR_GRAPHQL_VALIDATION: { message: "the query does not validate or exceeds a limit", status: 400, frame: "graphql_validation_failed" },
  SB_ERR_GRAPHQL_WS_BAD_MESSAGE: { message: "not a graphql-ws message", closeCode: 4400 },
  SB_ERR_GRAPHQL_WS_FORBIDDEN: { message: "graphql-ws connection_init refused", closeCode: 4403 },
});
