// Lobby: the latest message of the group "beat", relayed by /ws/beat/ as {type, message}
// (with WORKERS=testing-print and beatserver's tutorial schedule: test.print {"testing":"one"}).
import { SwitchboardClient, socketUrl } from "../../../client/index.js";
import { byId } from "./dom.js";
import { t, timeOfDay } from "./i18n.js";

/** A frame of /ws/beat/: any message sent to the group, as the schedule wrote it. */
interface BeatFrame {
  type?: unknown;
  message?: unknown;
}

/** Shows the latest beat in `#beat-latest`, its time in `<time id="beat-latest-at">`. */
export function startBeat(): SwitchboardClient<BeatFrame, never> {
  const out = byId("beat-latest");
  const at = byId("beat-latest-at", HTMLTimeElement);
  let seen = false;
  const beat = new SwitchboardClient<BeatFrame, never>({ url: socketUrl("/ws/beat/"), backoff: { initialMs: 1000 } });
  beat.on("message", (data) => {
    if (typeof data.type !== "string") return;
    const body = typeof data.message === "string" ? data.message : JSON.stringify(data.message);
    seen = true;
    out.textContent = `${data.type} ${body}`;
    out.dataset.type = data.type;
    const when = new Date();
    at.dateTime = when.toISOString();
    at.textContent = `(${timeOfDay(when)})`;
  });
  beat.on("state", (change) => {
    // Keep the last message on screen while reconnecting; say so only when nothing came yet.
    if (change.state === "closed" && !seen) out.textContent = t("lobby.beat_offline");
  });
  return beat;
}
