#!/usr/bin/env -S node --max-semi-space-size=8
// `npx switchboard <command>`: runs the compiled CLI (built by `npm install` / `npm run build`).
// --max-semi-space-size=8: a server holding many idle sockets keeps a small young generation;
// the default lets it grow to tens of MiB after a burst of connections (measured in docs/benchmarks.md).
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("switchboard: dist/ is missing; run `npm run build` first");
  process.exit(1);
}
await import(main.href);
