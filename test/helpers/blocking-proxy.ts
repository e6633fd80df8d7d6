import { createServer, request, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** What the proxy does with a WebSocket upgrade: refuse it (403), or hold it and never answer. */
export type UpgradeBlock = "refuse" | "swallow";

/** A running proxy: `url` is `http://127.0.0.1:<port>`. */
export interface BlockingProxy {
  url: string;
  /** Upgrade requests seen. */
  readonly upgrades: number;
  close(): Promise<void>;
}

/**
 * A reverse proxy on loopback that passes plain HTTP through to `target` and blocks
 * WebSocket upgrades, as corporate proxies do: what a client behind one meets.
 */
export async function startBlockingProxy(target: string, block: UpgradeBlock): Promise<BlockingProxy> {
  const to = new URL(target);
  const held = new Set<Socket>();
  let upgrades = 0;
  const server: Server = createServer((req, res) => {
    const forward = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    res.on("close", () => forward.destroy());
    req.pipe(forward);
  });
  server.on("upgrade", (_req, socket: Socket) => {
    upgrades += 1;
    if (block === "refuse") {
      socket.end("HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    held.add(socket);
    socket.on("close", () => held.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get upgrades() {
      return upgrades;
    },
    async close() {
      for (const socket of held) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
