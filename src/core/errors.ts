/**
 * The one error catalog: every failure the core reports to a peer has a stable code
 * and either an HTTP status (refused at the handshake), a close code (socket closed),
 * or an error frame name (socket stays open). Docs and the README list the same table.
 *
 * {@link ERRORS} holds the core's codes; an app module adds its own with
 * {@link defineErrors}. {@link SwitchboardError} and {@link errorFrame} take both.
 */

/**
 * WebSocket close codes the server uses (RFC 6455 plus 4000–4999 for applications).
 * Every value is explained in `docs/protocols.md`.
 */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  UNSUPPORTED_DATA: 1003,
  /** Never sent: what `disconnect()` gets when the connection ended without a close frame. */
  ABNORMAL_CLOSURE: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  SERVER_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
} as const;

/**
 * How a catalogued error reaches the peer: at least one of `status`, `closeCode` and
 * `frame` is set.
 */
export interface CatalogEntry {
  /** What went wrong, for people: the start of every {@link SwitchboardError}'s message. */
  readonly message: string;
  /** HTTP status (400–599) when raised during the handshake or by an HTTP route. */
  readonly status?: number;
  /** Close code (1000–1015 or 4000–4999) when it ends an accepted socket. */
  readonly closeCode?: number;
  /** `error` value of the error frame when the socket stays open (`lower_snake_case`). */
  readonly frame?: string;
  /** Process exit code when it stops a command at start (bad configuration: 78, sysexits' EX_CONFIG). */
  readonly exitCode?: number;
}

// A failure in the server's own code (a full channel, a closed layer, a bad name a consumer
// made up) reaches the peer as any other consumer failure: 500 before accept, 1011 after.
const SERVER_FAILURE = { status: 500, closeCode: CloseCode.SERVER_ERROR } as const;

/** The core's error codes. Apps add theirs with {@link defineErrors}. */
export const ERRORS = {
  SB_ERR_ROUTE_NOT_FOUND: { message: "no socket route matches this path", status: 404 },
  SB_ERR_ORIGIN_FORBIDDEN: { message: "Origin not allowed", status: 403 },
  SB_ERR_HANDSHAKE_REJECTED: { message: "the consumer refused the connection", status: 403 },
  SB_ERR_HANDSHAKE_TIMEOUT: { message: "the consumer neither accepted nor refused in time", status: 408 },
  SB_ERR_HEADERS_TIMEOUT: { message: "the request headers did not arrive in time", status: 408 },
  SB_ERR_BAD_PATH: { message: "bad request path", status: 400 },
  SB_ERR_BAD_UPGRADE: { message: "not a valid WebSocket handshake", status: 400 },
  SB_ERR_UPGRADE_METHOD: { message: "a WebSocket handshake must be a GET request", status: 405 },
  SB_ERR_PEER_GONE: { message: "the peer went away during the handshake", closeCode: CloseCode.ABNORMAL_CLOSURE },
  SB_ERR_CONSUMER_FAILED: { message: "the consumer failed", status: 500, closeCode: CloseCode.SERVER_ERROR },
  SB_ERR_NO_HANDLER: { message: "no handler for this message type", closeCode: CloseCode.SERVER_ERROR },
  SB_ERR_FRAME_TOO_BIG: { message: "frame larger than the limit", closeCode: CloseCode.MESSAGE_TOO_BIG },
  SB_ERR_INVALID_UTF8: { message: "text frame is not valid UTF-8", closeCode: CloseCode.INVALID_PAYLOAD },
  SB_ERR_SHUTTING_DOWN: { message: "server is shutting down", status: 503, closeCode: CloseCode.SERVICE_RESTART },
  SB_ERR_OVERLOADED: { message: "too many handshakes in progress: try again later", status: 503, frame: "overloaded" },
  SB_ERR_INVALID_JSON: { message: "frame is not valid JSON", frame: "invalid_json" },
  SB_ERR_EXPECTED_TEXT: { message: "binary frame where a JSON text frame was expected", frame: "expected_text" },
  // SB_ERR_INVALID_MESSAGE (the chat's 4096-byte rule) is the chat app's: src/apps/chat/errors.ts.
  SB_ERR_UNKNOWN_TYPE: { message: "unknown message type", frame: "unknown_type" },
  SB_ERR_INVALID_REQUEST: { message: "malformed request", status: 400, frame: "invalid_request" },
  SB_ERR_RATE_LIMITED: { message: "too many frames", frame: "rate_limited", closeCode: CloseCode.POLICY_VIOLATION },
  SB_ERR_TOO_MANY_CONNECTIONS: { message: "too many connections from this address", status: 429 },
  SB_ERR_TOO_MANY_GROUPS: { message: "too many groups for one connection", frame: "too_many_groups", closeCode: CloseCode.POLICY_VIOLATION },
  SB_ERR_SLOW_CONSUMER: { message: "peer reads too slowly", closeCode: CloseCode.TRY_AGAIN_LATER },
  SB_ERR_CHANNEL_FULL: { message: "channel is full", ...SERVER_FAILURE },
  SB_ERR_LAYER_CLOSED: { message: "channel layer closed", ...SERVER_FAILURE },
  SB_ERR_INVALID_CHANNEL_NAME: { message: "invalid channel name", ...SERVER_FAILURE },
  SB_ERR_INVALID_GROUP_NAME: { message: "invalid group name", ...SERVER_FAILURE },
  SB_ERR_INVALID_LAYER_MESSAGE: { message: "invalid layer message", ...SERVER_FAILURE },
} as const satisfies Record<string, CatalogEntry>;

/** A code of the core's own catalog ({@link ERRORS}). */
export type CoreErrorCode = keyof typeof ERRORS;

/**
 * A catalogued error code: a core code (offered by autocomplete) or one an app registered
 * with {@link defineErrors} (checked when the error is made).
 */
export type ErrorCode = CoreErrorCode | (string & {});

/** Codes are upper-case words joined by `_`, e.g. `SB_ERR_ROUTE_NOT_FOUND`. */
const CODE_RULE = /^[A-Z][A-Z0-9_]+$/;
/** Frame names are lower-case words joined by `_`, e.g. `invalid_json`. */
const FRAME_RULE = /^[a-z][a-z0-9_]*$/;

/** Every code: the core's, then the modules' in the order they were defined. */
const known = new Map<string, CatalogEntry>();

/** Why `entry` cannot be catalogued under `code`, or null when it can. */
function problemWith(code: string, entry: CatalogEntry): string | null {
  if (!CODE_RULE.test(code)) return `codes must match ${CODE_RULE.source}`;
  if (entry === null || typeof entry !== "object") return "the entry must be an object";
  if (typeof entry.message !== "string" || entry.message.trim() === "") return "the entry needs a message";
  if (entry.status === undefined && entry.closeCode === undefined && entry.frame === undefined && entry.exitCode === undefined) {
    return "the entry needs a status, a closeCode, a frame or an exitCode";
  }
  if (entry.exitCode !== undefined && !(Number.isInteger(entry.exitCode) && entry.exitCode >= 1 && entry.exitCode <= 125)) {
    return "exitCode must be 1–125";
  }
  if (entry.status !== undefined && !(Number.isInteger(entry.status) && entry.status >= 400 && entry.status <= 599)) {
    return "status must be an HTTP error status (400–599)";
  }
  if (entry.closeCode !== undefined && !isCloseCode(entry.closeCode)) return "closeCode must be 1000–1015 or 4000–4999";
  if (entry.frame !== undefined && !(typeof entry.frame === "string" && FRAME_RULE.test(entry.frame))) {
    return `frame must match ${FRAME_RULE.source}`;
  }
  return null;
}

function isCloseCode(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1015) || (code >= 4000 && code <= 4999));
}

/**
 * Whether a close frame may carry `code` (RFC 6455 §7.4): 1004–1006 and 1015 are
 * reserved for reporting, never sent. Internal: the core's guard before `ws.close()`.
 */
export function isSendable(code: number): boolean {
  return (code >= 1000 && code <= 1014 && (code < 1004 || code > 1006)) || (code >= 3000 && code <= 4999);
}

for (const [code, entry] of Object.entries(ERRORS) as [string, CatalogEntry][]) {
  const problem = problemWith(code, entry);
  if (problem) throw new TypeError(`core error code ${code}: ${problem}`);
  known.set(code, Object.freeze(entry));
}
Object.freeze(ERRORS);

/**
 * Adds an app module's error codes to the catalog, so {@link SwitchboardError},
 * {@link errorFrame} and {@link catalogEntry} take them like core codes. Checked at once,
 * all or nothing: a code not matching `/^[A-Z][A-Z0-9_]+$/`, an entry without a message
 * or without any of `status` / `closeCode` / `frame`, a status outside 400–599, a close
 * code outside 1000–1015 and 4000–4999, or a code already in the catalog (the core's or
 * another module's) throws `TypeError`. Defining the very same entry object again is a
 * no-op, so building the application twice in one process is fine. Entries are frozen.
 * Returns `entries`, with their literal types.
 *
 * @example
 * export const ROOM_ERRORS = defineErrors({
 *   SB_ERR_NO_SUCH_ROOM: { message: "no such room", status: 404, frame: "not_found" },
 * });
 * socket.sendJson(errorFrame("SB_ERR_NO_SUCH_ROOM", room));
 */
export function defineErrors<const E extends Readonly<Record<string, CatalogEntry>>>(entries: E): E {
  const fresh: [string, CatalogEntry][] = [];
  for (const [code, entry] of Object.entries(entries) as [string, CatalogEntry][]) {
    const problem = problemWith(code, entry);
    if (problem) throw new TypeError(`error code ${code}: ${problem}`);
    const existing = known.get(code);
    if (existing === entry) continue;
    if (existing !== undefined) {
      throw new TypeError(`error code ${code} is already defined${Object.hasOwn(ERRORS, code) ? " by the core" : ""}`);
    }
    fresh.push([code, entry]);
  }
  for (const [code, entry] of fresh) known.set(code, Object.freeze(entry));
  return entries;
}

/**
 * Every catalogued code with its entry: the core's first, then the modules' in the order
 * they were defined. A copy; for docs and listings.
 */
export function catalog(): ReadonlyMap<string, CatalogEntry> {
  return new Map(known);
}

/**
 * The entry of a catalogued code (the core's or one from {@link defineErrors}); an unknown
 * code throws `TypeError`.
 *
 * @example
 * const { status } = catalogEntry("SB_ERR_ROUTE_NOT_FOUND"); // 404
 */
export function catalogEntry(code: ErrorCode): CatalogEntry {
  const entry = known.get(code);
  if (!entry) throw new TypeError(`unknown error code ${code}: not a core code and not defined with defineErrors()`);
  return entry;
}

/** What both coded error classes carry (one is an `Error`, the other a `TypeError`). */
function coded(code: ErrorCode, entry: CatalogEntry, detail: string | undefined) {
  return { code, detail, status: entry.status, closeCode: entry.closeCode, frame: entry.frame };
}

function messageOf(entry: CatalogEntry, detail: string | undefined): string {
  return detail ? `${entry.message}: ${detail}` : entry.message;
}

/**
 * An error carrying a catalogued code, and with it the status, close code and frame name
 * the peer gets; `detail` adds the specifics to the message. An unknown code throws
 * `TypeError`.
 *
 * @example
 * throw new SwitchboardError("SB_ERR_TOO_MANY_GROUPS", `at most ${max}`);
 */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  /** The specifics given at construction (the message without the catalog's text). */
  readonly detail?: string;
  readonly status?: number;
  readonly closeCode?: number;
  readonly frame?: string;

  constructor(code: ErrorCode, detail?: string, options?: ErrorOptions) {
    const entry = catalogEntry(code);
    super(messageOf(entry, detail), options);
    this.name = "SwitchboardError";
    ({ code: this.code, detail: this.detail, status: this.status, closeCode: this.closeCode, frame: this.frame } = coded(code, entry, detail));
  }
}

/**
 * A catalogued error that is also a `TypeError`, where a contract promises `TypeError`
 * (a bad channel or group name, a layer message JSON cannot carry).
 *
 * @example
 * throw new SwitchboardTypeError("SB_ERR_INVALID_GROUP_NAME", `${JSON.stringify(name)} must match ${GROUP_NAME_RULE.source}`);
 */
export class SwitchboardTypeError extends TypeError {
  readonly code: ErrorCode;
  /** The specifics given at construction (the message without the catalog's text). */
  readonly detail?: string;
  readonly status?: number;
  readonly closeCode?: number;
  readonly frame?: string;

  constructor(code: ErrorCode, detail?: string, options?: ErrorOptions) {
    const entry = catalogEntry(code);
    super(messageOf(entry, detail), options);
    this.name = "SwitchboardTypeError";
    ({ code: this.code, detail: this.detail, status: this.status, closeCode: this.closeCode, frame: this.frame } = coded(code, entry, detail));
  }
}

/**
 * The JSON error frame sent for a catalogued error that leaves the socket open:
 * `{"error": <frame name, or the code>, "code", "detail"?}`. An unknown code throws `TypeError`.
 *
 * @example
 * this.sendJson(errorFrame("SB_ERR_UNKNOWN_TYPE", String(frame.type)));
 */
export function errorFrame(code: ErrorCode, detail?: string): { error: string; code: ErrorCode; detail?: string } {
  const entry = catalogEntry(code);
  return detail === undefined
    ? { error: entry.frame ?? code, code }
    : { error: entry.frame ?? code, code, detail };
}
