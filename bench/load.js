// The load generator, run in its own process (pinned to its own core by bench.js).
// argv[2] is a JSON plan: { urls, rooms, perRoom, rate, seconds, pids: {name: pid}, settleMs }.
// Connects rooms × perRoom clients spread round-robin over `urls`; one sender per room.
// Phase "fixed": `rate` messages/s in total; phase "closed": each sender sends its next
// message when its previous one comes back. Prints one JSON line with the results.
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { cpuMicros, rssKiB, systemMicros } from "./proc-stats.js";
import { percentile } from "./stats.js";

const plan = JSON.parse(process.argv[2]);
const { urls, rooms, perRoom, rate, seconds, pids } = plan;
const now = () => performance.timeOrigin + performance.now();
const MAX_SAMPLES = 4_000_000;

const clients = [];
let latencies = { same: new Float64Array(MAX_SAMPLES), cross: new Float64Array(MAX_SAMPLES) };
let counts = { same: 0, cross: 0 };
let delivered = 0;
let phase = "idle";

function connectAll() {
  const total = rooms * perRoom;
  return Promise.all(
    Array.from({ length: total }, (_, i) => {
      const room = i % rooms;
      const node = Math.floor(i / rooms) % urls.length;
      return new Promise((resolve, reject) => {
        const ws = new WebSocket(`${urls[node]}/ws/chat/bench${room}/`, { perMessageDeflate: false });
        const client = { ws, room, node, sender: i < rooms, seq: 0, tag: `r${room}` };
        ws.on("open", () => resolve(client));
        ws.on("error", reject);
        ws.on("message", (data) => onFrame(client, data));
        clients.push(client);
      });
    }),
  );
}

function onFrame(client, data) {
  const text = data.toString();
  const at = text.indexOf('"message":"');
  if (at === -1) return; // presence and other events
  const body = text.slice(at + 11, text.indexOf('"', at + 11));
  const [tag, sentAt, senderNode] = body.split(" ");
  if (phase === "idle") return;
  delivered++;
  const kind = Number(senderNode) === client.node ? "same" : "cross";
  if (counts[kind] < MAX_SAMPLES) latencies[kind][counts[kind]++] = now() - Number(sentAt);
  if (phase === "closed" && client.sender && tag === client.tag) send(client);
}

function send(client) {
  if (client.ws.readyState !== WebSocket.OPEN) return;
  client.ws.send(JSON.stringify({ message: `${client.tag} ${now().toFixed(3)} ${client.node} ${client.seq++}` }));
}

function summary(kind) {
  const sorted = latencies[kind].slice(0, counts[kind]).sort();
  return { samples: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/** `read(pid)` of every measured process, by name. */
function perProcess(read) {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, read(pid)]));
}

async function runPhase(name, body) {
  latencies = { same: new Float64Array(MAX_SAMPLES), cross: new Float64Array(MAX_SAMPLES) };
  counts = { same: 0, cross: 0 };
  delivered = 0;
  const cpu0 = perProcess(cpuMicros);
  const sys0 = perProcess(systemMicros);
  const t0 = now();
  phase = name;
  await body();
  phase = "drain";
  await new Promise((r) => setTimeout(r, 500)); // let in-flight frames land
  phase = "idle";
  const elapsed = (now() - t0 - 500) / 1000;
  const cpu1 = perProcess(cpuMicros);
  const sys1 = perProcess(systemMicros);
  const perDelivery = (a, b) => Object.fromEntries(Object.keys(pids).map((n) => [n, delivered ? (b[n] - a[n]) / delivered : null]));
  const cpuPerDelivery = perDelivery(cpu0, cpu1);
  const systemPerDelivery = perDelivery(sys0, sys1);
  return { delivered, deliveredPerSec: delivered / elapsed, latency: summary("same"), crossLatency: summary("cross"), cpuPerDelivery, systemPerDelivery };
}

const senders = () => clients.filter((c) => c.sender);

const rss0 = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, rssKiB(pid)]));
const c0 = now();
await connectAll();
const connectSeconds = (now() - c0) / 1000;
await new Promise((r) => setTimeout(r, plan.settleMs ?? 2000));
const rss1 = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, rssKiB(pid)]));
const total = rooms * perRoom;

const fixed = await runPhase("fixed", async () => {
  // `rate` messages per second in total, round-robin over the senders, evenly spaced.
  const list = senders();
  const start = now();
  const interval = 1000 / rate;
  for (let i = 0; now() - start < seconds * 1000; ) {
    send(list[i % list.length]);
    i++;
    const wait = start + i * interval - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
});

const closed = await runPhase("closed", async () => {
  for (const c of senders()) for (let k = 0; k < (plan.inflight ?? 1); k++) send(c);
  await new Promise((r) => setTimeout(r, seconds * 1000));
});

for (const c of clients) c.ws.terminate();
console.log(
  JSON.stringify({
    connections: total,
    connectsPerSec: total / connectSeconds,
    idleRssKiBPerConnection: Object.fromEntries(Object.keys(pids).map((n) => [n, (rss1[n] - rss0[n]) / total])),
    fixed,
    closed,
  }),
);
process.exit(0);
