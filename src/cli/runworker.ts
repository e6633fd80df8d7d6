import { workerRoutes } from "../app.js";
import { loadConfig } from "../config.js";
import { Worker, createLogger } from "../core/index.js";
import { createLayer } from "../runtime/layer.js";
import type { Command } from "./command.js";
import { untilSignal } from "./signals.js";

/** `switchboard runworker <channel...>`: serves named channels until SIGTERM/SIGINT. */
export const runworker: Command = {
  summary: "handle messages sent to named channels (background workers)",
  usage: `usage: switchboard runworker <channel> [<channel> ...]

Receives from each named channel on the configured layer (REDIS_URL for a cluster) and
dispatches every message to its consumer by type. With several workers on a channel, each
message is handled by one of them. Routed channels: ${workerRoutes().channels.join(", ")}.`,
  options: {},
  async run(_values, channels) {
    const routes = workerRoutes();
    const unknown = channels.filter((c) => !routes.consumerFor(c));
    if (channels.length === 0 || unknown.length > 0) {
      console.error(
        channels.length === 0
          ? "runworker: name at least one channel"
          : `runworker: no consumer for ${unknown.join(", ")}; routed: ${routes.channels.join(", ")}`,
      );
      console.error(runworker.usage);
      return 2;
    }
    const config = loadConfig();
    const logger = createLogger(config.logLevel);
    const layer = createLayer(config, logger);
    const worker = new Worker({ layer, router: routes, channels, logger }).start();
    return untilSignal(async () => {
      await worker.stop();
      await layer.close();
    });
  },
};
