// Lobby: the latest message of the group "beat", relayed by /ws/beat/ as {type, message}
// (with WORKERS=testing-print and beatserver's tutorial schedule: test.print {"testing":"one"}).
import { SwitchboardClient, socketUrl } from "/client/index.js";

const out = document.getElementById("beat-latest");
const at = document.getElementById("beat-latest-at");
let seen = false;
const beat = new SwitchboardClient({ url: socketUrl("/ws/beat/"), backoff: { initialMs: 1000 } });
beat.on("message", (data) => {
  if (typeof data?.type !== "string") return;
  const body = typeof data.message === "string" ? data.message : JSON.stringify(data.message);
  seen = true;
  out.textContent = `${data.type} ${body}`;
  out.dataset.type = data.type;
  const when = new Date();
  at.dateTime = when.toISOString();
  at.textContent = `(${when.toLocaleTimeString()})`;
});
beat.on("state", (change) => {
  // Keep the last message on screen while reconnecting; say so only when nothing came yet.
  if (change.state === "closed" && !seen) out.textContent = "beat offline";
});
