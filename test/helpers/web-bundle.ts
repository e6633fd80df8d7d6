import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const root = join(import.meta.dirname, "../..");

/**
 * Builds the browser bundles (`scripts/build-web.mjs`, what `npm run build` runs) when they
 * are missing or were built from other sources, so the tests that load GraphiQL pass from a
 * fresh clone without a build first. Several test files may call it at once: the script
 * builds under a lock, once.
 */
export async function ensureWebBundle(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(root, "scripts/build-web.mjs"), "--if-stale"], { cwd: root, timeout: 240_000 });
}
