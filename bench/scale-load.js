// The scale run's load process (started by bench/scale.js on CPU 1, with an IPC channel):
// N `switchboard/client` sockets in N/500 rooms, over loopback source addresses, through
// the phases connect → idle → broadcast → churn → restart. Every phase is bounded in time.
// argv[2]: the JSON plan of bench/scale.js. The result goes back as one IPC message.
import { rssKiB } from "./proc-stats.js";
import { Pool, now } from "./scale-clients.js";
import { counted, gaps, log, meter, sleep, snapshot, waitUntil } from "./scale-phases.js";
import { restartPhase } from "./scale-restart.js";
import { Samples } from "./stats.js";

const plan = JSON.parse(process.argv[2]);
const { n, rooms } = plan;
const server = { pid: plan.pid };
const pool = new Pool({ kind: plan.kind, url: plan.url, n, rooms, perSource: plan.perSource, maxSeq: plan.maxSeq });
const slots = pool.slots;
/** The next sequence number of each room's lines (the same in every room at a phase's start). */
const nextSeq = new Array(rooms).fill(0);
const resumes = plan.kind !== "ceiling";

// The whole run is bounded: the parent kills what is left of it too.
setTimeout(() => {
  log("load process over its time bound; exiting");
  process.exit(3);
}, plan.totalTimeoutMs).unref();

/** Opens all N, at most `connectWindow` handshakes in flight; the time until the last is open. */
async function connectPhase() {
  const before = snapshot(pool.counter);
  const m = meter(server);
  let next = 0;
  let inflight = 0;
  let opened = 0;
  let closedBeforeOpen = 0;
  const closeCodes = {};
  const all = new Promise((resolve) => {
    const launch = () => {
      while (next < n && inflight < plan.connectWindow) {
        inflight += 1;
        pool.connect(slots[next++]);
      }
    };
    pool.hooks.open = (slot) => {
      if (slot.firstOpenAt) return;
      slot.firstOpenAt = now();
      inflight -= 1;
      opened += 1;
      if (opened === n) resolve();
      else launch();
    };
    pool.hooks.closed = (slot, change) => {
      if (slot.firstOpenAt) return;
      closedBeforeOpen += 1;
      closeCodes[change.code] = (closeCodes[change.code] ?? 0) + 1;
    };
    launch();
  });
  const progress = setInterval(() => log(`${plan.kind}: ${opened} of ${n} open`), 10_000);
  const done = await Promise.race([all.then(() => true), sleep(plan.connectTimeoutMs).then(() => false)]);
  clearInterval(progress);
  const measured = m.end();
  // The first resume (history of a new room) is part of a chat client's start: wait for it.
  if (resumes) await waitUntil(() => slots.every((s) => s.resumedAt > 0), 30_000);
  return { ...measured, opened, timedOut: !done, attemptsRefused: closedBeforeOpen, closeCodes, received: counted(pool.counter, before) };
}

/**
 * `seconds` of one line per second per room, room r's k-th at k s + r/rooms s: each line is
 * "s<seq> <sent at>". Latency is sampled at slots not marked `churned`; `concurrent` runs
 * alongside (the churn). Ends when every slot that stayed has every line, or after
 * `drainTimeoutMs` more.
 */
async function messagePhase(seconds, concurrent = async () => {}) {
  const latency = new Samples();
  const sent = Array.from({ length: rooms }, () => []);
  const first = nextSeq[0];
  let delivered = 0;
  pool.hooks.line = (slot, seq, sentAt) => {
    if (seq < first) return;
    delivered += 1;
    if (!slot.churned) latency.add(now() - sentAt);
  };
  const before = snapshot(pool.counter);
  const m = meter(server);
  const start = now();
  const interval = 1000 / rooms;
  const sending = (async () => {
    for (let i = 0; i < seconds * rooms; i++) {
      const wait = start + i * interval - now();
      if (wait > 0) await sleep(wait);
      const room = i % rooms;
      const seq = nextSeq[room]++;
      const result = slots[room].client?.send({ message: `s${seq} ${now().toFixed(3)}` });
      if (result === "sent" || result === "queued") sent[room].push(seq);
    }
  })();
  await Promise.all([sending, concurrent()]);
  const stayed = slots.filter((s) => !s.churned);
  // Late is not lost: wait for the stragglers (bounded), then count what never came.
  const drain = now();
  await waitUntil(() => gaps(stayed, sent).lines === 0, plan.drainTimeoutMs, 250);
  const drainSeconds = (now() - drain) / 1000;
  const measured = m.end();
  return {
    ...measured,
    sent: sent.reduce((a, s) => a + s.length, 0),
    drainSeconds,
    delivered,
    // Over the phase until the last line arrived (to the drain's 250 ms): a throughput, not the offered rate.
    deliveredPerSec: delivered / measured.seconds,
    serverCpuPerDeliveryUs: delivered ? (measured.serverCpuSeconds * 1e6) / delivered : null,
    serverSystemPerDeliveryUs: delivered ? (measured.serverSystemSeconds * 1e6) / delivered : null,
    latency: latency.summary(),
    lostByStayed: gaps(stayed, sent),
    received: counted(pool.counter, before),
    sentSeqs: sent,
  };
}

/** A tenth of the sockets (never a sender) close and reopen, spread over the phase. */
async function churnPhase() {
  const stride = Math.round(1 / plan.churnFraction);
  const churned = slots.filter((s) => s.index >= rooms && s.index % stride === stride - 1);
  for (const s of churned) s.churned = true;
  const reconnect = new Samples();
  const closeCodes = {};
  pool.hooks.open = (slot) => {
    if (slot.churnClosedAt && !slot.churnBackAt) {
      slot.churnBackAt = now();
      reconnect.add(slot.churnBackAt - slot.churnClosedAt);
    }
  };
  pool.hooks.closed = (slot, change) => {
    if (slot.churned) closeCodes[change.code] = (closeCodes[change.code] ?? 0) + 1;
  };
  const churn = async () => {
    const start = now();
    const interval = (plan.churnSeconds * 1000) / churned.length;
    for (let j = 0; j < churned.length; j++) {
      const wait = start + j * interval - now();
      if (wait > 0) await sleep(wait);
      const slot = churned[j];
      slot.churnClosedAt = now();
      pool.connect(slot, pool.disconnect(slot)); // close → a new client resuming after the last id shown
    }
  };
  const phase = await messagePhase(plan.churnSeconds, churn);
  const allBack = () => churned.every((s) => s.churnBackAt && (!resumes || s.resumedAt > s.churnBackAt));
  const backInTime = await waitUntil(allBack, plan.backTimeoutMs, 250);
  if (resumes) await waitUntil(() => gaps(churned, phase.sentSeqs).lines === 0, plan.drainTimeoutMs, 250);
  const back = churned.filter((s) => s.churnBackAt).length;
  for (const s of churned) s.churned = false;
  return {
    ...phase,
    churned: churned.length,
    back,
    allBackInTime: backInTime,
    reconnect: reconnect.summary(),
    closeCodes,
    lostByChurnedAfterResume: resumes ? gaps(churned, phase.sentSeqs) : null,
  };
}

log(`${plan.kind}: ${n} sockets, ${rooms} rooms, ${plan.sources} source addresses × ≤ ${plan.perSource}`);
const rss0 = rssKiB(server.pid);
const connect = await connectPhase();
log(`${plan.kind}: connected ${connect.opened} of ${n} in ${connect.seconds.toFixed(1)} s`);
const idleMeter = meter(server);
await sleep(plan.idleMs);
const rss1 = rssKiB(server.pid);
const idle = { ...idleMeter.end(), rssKiB: rss1, rssDeltaKiB: rss1 - rss0, kibPerSocket: (rss1 - rss0) / n };
log(`${plan.kind}: broadcast, ${plan.broadcastSeconds} s`);
const { sentSeqs: _b, ...broadcast } = await messagePhase(plan.broadcastSeconds);
log(`${plan.kind}: churn, ${plan.churnSeconds} s`);
const { sentSeqs: _c, ...churn } = await churnPhase();
let restart = null;
if (plan.restart) {
  log(`${plan.kind}: restart`);
  restart = await restartPhase({ pool, plan, server, nextSeq, resumes });
}
const result = { kind: plan.kind, n, rooms, connect, idle, broadcast, churn, restart, serverRssBaselineKiB: rss0 };
pool.closeAll();
process.send({ type: "result", result }, () => process.exit(0));
