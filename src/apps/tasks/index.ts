import type { AppModule } from "../module.js";
import { PrintConsumer } from "./print-consumer.js";

/** Background tasks: the `testing-print` worker (`WORKERS=testing-print` in serve, or `runworker testing-print`). */
export const tasksApp: AppModule = {
  name: "tasks",
  workers: { "testing-print": PrintConsumer },
  start: () => ({}),
};

export { PrintConsumer } from "./print-consumer.js";
