// Lobby clock: shows the beat's server.time ticks from /ws/clock/; reconnects with backoff.
const out = document.getElementById("server-time");
let attempt = 0;

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/clock/`);
  ws.addEventListener("open", () => (attempt = 0));
  ws.addEventListener("message", (event) => {
    try {
      const data = JSON.parse(event.data);
      if (data.type !== "server.time") return;
      const when = new Date(data.ts);
      out.dateTime = when.toISOString();
      out.textContent = when.toLocaleTimeString();
    } catch {
      // not a clock frame
    }
  });
  ws.addEventListener("close", () => {
    out.textContent = "clock offline";
    const delay = Math.min(30_000, 1000 * 2 ** attempt++) * (0.5 + Math.random() / 2);
    setTimeout(connect, delay);
  });
}

connect();
