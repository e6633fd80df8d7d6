// A health checker of its own: GET <url> every <everyMs>, each bounded by <timeoutMs> (a
// slower answer is a failure), until SIGTERM; then every poll as one JSON line on stdout.
// A process apart from the load, as a real checker is: a busy load process would answer
// its own polls late and count them against the server.
//
// Usage: node bench/health-poller.js <url> [everyMs=250] [timeoutMs=2000]
const [url, everyMs = "250", timeoutMs = "2000"] = process.argv.slice(2);
if (!url) throw new TypeError("usage: health-poller.js <url> [everyMs] [timeoutMs]");
// Epoch milliseconds, as bench/scale-clients.js's now(): one clock across processes.
const now = () => performance.timeOrigin + performance.now();
const polls = [];
const inflight = new Set();
const timer = setInterval(() => {
  const at = now();
  const poll = fetch(url, { signal: AbortSignal.timeout(Number(timeoutMs)) })
    .then(async (r) => {
      await r.arrayBuffer();
      polls.push({ at, ms: now() - at, ok: r.ok, status: r.status });
    })
    .catch((error) => polls.push({ at, ms: now() - at, ok: false, status: error.name === "TypeError" ? (error.cause?.code ?? "fetch failed") : error.name }))
    .finally(() => inflight.delete(poll));
  inflight.add(poll);
}, Number(everyMs));
process.once("SIGTERM", async () => {
  clearInterval(timer);
  await Promise.allSettled([...inflight]);
  process.stdout.write(`${JSON.stringify(polls)}\n`, () => process.exit(0));
});
