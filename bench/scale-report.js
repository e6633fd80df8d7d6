// Prints the scale run as a markdown table: bare ws | Switchboard | ratio (and Redis when run).
// A phase in which the load process used ≥ 90% of its core is marked "load-bound": its
// figures are bounded by the load generator, not the server.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const MiB = 1024 * 1024;
const fmt = (v, digits) => (v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const failures = (errors) => Object.entries(errors ?? {}).map(([k, v]) => `${v}× ${k}`).join(", ");

/** [label, phase (for the load-bound marker), value of a result, digits (null: text, no ratio)] */
const rows = [
  ["time to connect all (s)", "connect", (r) => r.connect.seconds, 1],
  ["server CPU while connecting (s)", "connect", (r) => r.connect.serverCpuSeconds, 1],
  ["… server waiting for its core meanwhile (s)", "connect", (r) => r.connect.serverWaitSeconds, 1],
  ["frames received while connecting", "connect", (r) => r.connect.received.frames, 0],
  ["… of which presence frames", "connect", (r) => r.connect.received.presenceFrames, 0],
  ["… their MiB", "connect", (r) => r.connect.received.presenceBytes / MiB, 0],
  ["handshakes failed while connecting (retried)", "connect", (r) => `${r.connect.attemptsRefused}${failures(r.connect.received.errors) ? ` (${failures(r.connect.received.errors)})` : ""}`, null],
  ["idle KiB per socket (5 s after connecting)", "idle", (r) => r.idle.kibPerSocket, 1],
  ["broadcast: deliveries/s (until the last line arrived)", "broadcast", (r) => r.broadcast.delivered / r.broadcast.seconds, 0],
  ["broadcast p50 (ms)", "broadcast", (r) => r.broadcast.latency.p50, 1],
  ["broadcast p99 (ms)", "broadcast", (r) => r.broadcast.latency.p99, 1],
  ["server CPU per delivery (µs)", "broadcast", (r) => r.broadcast.serverCpuPerDeliveryUs, 1],
  ["… of which in the kernel (µs)", "broadcast", (r) => r.broadcast.serverSystemPerDeliveryUs, 1],
  ["… server waiting for its core meanwhile (s)", "broadcast", (r) => r.broadcast.serverWaitSeconds, 1],
  ["broadcast: lines lost (sockets missing any)", "broadcast", (r) => `${r.broadcast.lostByStayed.lines} (${r.broadcast.lostByStayed.sockets})`, null],
  ["churn: reconnect p50 (ms)", "churn", (r) => r.churn.reconnect.p50, 1],
  ["churn: reconnect p99 (ms)", "churn", (r) => r.churn.reconnect.p99, 1],
  ["churn: back", "churn", (r) => `${r.churn.back} of ${r.churn.churned}`, null],
  ["churn: broadcast p99 at sockets that stayed (ms)", "churn", (r) => r.churn.latency.p99, 1],
  ["churn: lines lost by sockets that stayed (sockets)", "churn", (r) => `${r.churn.lostByStayed.lines} (${r.churn.lostByStayed.sockets})`, null],
  ["churn: lines missing at churned sockets after resume", "churn", (r) => (r.churn.lostByChurnedAfterResume ? `${r.churn.lostByChurnedAfterResume.lines} (${r.churn.lostByChurnedAfterResume.sockets})` : "no history"), null],
  ["restart: SIGTERM → exit (s)", "restart", (r) => (r.restart ? `${fmt(r.restart.stopMs / 1000, 1)}${r.restart.stopKilled ? " (SIGKILL after 30 s)" : ""}` : "–"), null],
  ["restart: down, SIGTERM → /healthz answers (s)", "restart", (r) => r.restart?.downSeconds, 1],
  ["restart: all back, from /healthz up (s)", "restart", (r) => r.restart?.backSeconds, 1],
  ["restart: back", "restart", (r) => (r.restart ? `${r.restart.back} of ${r.n}` : "–"), null],
  ["restart: all resumed, from /healthz up (s)", "restart", (r) => r.restart?.resumedSeconds, 1],
  ["restart: client resumes that reported no gap", "restart", (r) => (r.restart?.resumedComplete != null ? `${r.restart.resumedComplete} of ${r.n}` : "no history"), null],
  ["restart: sockets that missed a line", "restart", (r) => (!r.restart ? "–" : r.restart.missed.meaningless ? "no history" : `${r.restart.missed.sockets} (${r.restart.missed.lines} lines)`), null],
  ["restart: /healthz after up, failed (no answer in 2 s) of polls", "restart", (r) => (r.restart ? `${r.restart.health.afterUp.failed} of ${r.restart.health.afterUp.polls}` : "–"), null],
  ["restart: /healthz after up, max latency (ms)", "restart", (r) => r.restart?.health.afterUp.maxMs, 0],
  ["restart: load process event-loop delay, max (ms)", "restart", (r) => r.restart?.loadEventLoopDelayMaxMs, 0],
  ["restart: server CPU, up → all back (s)", "restart", (r) => r.restart?.serverCpuSeconds, 1],
  ["… server waiting for its core meanwhile (s)", "restart", (r) => r.restart?.serverWaitSeconds, 1],
  ["restart: presence frames received", "restart", (r) => r.restart?.received.presenceFrames, 0],
  ["error frames from the server, all phases", null, (r) => failures(sumErrors(r)) || "none", null],
  ["attempts over long-polling instead of WebSocket (should be 0)", null, (r) => [r.connect, r.broadcast, r.churn, r.restart].reduce((a, p) => a + (p?.received?.longPollAttempts ?? 0), 0), 0],
];

function sumErrors(r) {
  const all = {};
  for (const phase of [r.connect, r.broadcast, r.churn, r.restart]) {
    for (const [k, v] of Object.entries(phase?.received?.serverErrors ?? {})) all[k] = (all[k] ?? 0) + v;
  }
  return all;
}

const loadRows = [
  ["connect", (r) => r.connect],
  ["idle", (r) => r.idle],
  ["broadcast", (r) => r.broadcast],
  ["churn", (r) => r.churn],
  ["restart", (r) => r.restart],
];

function cell(result, phase, value, digits) {
  const text = digits === null ? String(value ?? "–") : fmt(value, digits);
  const p = phase && loadRows.find(([name]) => name === phase)[1](result);
  return p?.loadBound && text !== "–" ? `${text} **load-bound**` : text;
}

export function printScaleTable(plan, results) {
  const base = results.ceiling;
  const sb = results.memory;
  const redis = results.redis;
  const head = ["bare ws", "Switchboard", "ratio", ...(redis ? ["Switchboard on Redis", "Redis / memory"] : [])];
  console.log(
    `\n| ${plan.n.toLocaleString("en-US")} sockets (from ${plan.sources} loopback addresses, ≤ ${plan.perSource} each), ` +
      `${plan.rooms} rooms × ${plan.perRoom}, 1 msg/s per room, then ${plan.churnFraction * 100}% churn, then a restart | ${head.join(" | ")} |`,
  );
  console.log(`| --- | ${head.map(() => "---").join(" | ")} |`);
  const ratio = (a, b, digits) => (digits === null || typeof a !== "number" || typeof b !== "number" || !b ? "–" : `${fmt(a / b, 2)}×`);
  for (const [label, phase, get, digits] of rows) {
    const values = [base, sb, redis].map((r) => (r ? get(r) : undefined));
    const cells = [base && cell(base, phase, values[0], digits), sb && cell(sb, phase, values[1], digits), sb && base ? ratio(values[1], values[0], digits) : "–"];
    if (redis) cells.push(cell(redis, phase, values[2], digits), ratio(values[2], values[1], digits));
    console.log(`| ${label} | ${cells.map((c) => c ?? "–").join(" | ")} |`);
  }
  for (const [name, get] of loadRows) {
    const pct = (r) => {
      const v = r ? get(r)?.loadCpu : undefined;
      return v === undefined ? "–" : `${fmt(v * 100, 0)}%`;
    };
    if ([base, sb, redis].every((r) => !r || get(r)?.loadCpu === undefined)) continue;
    const cells = [pct(base), pct(sb), "–", ...(redis ? [pct(redis), "–"] : [])];
    console.log(`| load process CPU, ${name} (share of one core) | ${cells.join(" | ")} |`);
  }
  const fds = [base, sb, redis].filter(Boolean).map((r) => `${r.kind} ${r.fdBaseline} → ${r.fdPeak}`);
  console.log(`\nServer open files (idle → peak): ${fds.join("; ")}; limit ${plan.fileLimit.soft} per process.`);
  const busy = [base, sb, redis].filter(Boolean).map((r) => `${r.kind} ${r.loadAverage.map((v) => v.toFixed(1)).join(" → ")}`);
  console.log(`Machine load average (1 min) at the start and end of each run: ${busy.join("; ")} (2 cores: above ~2.5, other processes share the server's core).`);
  for (const r of [base, sb, redis].filter(Boolean)) {
    const lines = Object.entries(r.serverLog ?? {});
    if (lines.length > 0) console.log(`Server log (${r.kind}, warn and up): ${lines.map(([msg, count]) => `${count}× ${JSON.stringify(msg)}`).join("; ")}`);
  }
  console.log("Results saved to bench/results/scale-latest.json; server logs in bench/results/scale-<scenario>-server.log");
}

// `node bench/scale-report.js [file]`: prints the table of a saved run (default the latest).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? new URL("results/scale-latest.json", import.meta.url);
  const { plan, results } = JSON.parse(readFileSync(file, "utf8"));
  printScaleTable(plan, results);
}
