// An existing Fastify app that gains a chat socket by registering Switchboard's core as a
// plugin on Fastify's own server; closing Fastify closes the sockets too.
import Fastify, { type FastifyInstance } from "fastify";
import { InMemoryChannelLayer, SocketServer, originCheck, socketsPlugin, stack } from "../../src/core/index.js";
import { chatRoutes } from "../shared/chat-consumer.js";

export async function startFastifyApp(port = 0, host = "127.0.0.1"): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const app = Fastify();
  app.get("/", async () => "hello from fastify");

  const layer = new InMemoryChannelLayer();
  await app.register(socketsPlugin(new SocketServer({ app: stack(chatRoutes().app(), originCheck()), layer })));

  const url = await app.listen({ port, host });
  return {
    app,
    url,
    async close() {
      await app.close();
      await layer.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const running = await startFastifyApp(Number(process.env.PORT ?? 3000));
  console.log(`fastify + switchboard on ${running.url}`);
}
