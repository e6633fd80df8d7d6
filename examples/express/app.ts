// An existing Express app that gains a chat socket by attaching Switchboard's core to its own
// http.Server: Express keeps every HTTP route; upgrades on /ws/chat/<room>/ go to the consumer.
import { createServer, type Server } from "node:http";
import express from "express";
import { InMemoryChannelLayer, SocketServer, originCheck, stack } from "../../src/core/index.js";
import { chatRoutes } from "../shared/chat-consumer.js";

export interface Running {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startExpressApp(port = 0, host = "127.0.0.1"): Promise<Running> {
  const app = express();
  app.get("/", (_req, res) => res.send("hello from express"));
  app.get("/api/status", (_req, res) => res.json({ ok: true }));

  const server = createServer(app);
  const layer = new InMemoryChannelLayer();
  const sockets = new SocketServer({ app: stack(chatRoutes().app(), originCheck()), layer }).attach(server);

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const url = `http://${host}:${typeof address === "object" && address ? address.port : port}`;
  return {
    server,
    url,
    async close() {
      await sockets.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await layer.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const running = await startExpressApp(Number(process.env.PORT ?? 3000));
  console.log(`express + switchboard on ${running.url} (socket: ${running.url.replace("http", "ws")}/ws/chat/lobby/)`);
}
