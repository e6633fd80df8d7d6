// Prints the benchmark results as a markdown table, each figure with its ratio to the ceiling.

const fmt = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toFixed(digits));

/** Sums the CPU per delivery of the app processes (not Redis) of one phase. */
function appCpu(phase, field = "cpuPerDelivery") {
  return Object.entries(phase[field] ?? {})
    .filter(([name]) => name !== "redis")
    .reduce((sum, [, v]) => sum + (v ?? 0), 0);
}

function appRss(result) {
  return Object.entries(result.idleRssKiBPerConnection)
    .filter(([name]) => name !== "redis")
    .reduce((sum, [, v]) => sum + v, 0);
}

const metrics = [
  ["connects/s", (r) => r.connectsPerSec, 0, "higher"],
  ["idle RSS per connection (KiB)", appRss, 1, "lower"],
  ["fixed rate: delivered/s", (r) => r.fixed.deliveredPerSec, 0, "higher"],
  ["fixed rate: p50 latency (ms)", (r) => r.fixed.latency.p50, 2, "lower"],
  ["fixed rate: p99 latency (ms)", (r) => r.fixed.latency.p99, 2, "lower"],
  ["fixed rate: server CPU per delivery (µs)", (r) => appCpu(r.fixed), 2, "lower"],
  ["closed loop: delivered/s", (r) => r.closed.deliveredPerSec, 0, "higher"],
  ["closed loop: p50 latency (ms)", (r) => r.closed.latency.p50, 2, "lower"],
  ["closed loop: p99 latency (ms)", (r) => r.closed.latency.p99, 2, "lower"],
  ["closed loop: server CPU per delivery (µs)", (r) => appCpu(r.closed), 2, "lower"],
  ["closed loop: of which in the kernel (µs)", (r) => appCpu(r.closed, "systemPerDelivery"), 2, "lower"],
  ["closed loop: Redis CPU per delivery (µs)", (r) => r.closed.cpuPerDelivery.redis ?? null, 2, "lower"],
  ["fixed rate: cross-node p50 (ms)", (r) => r.fixed.crossLatency.p50, 2, "lower"],
  ["fixed rate: cross-node p99 (ms)", (r) => r.fixed.crossLatency.p99, 2, "lower"],
  ["closed loop: cross-node p50 (ms)", (r) => r.closed.crossLatency.p50, 2, "lower"],
  ["closed loop: cross-node p99 (ms)", (r) => r.closed.crossLatency.p99, 2, "lower"],
];

export function printTable(plan, results) {
  const names = Object.keys(results);
  const base = results.ceiling;
  console.log(
    `\n${plan.rooms * plan.perRoom} connections, ${plan.rooms} rooms × ${plan.perRoom}, one sender per room; ` +
      `fixed ${plan.rate} msg/s then closed loop, ${plan.seconds} s each. Ratio = scenario / ceiling.\n`,
  );
  console.log(`| metric | ${names.join(" | ")} |`);
  console.log(`| --- | ${names.map(() => "---").join(" | ")} |`);
  for (const [label, get, digits] of metrics) {
    const values = names.map((n) => get(results[n]));
    if (values.every((v) => v === null || v === undefined || v === 0)) continue;
    const baseValue = base ? get(base) : null;
    const cells = values.map((v, i) => {
      if (v === null || v === undefined) return "–";
      const ratio = baseValue && names[i] !== "ceiling" ? ` (${fmt(v / baseValue, 2)}×)` : "";
      return `${fmt(v, digits)}${ratio}`;
    });
    console.log(`| ${label} | ${cells.join(" | ")} |`);
  }
  console.log("\nResults saved to bench/results/latest.json");
}
