// Work-order watchers (run pinned by bench.js): 100 sockets watch one order of a 20-step
// template; for each step change, the time from the change (its server timestamp) to the
// moment the last watcher has it. argv[2]: JSON { url, wsUrl, watchers, template }.
import WebSocket from "ws";

const plan = JSON.parse(process.argv[2]);
const json = (path, token, body) =>
  fetch(`${plan.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then((r) => r.json());
const token = async (username) => (await json("/api/token", null, { username, password: "bench-secret-pw" })).token;

const dev = await token("dev");
const lead = await token("lead");
const { order } = await json("/api/workorders", dev, { title: "bench", template: plan.template, params: {} });

// change key → [time of the change, receipts so far, time of the last receipt]
const changes = new Map();
const sockets = await Promise.all(
  Array.from({ length: plan.watchers }, () =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${plan.wsUrl}/ws/workorders/${order.id}/`, { headers: { authorization: `Bearer ${dev}` } });
      ws.on("message", (data) => {
        const now = Date.now();
        const msg = JSON.parse(data.toString());
        const e = msg.event;
        if (!e || e.kind !== "step") return;
        const at = e.state === "running" ? e.startedAt : e.finishedAt;
        const key = `${e.step}:${e.state}`;
        const entry = changes.get(key) ?? { at, count: 0, last: 0 };
        entry.count++;
        entry.last = Math.max(entry.last, now);
        changes.set(key, entry);
      });
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    }),
  ),
);
await new Promise((r) => setTimeout(r, 500));
await json(`/api/workorders/${order.id}/approve`, lead, {});
const deadline = Date.now() + 60_000;
for (;;) {
  const view = await json(`/api/workorders/${order.id}`, dev);
  if (["succeeded", "failed"].includes(view.order.state) || Date.now() > deadline) break;
  await new Promise((r) => setTimeout(r, 200));
}
await new Promise((r) => setTimeout(r, 500));
for (const ws of sockets) ws.terminate();
const complete = [...changes.values()].filter((c) => c.count === plan.watchers && typeof c.at === "number");
const lags = complete.map((c) => c.last - c.at).sort((a, b) => a - b);
const pct = (p) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))];
console.log(JSON.stringify({ watchers: plan.watchers, changes: changes.size, complete: complete.length, p50: pct(0.5), p99: pct(0.99), max: lags.at(-1) }));
process.exit(0);
