// Lobby clock: shows the beat's server.time ticks from /ws/clock/ through the switchboard client.
import { SwitchboardClient, socketUrl } from "/client/index.js";

const out = document.getElementById("server-time");
const clock = new SwitchboardClient({ url: socketUrl("/ws/clock/"), backoff: { initialMs: 1000 } });
clock.on("message", (data) => {
  if (data.type !== "server.time") return;
  const when = new Date(data.ts);
  out.dateTime = when.toISOString();
  out.textContent = when.toLocaleTimeString();
});
clock.on("state", (change) => {
  if (change.state === "closed") out.textContent = "clock offline";
});
