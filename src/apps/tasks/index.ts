import { SocketRoutes } from "../../auth/index.js";
import type { AppModule } from "../module.js";
import { BeatConsumer } from "./beat-consumer.js";
import { PrintConsumer } from "./print-consumer.js";

/**
 * Background tasks and beatserver's tutorial chain: the `testing-print` worker
 * (`WORKERS=testing-print` in serve, or `runworker testing-print`), whose `test.print`
 * handler prints each scheduled message and group-sends it to `beat`, and `/ws/beat/`
 * (public), which relays that group to its sockets (the lobby shows the latest).
 */
export const tasksApp: AppModule = {
  name: "tasks",
  workers: { "testing-print": PrintConsumer },
  start: () => ({ sockets: new SocketRoutes().route("/ws/beat/", BeatConsumer, { access: "public" }) }),
};

export { BEAT_GROUP, BeatConsumer, beatFrame, type BeatFrame } from "./beat-consumer.js";
export { PrintConsumer } from "./print-consumer.js";
