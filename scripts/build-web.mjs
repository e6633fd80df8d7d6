#!/usr/bin/env node
// Bundles the browser code that is more than a plain module: today the GraphQL explorer
// (GraphiQL, React and Monaco with its three web workers), from src/web/graphiql/ into
// dist/web/graphiql/, which the server serves at /static/graphiql/ (same origin, no CDN).
//
//   node scripts/build-web.mjs             build (part of `npm run build`)
//   node scripts/build-web.mjs --if-stale  build only when the output is missing or was
//                                          built from other sources or packages (tests)
//
// The output is written to a temporary folder and renamed into place, under a lock (a
// folder, made atomically), so a server or test reading it never sees half a bundle and
// two test runs starting together build it once.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const source = join(root, "src/web/graphiql");
const outDir = join(root, "dist/web/graphiql");
const stampFile = join(outDir, "build.json");
const lock = join(root, "dist/web/.graphiql-build.lock");
/** A lock older than this is a crashed build's: taken over. */
const LOCK_STALE_MS = 5 * 60_000;
const LOCK_WAIT_MS = 5 * 60_000;

/** What the bundle is made of: this script, the entry's sources and the locked package versions. */
function inputsHash() {
  const hash = createHash("sha256");
  const files = [fileURLToPath(import.meta.url), join(root, "package-lock.json"), ...walk(source)];
  for (const file of files.sort()) {
    hash.update(relative(root, file)).update("\0");
    hash.update(existsSync(file) ? readFileSync(file) : "").update("\0");
  }
  return hash.digest("hex");
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

function upToDate(hash) {
  try {
    return JSON.parse(readFileSync(stampFile, "utf8")).inputs === hash;
  } catch {
    return false;
  }
}

async function bundle(dir) {
  const common = {
    bundle: true,
    minify: true,
    legalComments: "linked",
    target: ["es2022", "chrome110", "firefox115", "safari16"],
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
    absWorkingDir: root,
  };
  // The page: one ES module and one stylesheet. No code splitting: Monaco's dynamic imports
  // are folded in, so its CSS lands in graphiql.css too (esbuild gives a split chunk's CSS a
  // file of its own, which nothing would load).
  await build({
    ...common,
    entryPoints: { graphiql: join(source, "index.tsx") },
    outdir: dir,
    format: "esm",
    jsx: "automatic",
    loader: { ".ttf": "file", ".woff": "file", ".woff2": "file", ".svg": "file", ".png": "file" },
    assetNames: "[name]-[hash]",
  });
  unpackFonts(dir, "graphiql.css");
  // Monaco's web workers (editor, JSON for the variables and headers, GraphQL for the
  // query), as classic scripts: a worker from our origin, which `worker-src 'self'` allows.
  await build({
    ...common,
    entryPoints: {
      "editor.worker": "monaco-editor/esm/vs/editor/editor.worker.js",
      "json.worker": "monaco-editor/esm/vs/language/json/json.worker.js",
      "graphql.worker": "monaco-graphql/esm/graphql.worker.js",
    },
    outdir: dir,
    format: "iife",
  });
}

/**
 * GraphiQL's stylesheet carries its fonts inline (`url(data:font/woff2;base64,…)`): written
 * out as files here, so the page needs no `font-src data:` (fonts load from 'self'), and the
 * stylesheet shrinks by most of its size.
 */
function unpackFonts(dir, cssName) {
  const cssPath = join(dir, cssName);
  const css = readFileSync(cssPath, "utf8").replace(/url\((["']?)data:font\/(woff2|woff|ttf|otf);base64,([A-Za-z0-9+/=]+)\1\)/g, (_m, _q, ext, data) => {
    const bytes = Buffer.from(data, "base64");
    const name = `font-${createHash("sha256").update(bytes).digest("hex").slice(0, 12)}.${ext}`;
    writeFileSync(join(dir, name), bytes);
    return `url(./${name})`;
  });
  writeFileSync(cssPath, css);
}

function takeLock() {
  const deadline = Date.now() + LOCK_WAIT_MS;
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      return true;
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

async function main() {
  const ifStale = process.argv.includes("--if-stale");
  const hash = inputsHash();
  if (ifStale && upToDate(hash)) return;
  takeLock();
  try {
    // Another process may have built it while this one waited for the lock.
    if (ifStale && upToDate(hash)) return;
    const started = Date.now();
    const temp = `${outDir}.tmp-${process.pid}`;
    rmSync(temp, { recursive: true, force: true });
    await bundle(temp);
    writeFileSync(join(temp, "build.json"), `${JSON.stringify({ inputs: hash, builtAt: new Date().toISOString() }, null, 2)}\n`);
    const old = `${outDir}.old-${process.pid}`;
    if (existsSync(outDir)) renameSync(outDir, old);
    renameSync(temp, outDir);
    rmSync(old, { recursive: true, force: true });
    const size = readdirSync(outDir).reduce((sum, name) => sum + statSync(join(outDir, name)).size, 0);
    console.log(`build-web: ${relative(root, outDir)}/ (${(size / 1024 / 1024).toFixed(1)} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

await main();
