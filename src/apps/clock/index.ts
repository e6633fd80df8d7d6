import { SocketRoutes } from "../../auth/index.js";
import type { AppModule } from "../module.js";
import { ClockConsumer } from "./consumer.js";

/** The lobby's clock: beat sends `server.time` to group `clock` every second; `/ws/clock/` forwards it. */
export const clockApp: AppModule = {
  name: "clock",
  schedules: { clock: { group: "clock", type: "server.time", every: "1s" } },
  start: () => ({ sockets: new SocketRoutes().route("/ws/clock/", ClockConsumer, { access: "public" }) }),
};

export { ClockConsumer } from "./consumer.js";
