import type { FastifyInstance } from "fastify";
import type { SocketServer } from "./server.js";

/**
 * Registers a {@link SocketServer} on a Fastify instance: upgrades on Fastify's own port
 * go to the sockets, and closing Fastify closes them (code 1001).
 *
 * @example
 * await app.register(socketsPlugin(new SocketServer({ app: router.app(), layer })));
 */
export function socketsPlugin(sockets: SocketServer): (fastify: FastifyInstance) => Promise<void> {
  const plugin = async (fastify: FastifyInstance): Promise<void> => {
    sockets.attach(fastify.server);
    fastify.addHook("preClose", async () => {
      await sockets.close();
    });
  };
  // Same effect as fastify-plugin's skip-override: the hook applies to the parent instance.
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
  return plugin;
}
