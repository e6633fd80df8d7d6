import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `dist/web/assets/`: what `scripts/build-web.mjs` bundles (part of `npm run build`), one
 * flat folder of content-hashed files, found from `src/web/` (the sources, tests, tsx) and
 * `dist/web/` (the build) alike.
 */
export const ASSET_DIR = fileURLToPath(new URL("../../dist/web/assets/", import.meta.url));

/** What a missing build answers, and the command that makes it. */
export const NOT_BUILT = "the web assets are not built: run npm run build";

/**
 * The build's entries, by plain name: `room.js` → `room-3F2A9C7D.js`, `graphiql.css` →
 * `graphiql-WBNA6TC6.css`, `client.js` → the client bundle. Read from `manifest.json` of
 * `dir` (default {@link ASSET_DIR}) on each call (a page is read once when an app is built,
 * so this is a few reads per app); empty when nothing is built.
 */
export function assetEntries(dir: string = ASSET_DIR): Readonly<Record<string, string>> {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { entries?: Record<string, string> };
    return manifest.entries ?? {};
  } catch {
    return {};
  }
}

/** Whether entry `name` (`graphiql.js`) has been built. */
export function assetBuilt(name: string): boolean {
  return name in assetEntries();
}
