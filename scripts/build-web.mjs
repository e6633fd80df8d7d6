#!/usr/bin/env node
// Bundles everything browsers load, with esbuild, into one flat folder of content-hashed
// files, dist/web/assets/ (served at /assets/ with `immutable` caching, src/web/assets.ts):
//
//   pages     one ES module per page, src/web/scripts/<page>.ts (switchboard/client bundled
//             in), the site's stylesheet, and the client alone (client.js: what /client/index.js
//             serves to users' own pages)
//   graphiql  the GraphQL explorer (GraphiQL, React, Monaco and Monaco's three web workers)
//
// Each file is named <name>-<HASH>.<ext> (esbuild's hash of its content) with a source map
// beside it; dist/web/assets/manifest.json maps each entry's plain name (`room.js`) to its
// file (`room-3F2A9C7D.js`), which src/web/pages.ts writes into the pages as it reads them.
//
//   node scripts/build-web.mjs             build (part of `npm run build`)
//   node scripts/build-web.mjs --if-stale  build only the groups whose inputs changed since
//                                          the last build (tests: vitest's global setup)
//
// The output is written to a temporary folder and renamed into place, under a lock (a
// folder, made atomically), so a server or test reading it never sees half a build and two
// test runs starting together build it once. A group that is up to date is carried over
// from the previous build, so editing a page does not rebuild GraphiQL (about 10 s).
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, "dist/web/assets");
const manifestFile = join(outDir, "manifest.json");
const lock = join(root, "dist/web/.assets-build.lock");
/** A lock older than this is a crashed build's: taken over. */
const LOCK_STALE_MS = 5 * 60_000;
const LOCK_WAIT_MS = 5 * 60_000;
const SCRIPTS = join(root, "src/web/scripts");
const FONT_DIR = join(root, "dist/web/.fonts");

const base = {
  bundle: true,
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
  absWorkingDir: root,
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  metafile: true,
};

/** The page entries: every `src/web/scripts/*.ts` (shared code lives in `parts/`). */
function pageEntries() {
  const pages = readdirSync(SCRIPTS).filter((name) => name.endsWith(".ts")).sort();
  return Object.fromEntries(pages.map((name) => [basename(name, ".ts"), join(SCRIPTS, name)]));
}

/** The groups, each built by one function into `dir`, answering esbuild's metafiles. */
const GROUPS = {
  async pages(dir) {
    const entryPoints = { ...pageEntries(), client: join(root, "src/client/index.ts"), style: join(root, "src/web/static/style.css") };
    return [await build({ ...base, entryPoints, outdir: dir, format: "esm", tsconfig: join(root, "tsconfig.web.json") })];
  },
  async graphiql(dir) {
    // Their maps name the packages' files and lines without carrying the packages' text
    // (which would make them 30 MB): stack traces read, the code is in node_modules.
    const common = { ...base, sourcesContent: false };
    // Monaco's web workers (editor, JSON for the variables and headers, GraphQL for the
    // query), as classic scripts from our origin, which `worker-src 'self'` allows. Built
    // first: their hashed names go into the page's code (MONACO_WORKER_FILES, workers.ts).
    const workers = await build({
      ...common,
      entryPoints: {
        "editor.worker": "monaco-editor/esm/vs/editor/editor.worker.js",
        "json.worker": "monaco-editor/esm/vs/language/json/json.worker.js",
        "graphql.worker": "monaco-graphql/esm/graphql.worker.js",
      },
      outdir: dir,
      format: "iife",
    });
    const files = Object.fromEntries(Object.entries(entries(workers)).map(([name, file]) => [name.replace(/\.worker\.js$/, ""), file]));
    // The page: one ES module and one stylesheet. No code splitting: Monaco's dynamic imports
    // are folded in, so its CSS lands in graphiql.css too (esbuild gives a split chunk's CSS a
    // file of its own, which nothing would load).
    const page = await build({
      ...common,
      entryPoints: { graphiql: join(root, "src/web/graphiql/index.tsx") },
      outdir: dir,
      format: "esm",
      jsx: "automatic",
      define: { ...common.define, MONACO_WORKER_FILES: JSON.stringify(files) },
      loader: { ".ttf": "file", ".woff": "file", ".woff2": "file", ".svg": "file", ".png": "file" },
      // A fixed folder (the build holds the lock): its path must not vary, or the output's hash would.
      plugins: [inlineFontsAsFiles(FONT_DIR)],
      tsconfig: join(root, "tsconfig.web.json"),
    });
    rmSync(FONT_DIR, { recursive: true, force: true });
    return [workers, page];
  },
};

/**
 * GraphiQL's stylesheet carries its fonts inline (`url(data:font/woff2;base64,…)`): each is
 * written to a file that the stylesheet then names, so esbuild emits it as a hashed asset,
 * the page needs no `font-src data:` (fonts load from 'self'), and the stylesheet shrinks by
 * most of its size.
 */
function inlineFontsAsFiles(fontDir) {
  const DATA_FONT = /url\((["']?)data:font\/(woff2|woff|ttf|otf);base64,([A-Za-z0-9+/=]+)\1\)/g;
  return {
    name: "inline-fonts-as-files",
    setup(esbuild) {
      esbuild.onLoad({ filter: /\.css$/ }, (args) => {
        const css = readFileSync(args.path, "utf8");
        if (!css.includes("data:font/")) return undefined;
        mkdirSync(fontDir, { recursive: true });
        const contents = css.replace(DATA_FONT, (_m, _q, ext, data) => {
          const bytes = Buffer.from(data, "base64");
          const file = join(fontDir, `font-${createHash("sha256").update(bytes).digest("hex").slice(0, 12)}.${ext}`);
          writeFileSync(file, bytes);
          return `url(${JSON.stringify(file)})`;
        });
        return { contents, loader: "css" };
      });
    },
  };
}

/** Plain entry name (`room.js`, `graphiql.css`) → its hashed file, from esbuild's metafile. */
function entries(result) {
  const out = {};
  for (const [path, output] of Object.entries(result.metafile.outputs)) {
    if (!output.entryPoint) continue;
    const file = basename(path);
    const ext = extname(file);
    const name = file.replace(/-[A-Z0-9]{8}(\.\w+)$/, "$1");
    out[name] = file;
    if (output.cssBundle) out[name.replace(/\.js$/, ".css")] = basename(output.cssBundle);
    if (ext !== ".js" && ext !== ".css") throw new Error(`build-web: unexpected entry output ${file}`);
  }
  return out;
}

/** Our source files a build read (packages are covered by package-lock.json). */
function sourceInputs(results) {
  const inputs = new Set();
  for (const result of results) for (const input of Object.keys(result.metafile.inputs)) if (!/node_modules\/|\.fonts\/|^</.test(input)) inputs.add(input);
  return [...inputs].sort();
}

/** What a group's output is made of: this script, the locked package versions, its sources and, for pages, the entry list. */
function inputsHash(group, inputs) {
  const hash = createHash("sha256").update(group).update("\0");
  if (group === "pages") hash.update(Object.keys(pageEntries()).join(",")).update("\0");
  for (const file of [relative(root, fileURLToPath(import.meta.url)), "package-lock.json", "tsconfig.web.json", ...inputs]) {
    const path = join(root, file);
    hash.update(file).update("\0").update(existsSync(path) ? readFileSync(path) : "").update("\0");
  }
  return hash.digest("hex");
}

function readManifest() {
  try {
    return JSON.parse(readFileSync(manifestFile, "utf8"));
  } catch {
    return null;
  }
}

/** Whether the previous build's group is current: same inputs, and all its files still there. */
function current(previous, group) {
  const entry = previous?.groups?.[group];
  if (!entry) return false;
  return entry.hash === inputsHash(group, entry.inputs) && entry.files.every((file) => existsSync(join(outDir, file)));
}

function takeLock() {
  const deadline = Date.now() + LOCK_WAIT_MS;
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
    let age = 0;
    try {
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue; // released just now
    }
    if (age > LOCK_STALE_MS) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`build-web: ${lock} held for more than ${LOCK_WAIT_MS / 1000} s`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

async function main() {
  const ifStale = process.argv.includes("--if-stale");
  const fresh = (previous) => (ifStale ? Object.keys(GROUPS).filter((group) => current(previous, group)) : []);
  if (fresh(readManifest()).length === Object.keys(GROUPS).length) return;
  takeLock();
  try {
    // Another process may have built it while this one waited for the lock.
    const previous = readManifest();
    const keep = fresh(previous);
    if (keep.length === Object.keys(GROUPS).length) return;
    const started = Date.now();
    const temp = `${outDir}.tmp-${process.pid}`;
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp, { recursive: true });
    const manifest = { entries: {}, groups: {} };
    const built = [];
    for (const [group, run] of Object.entries(GROUPS)) {
      if (keep.includes(group)) {
        const entry = previous.groups[group];
        for (const file of entry.files) copyFileSync(join(outDir, file), join(temp, file));
        manifest.groups[group] = entry;
        Object.assign(manifest.entries, entry.entries);
        continue;
      }
      const results = await run(temp);
      const files = results.flatMap((result) => Object.keys(result.metafile.outputs).map((path) => basename(path)));
      // esbuild names a linked legal-comments file after its output; keep it with the group.
      for (const file of readdirSync(temp)) if (file.endsWith(".LEGAL.txt") && !files.includes(file) && files.some((f) => file.startsWith(f))) files.push(file);
      const inputs = sourceInputs(results);
      const groupEntries = Object.assign({}, ...results.map(entries));
      manifest.groups[group] = { hash: inputsHash(group, inputs), inputs, files: files.sort(), entries: groupEntries };
      Object.assign(manifest.entries, groupEntries);
      built.push(group);
    }
    writeFileSync(join(temp, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    const old = `${outDir}.old-${process.pid}`;
    if (existsSync(outDir)) renameSync(outDir, old);
    renameSync(temp, outDir);
    rmSync(old, { recursive: true, force: true });
    // The graphiql/ folder of builds before hashed assets: nothing serves it any more.
    rmSync(join(root, "dist/web/graphiql"), { recursive: true, force: true });
    console.log(`build-web: ${built.join(", ")} into ${relative(root, outDir)}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (!ifStale) {
      for (const [name, file] of Object.entries(manifest.entries)) {
        const body = readFileSync(join(outDir, file));
        console.log(`  ${name.padEnd(22)} ${file.padEnd(32)} ${kib(body.length).padStart(11)}  gzip ${kib(gzipSync(body).length).padStart(10)}`);
      }
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

await main();
