// Loopback source addresses for the scale run: Linux routes all of 127.0.0.0/8 to `lo`, so
// a client can bind 127.0.0.2, 127.0.0.3, … and the server sees that many peers, each under
// its per-address socket cap (WS_MAX_CONNECTIONS_PER_IP, 256 by default), which the scale
// run leaves as it is.
import { connect, createServer } from "node:net";

/** The first source address (127.0.0.1 is left to the health checks and the posters). */
const FIRST = (127 << 24) | 2;

function dotted(n) {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** The source address of socket `index` when each address carries `perSource` sockets. */
export function sourceAddress(index, perSource) {
  const n = FIRST + Math.floor(index / perSource);
  if ((n & 255) === 255 || (n & 255) === 0) throw new RangeError(`source address ${dotted(n)}: use fewer sockets or more per address`);
  return dotted(n);
}

/** How many distinct source addresses `count` sockets need. */
export function sourceCount(count, perSource) {
  return Math.ceil(count / perSource);
}

/**
 * Connects once from each source address to a listener on 127.0.0.1 and checks the peer
 * address the listener saw; rejects naming the first address that does not work.
 */
export async function checkSources(count, perSource) {
  const addresses = Array.from({ length: sourceCount(count, perSource) }, (_, k) => sourceAddress(k * perSource, perSource));
  const seen = new Set();
  const server = createServer((socket) => {
    seen.add(socket.remoteAddress?.replace(/^::ffff:/, ""));
    socket.end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  try {
    for (const localAddress of addresses) {
      await new Promise((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port, localAddress });
        const timer = setTimeout(() => socket.destroy(new Error("timed out")), 2000);
        socket.on("error", (error) => {
          clearTimeout(timer);
          reject(new Error(`source address ${localAddress} does not work here: ${error.message}`));
        });
        socket.on("close", () => {
          clearTimeout(timer);
          resolve();
        });
        socket.resume();
      });
      if (!seen.has(localAddress)) throw new Error(`source address ${localAddress}: the listener saw another peer address`);
    }
  } finally {
    server.close();
  }
  return addresses;
}
