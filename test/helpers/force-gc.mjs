// Preload for server processes under test: `node --expose-gc --import <this file> …`
// (test/helpers/node-process.ts exports its URL as FORCE_GC). Runs a full garbage
// collection every second, so an object the server holds only weakly (a timer's signal, a
// cache entry) is gone within any wait of a second or more, instead of whenever V8 happens
// to collect. Not more often: a full collection of a server loaded through tsx takes
// 50–300 ms on a busy 2-core machine, and every 50 ms would leave it no time to serve.
// Never used in production.
if (typeof globalThis.gc !== "function") throw new Error("force-gc.mjs needs node --expose-gc");
setInterval(() => globalThis.gc(), 1000).unref();
