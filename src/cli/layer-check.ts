import { loadConfig } from "../config.js";
import { createLayer, hasRedis } from "../runtime/layer.js";
import type { Command } from "./command.js";

/** `switchboard layer-check`: a round trip through the configured channel layer. */
export const layerCheck: Command = {
  summary: "send a message through the channel layer and receive it back",
  usage: `usage: switchboard layer-check [--timeout <seconds>]

Sends {"type": "hello"} to test_channel on the configured layer (REDIS_URL, REDIS_SENTINELS
or REDIS_CLUSTER, or in memory), receives it back, prints it and exits 0; exits 1 with the
reason when the layer is unreachable.`,
  options: { timeout: { type: "string" } },
  async run(values) {
    const seconds = values.timeout === undefined ? 5 : Number(values.timeout);
    if (!(seconds > 0)) {
      console.error("layer-check: --timeout must be a positive number of seconds");
      return 2;
    }
    const config = loadConfig();
    const kind = hasRedis(config) ? "redis" : "in-memory";
    let layer;
    try {
      layer = createLayer(config);
    } catch (error) {
      console.error(`${kind} layer unavailable: ${(error as Error).message}`);
      return 1;
    }
    try {
      await layer.send("test_channel", { type: "hello" });
      const message = await layer.receive("test_channel", { signal: AbortSignal.timeout(seconds * 1000) });
      console.log(`${kind} layer OK: received ${JSON.stringify(message)}`);
      return 0;
    } catch (error) {
      console.error(`${kind} layer unreachable: ${(error as Error).message}`);
      return 1;
    } finally {
      await layer.close();
    }
  },
};
