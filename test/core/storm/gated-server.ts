// The whole application plus one module whose socket route holds every handshake in flight
// until `POST /gate/open`: started by handshake-storm.test.ts as a process of its own (so
// the load's event loop is not the server's). Configuration from the environment, as
// `serve`; prints `{"url": ...}` once listening.
import { MODULES, buildApp } from "../../../src/app.js";
import type { AppModule } from "../../../src/apps/module.js";
import { SocketRoutes } from "../../../src/auth/socket-routes.js";
import { loadConfig } from "../../../src/config.js";
import { WebsocketConsumer } from "../../../src/core/index.js";

let open!: () => void;
const gate = new Promise<void>((resolve) => (open = resolve));

/** Accepts only once the gate is open: until then its handshake is in flight. */
class Gated extends WebsocketConsumer {
  override async connect(): Promise<void> {
    await gate;
    await this.accept();
  }
}

const gated: AppModule = {
  name: "gated",
  start: () => ({
    sockets: new SocketRoutes().route("/ws/gated/", Gated, { access: "public" }),
    http: async (app) => {
      app.post("/gate/open", { config: { access: "public" } }, async () => {
        open();
        return { open: true };
      });
    },
  }),
};

const app = await buildApp(loadConfig(), {}, [...MODULES, gated]);
const url = await app.listen();
console.log(JSON.stringify({ url }));
const stop = (): void => void app.close(1001).then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
