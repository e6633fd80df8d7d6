// Lobby clock: shows the beat's server.time ticks from /ws/clock/ through the switchboard client.
import { SwitchboardClient, socketUrl } from "../../../client/index.js";
import { byId } from "./dom.js";
import { t, timeOfDay } from "./i18n.js";

/** A tick of /ws/clock/ (src/apps/clock). */
type ClockFrame = { type: "server.time"; ts: number } | { type: string; ts?: unknown };

/** Starts the clock in `<time id="server-time">`. */
export function startClock(): SwitchboardClient<ClockFrame, never> {
  const out = byId("server-time", HTMLTimeElement);
  const clock = new SwitchboardClient<ClockFrame, never>({ url: socketUrl("/ws/clock/"), backoff: { initialMs: 1000 } });
  clock.on("message", (data) => {
    if (data.type !== "server.time" || typeof data.ts !== "number") return;
    const when = new Date(data.ts);
    out.dateTime = when.toISOString();
    out.textContent = timeOfDay(when);
  });
  clock.on("state", (change) => {
    if (change.state === "closed") out.textContent = t("lobby.clock_offline");
  });
  return clock;
}
