import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** `src/web`: the pages and their static files, found from `src/web/` and `dist/web/` alike. */
export const WEB_ROOT = fileURLToPath(new URL("../../src/web/", import.meta.url));

/** A page of `src/web`, read once when an app is built (pages have no inline script and no templating). */
export function readPage(name: string): string {
  return readFileSync(join(WEB_ROOT, name), "utf8");
}
