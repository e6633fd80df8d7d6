import { BlockList, isIP } from "node:net";
import type { Middleware } from "./middleware.js";

/** Parses a CIDR list (`10.0.0.0/8, 127.0.0.1, ::1/128`) into a block list; throws `TypeError` on a bad entry. */
export function trustedProxies(list: readonly string[]): BlockList {
  const blocks = new BlockList();
  for (const entry of list) {
    const [ip, bits] = entry.split("/");
    const family = isIP(ip ?? "");
    if (!family) throw new TypeError(`not an IP address or CIDR: ${entry}`);
    const type = family === 6 ? "ipv6" : "ipv4";
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) throw new TypeError(`bad prefix length: ${entry}`);
    blocks.addSubnet(ip!, prefix, type);
  }
  return blocks;
}

/** Whether `address` is in `blocks` (IPv4-mapped IPv6 addresses count as IPv4). */
export function isTrusted(blocks: BlockList, address: string): boolean {
  const plain = address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(plain);
  return family !== 0 && blocks.check(plain, family === 6 ? "ipv6" : "ipv4");
}

/**
 * Behind a proxy: only when the peer is a trusted proxy, takes the client address from
 * `X-Forwarded-For` (the last address not itself trusted) or `X-Real-IP`. Anyone else's
 * headers are ignored, so a client cannot spoof its address. `blocks` is read once, when the
 * middleware is made: with no proxy in it, the middleware is the inner app itself (no check
 * per handshake).
 */
export function proxyHeaders(blocks: BlockList): Middleware {
  if (blocks.rules.length === 0) return (inner) => inner;
  return (inner) => async (scope, connection) => {
    if (isTrusted(blocks, scope.client.address)) {
      const forwarded = String(scope.headers["x-forwarded-for"] ?? "")
        .split(",")
        .map((a) => a.trim())
        .filter((a) => isIP(a));
      const client = forwarded.reverse().find((a) => !isTrusted(blocks, a)) ?? String(scope.headers["x-real-ip"] ?? "");
      if (isIP(client)) scope.client = { address: client, port: 0 };
    }
    await inner(scope, connection);
  };
}
