import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const root = join(import.meta.dirname, "../..");

/**
 * Builds the browser assets (`scripts/build-web.mjs --if-stale`, the build `npm run build`
 * runs) when they are missing or were built from other sources: only the groups whose
 * inputs changed (a page edit rebuilds the pages in well under a second, not GraphiQL).
 * Several processes may call it at once: the script builds under a lock, once.
 */
export async function ensureWebBundle(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(root, "scripts/build-web.mjs"), "--if-stale"], { cwd: root, timeout: 240_000 });
}

/**
 * vitest's global setup (vitest.config.ts): the tests run the server from the sources, and
 * its pages reference the built, content-hashed scripts, so they are built once before any
 * test file starts, as on a fresh clone.
 */
export default async function setup(): Promise<void> {
  await ensureWebBundle();
}
