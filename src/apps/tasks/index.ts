import { ChannelNameRouter } from "../../core/index.js";
import { PrintConsumer } from "./print-consumer.js";

/** The background channels this system serves (`runworker <channel>`, or `WORKERS=` in serve). */
export function workerRoutes(): ChannelNameRouter {
  return new ChannelNameRouter().route("testing-print", PrintConsumer);
}
