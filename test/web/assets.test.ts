import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ASSET_DIR, assetEntries } from "../../src/web/manifest.js";
import { WEB_ROOT } from "../../src/web/pages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

// The bundles are built by vitest's global setup (test/helpers/web-bundle.ts), as
// `npm run build` builds them: these tests read what a browser gets from the server.

/** Each page of src/web and a URL that serves it. */
const PAGES: Record<string, string> = {
  "lobby.html": "/chat/",
  "room.html": "/chat/lobby/",
  "404.html": "/chat/%20/",
  "notify.html": "/notify/",
  "workorders.html": "/workorders/",
  "workorder.html": "/workorders/1/",
  "workorder-new.html": "/workorders/new/",
  "workorders-admin.html": "/workorders/admin/",
  "admin.html": "/admin/",
  "graphql.html": "/graphql/",
};
const HASHED = /^\/assets\/[\w.-]+-[A-Z2-7]{8}\.(js|css)$/;
const TYPES = { js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" };
const IMMUTABLE = "public, max-age=31536000, immutable";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ BEAT: "0" });
});
afterAll(async () => server?.close());

/** The scripts and stylesheets an HTML page loads, and any inline script body. */
function references(html: string): { scripts: string[]; styles: string[]; inline: string[] } {
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]*)"[^>]*><\/script>/g)].map((m) => m[1]!);
  const inline = [...html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  const styles = [...html.matchAll(/<link\b[^>]*rel="stylesheet"[^>]*href="([^"]*)"/g)].map((m) => m[1]!);
  return { scripts, styles, inline };
}

/** Every module specifier `code` imports, statically or dynamically, as esbuild parses it. */
async function moduleImports(code: string): Promise<string[]> {
  const seen: string[] = [];
  await build({
    stdin: { contents: code, loader: "js" },
    bundle: true,
    write: false,
    format: "esm",
    logLevel: "silent",
    plugins: [{ name: "record", setup: (b) => b.onResolve({ filter: /.*/ }, (a) => (seen.push(a.path), { path: a.path, external: true })) }],
  });
  return seen;
}

describe("every page loads only hashed, immutable assets with source maps", () => {
  it("covers every page of src/web", () => {
    expect(readdirSync(WEB_ROOT).filter((f) => f.endsWith(".html")).sort()).toEqual(Object.keys(PAGES).sort());
  });

  for (const [page, url] of Object.entries(PAGES)) {
    it(`${page} (${url})`, async () => {
      const res = await fetch(`${server.url}${url}`);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      // The page names this build's files, so it is never reused from a cache unasked.
      expect(res.headers.get("cache-control")).toMatch(/^no-(cache|store)$/);
      const { scripts, styles, inline } = references(await res.text());
      expect(inline).toEqual([]);
      expect(styles.length).toBe(1);
      if (page !== "404.html") expect(scripts.length).toBeGreaterThan(0);
      for (const path of [...scripts, ...styles]) {
        expect(path).toMatch(HASHED);
        const kind = path.endsWith(".js") ? "js" : "css";
        const asset = await fetch(`${server.url}${path}`);
        expect(asset.status, path).toBe(200);
        expect(asset.headers.get("content-type"), path).toBe(TYPES[kind]);
        expect(asset.headers.get("cache-control"), path).toBe(IMMUTABLE);
        const body = await asset.text();
        const file = path.slice("/assets/".length);
        expect(body.trimEnd().split("\n").at(-1)?.slice(0, 200), path).toBe(kind === "js" ? `//# sourceMappingURL=${file}.map` : `/*# sourceMappingURL=${file}.map */`);
        const map = await fetch(`${server.url}${path}.map`);
        expect(map.status, `${path}.map`).toBe(200);
        expect(map.headers.get("content-type")).toBe("application/json; charset=utf-8");
        expect(map.headers.get("cache-control")).toBe(IMMUTABLE);
        const parsed = (await map.json()) as { version: number; sources: string[]; mappings: string };
        expect(parsed.version).toBe(3);
        expect(parsed.sources.length, path).toBeGreaterThan(0);
        expect(parsed.mappings.length, path).toBeGreaterThan(0);
        // Self-contained: no module the browser would fetch besides this file.
        if (kind === "js") expect(await moduleImports(body), path).toEqual([]);
      }
    });
  }

  it("a page script's map leads to its TypeScript and the bundled switchboard/client", async () => {
    const file = assetEntries()["room.js"]!;
    const map = JSON.parse(readFileSync(join(ASSET_DIR, `${file}.map`), "utf8")) as { sources: string[]; sourcesContent: string[] };
    const sources = map.sources.map((s) => s.replace(/^(\.\.\/)+/, ""));
    expect(sources).toContain("src/web/scripts/room.ts");
    expect(sources).toContain("src/client/client.ts");
    expect(map.sourcesContent[sources.indexOf("src/web/scripts/room.ts")]).toBe(readFileSync(join(WEB_ROOT, "scripts/room.ts"), "utf8"));
  });

  it("every page script of src/web/scripts is built", () => {
    const entries = assetEntries();
    for (const script of readdirSync(join(WEB_ROOT, "scripts")).filter((f) => f.endsWith(".ts"))) {
      expect(entries[script.replace(/\.ts$/, ".js")], script).toMatch(/^[\w.-]+-[A-Z2-7]{8}\.js$/);
    }
  });

  it("a name not built, or not hashed, is 404; so is the manifest", async () => {
    for (const path of ["/assets/room.js", "/assets/manifest.json", "/assets/room-AAAAAAAA.js", "/assets/%2e%2e%2fmanifest.json", "/static/room.js"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
    }
  });
});

describe("/client/index.js: switchboard/client as one module for users' own pages", () => {
  it("is the client bundle, revalidated by ETag (a fixed name), its map beside the hashed file", async () => {
    const res = await fetch(`${server.url}/client/index.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const etag = res.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const body = await res.text();
    const map = body.slice(-100).match(/\/\/# sourceMappingURL=(\/assets\/client-[A-Z2-7]{8}\.js\.map)\n$/)?.[1];
    expect(map).toBeDefined();
    expect((await fetch(`${server.url}${map}`)).status).toBe(200);
    const again = await fetch(`${server.url}/client/index.js`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    // One ES module that imports nothing and exports the client's API: load it as a browser would.
    expect(await moduleImports(body)).toEqual([]);
    const client = (await import(`data:text/javascript;base64,${Buffer.from(body).toString("base64")}`)) as Record<string, unknown>;
    for (const name of ["SwitchboardClient", "chatClient", "notifyClient", "workOrderClient", "socketUrl", "httpUrl", "backoffDelay"]) {
      expect(typeof client[name], name).toBe("function");
    }
  });

  it("serves no other module under /client/ (the client is one bundle now)", async () => {
    for (const file of ["routes.js", "client.js", "index.ts", "index.js.map"]) {
      expect((await fetch(`${server.url}/client/${file}`)).status, file).toBe(404);
    }
  });
});
