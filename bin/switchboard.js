#!/usr/bin/env node
// `npx switchboard <command>`: runs the compiled CLI (built by `npm install` / `npm run build`).
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("switchboard: dist/ is missing; run `npm run build` first");
  process.exit(1);
}
await import(main.href);
