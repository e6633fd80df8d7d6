/**
 * The one error catalog: every failure the core reports to a peer has a stable code
 * and either an HTTP status (refused at the handshake), a close code (socket closed),
 * or an error frame name (socket stays open). Docs and the README list the same table.
 */

/** WebSocket close codes the server uses (RFC 6455 plus 4000–4999 for applications). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  UNSUPPORTED_DATA: 1003,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  SERVER_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
} as const;

/** How a catalogued error reaches the peer. */
export interface CatalogEntry {
  readonly message: string;
  /** HTTP status when raised during the handshake. */
  readonly status?: number;
  /** Close code when it ends an accepted socket. */
  readonly closeCode?: number;
  /** `error` value of the error frame when the socket stays open. */
  readonly frame?: string;
}

/** Every error code the core and the apps emit. */
export const ERRORS = {
  SB_ERR_ROUTE_NOT_FOUND: { message: "no socket route matches this path", status: 404 },
  SB_ERR_ORIGIN_FORBIDDEN: { message: "Origin not allowed", status: 403 },
  SB_ERR_HANDSHAKE_REJECTED: { message: "the consumer refused the connection", status: 403 },
  SB_ERR_HANDSHAKE_TIMEOUT: { message: "the consumer neither accepted nor refused in time", status: 408 },
  SB_ERR_CONSUMER_FAILED: { message: "the consumer failed", status: 500, closeCode: CloseCode.SERVER_ERROR },
  SB_ERR_NO_HANDLER: { message: "no handler for this message type", closeCode: CloseCode.SERVER_ERROR },
  SB_ERR_FRAME_TOO_BIG: { message: "frame larger than the limit", closeCode: CloseCode.MESSAGE_TOO_BIG },
  SB_ERR_INVALID_UTF8: { message: "text frame is not valid UTF-8", closeCode: CloseCode.INVALID_PAYLOAD },
  SB_ERR_SHUTTING_DOWN: { message: "server is restarting", status: 503, closeCode: CloseCode.SERVICE_RESTART },
  SB_ERR_INVALID_JSON: { message: "frame is not valid JSON", frame: "invalid_json" },
  SB_ERR_EXPECTED_TEXT: { message: "binary frame where a JSON text frame was expected", frame: "expected_text" },
  SB_ERR_INVALID_MESSAGE: { message: "message must be a non-empty string of at most 4096 bytes", frame: "invalid_message" },
  SB_ERR_UNKNOWN_TYPE: { message: "unknown message type", frame: "unknown_type" },
  SB_ERR_INVALID_REQUEST: { message: "malformed request", frame: "invalid_request" },
  SB_ERR_RATE_LIMITED: { message: "too many frames", frame: "rate_limited" },
  SB_ERR_TOO_MANY_CONNECTIONS: { message: "too many connections from this address", status: 429 },
  SB_ERR_TOO_MANY_GROUPS: { message: "too many groups for one connection", frame: "too_many_groups", closeCode: CloseCode.POLICY_VIOLATION },
  SB_ERR_SLOW_CONSUMER: { message: "peer reads too slowly", closeCode: CloseCode.TRY_AGAIN_LATER },
} as const satisfies Record<string, CatalogEntry>;

/** A catalogued error code. */
export type ErrorCode = keyof typeof ERRORS;

/** An error carrying a catalogued code; `detail` adds the specifics. */
export class SwitchboardError extends Error {
  readonly status?: number;
  readonly closeCode?: number;
  readonly frame?: string;

  constructor(readonly code: ErrorCode, detail?: string) {
    const entry: CatalogEntry = ERRORS[code];
    super(detail ? `${entry.message}: ${detail}` : entry.message);
    this.name = "SwitchboardError";
    this.status = entry.status;
    this.closeCode = entry.closeCode;
    this.frame = entry.frame;
  }
}

/** The JSON error frame sent for a catalogued error that leaves the socket open. */
export function errorFrame(code: ErrorCode, detail?: string): { error: string; code: ErrorCode; detail?: string } {
  const entry: CatalogEntry = ERRORS[code];
  return detail === undefined
    ? { error: entry.frame ?? code, code }
    : { error: entry.frame ?? code, code, detail };
}
