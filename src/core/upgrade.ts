import type { IncomingMessage } from "node:http";
import type { CoreErrorCode } from "./errors.js";

/** Why an upgrade request can never become a WebSocket: the refusal to send instead. */
export interface UpgradeProblem {
  readonly code: CoreErrorCode;
  readonly detail: string;
  readonly headers?: Record<string, string>;
}

const KEY = /^[+/0-9A-Za-z]{22}==$/;
/** An RFC 7230 token, as ws parses subprotocol names. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The checks ws's `handleUpgrade` makes before it completes a handshake, run before the
 * socket app instead: ws refuses such a request only once the consumer has accepted, and
 * never calls back, so the consumer (and the groups it joined) would wait forever. Details
 * and headers are ws's own. Null when ws will complete the upgrade.
 */
export function upgradeProblem(request: IncomingMessage): UpgradeProblem | null {
  if (request.method !== "GET") return { code: "SB_ERR_UPGRADE_METHOD", detail: "Invalid HTTP method", headers: { Allow: "GET" } };
  const upgrade = request.headers.upgrade;
  if (upgrade === undefined || upgrade.toLowerCase() !== "websocket") return { code: "SB_ERR_BAD_UPGRADE", detail: "Invalid Upgrade header" };
  const key = request.headers["sec-websocket-key"];
  if (key === undefined || !KEY.test(key)) return { code: "SB_ERR_BAD_UPGRADE", detail: "Missing or invalid Sec-WebSocket-Key header" };
  const version = Number(request.headers["sec-websocket-version"]);
  if (version !== 13 && version !== 8) {
    return { code: "SB_ERR_BAD_UPGRADE", detail: "Missing or invalid Sec-WebSocket-Version header", headers: { "Sec-WebSocket-Version": "13, 8" } };
  }
  const protocols = request.headers["sec-websocket-protocol"];
  if (protocols !== undefined && !validProtocols(protocols)) return { code: "SB_ERR_BAD_UPGRADE", detail: "Invalid Sec-WebSocket-Protocol header" };
  return null;
}

/** `token *( OWS "," OWS token )` with no name twice, as ws's subprotocol parser wants. */
function validProtocols(header: string): boolean {
  const seen = new Set<string>();
  for (const part of header.split(",")) {
    // ws allows spaces and tabs around a name, but none before the first one.
    const name = part.replace(/^[ \t]+|[ \t]+$/g, "");
    if (!TOKEN.test(name) || seen.has(name)) return false;
    seen.add(name);
  }
  return !/^[ \t]/.test(header) && !/[ \t]$/.test(header);
}
