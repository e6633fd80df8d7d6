import Fastify from "fastify";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserStore } from "../../src/auth/users.js";
import { connectionToken } from "../../src/graphql/graphql-ws-consumer.js";
import { webAssets } from "../../src/web/assets.js";
import { assetEntries } from "../../src/web/manifest.js";
import "../../src/http/errors.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { ensureWebBundle } from "../helpers/web-bundle.js";

let server: TestServer;

beforeAll(async () => {
  await ensureWebBundle();
  server = await startTestServer();
}, 240_000);
afterAll(async () => server?.close());

describe("the GraphQL explorer (GraphiQL) is served from our origin", () => {
  it("GET /graphql/ is the GraphiQL page: module scripts from /assets/, hashed, no inline script", async () => {
    const res = await fetch(`${server.url}/graphql/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    const built = assetEntries();
    expect(html).toContain(`<script type="module" src="/assets/${built["graphiql.js"]}"></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="/assets/${built["graphiql.css"]}">`);
    expect(built["graphiql.js"]).toMatch(/^graphiql-[A-Z2-7]{8}\.js$/);
    expect(html).toContain('<div id="graphiql">');
    // Every script has a src on this origin; no inline code, no other host.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/ src="\/assets\/[\w.-]+-[A-Z2-7]{8}\.js"/);
      expect(body).toBe("");
    }
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("serves the bundle, its stylesheet, fonts and Monaco's three workers, hashed and immutable", async () => {
    const built = assetEntries();
    const js = await fetch(`${server.url}/assets/${built["graphiql.js"]}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const source = await js.text();
    expect(source.length).toBeGreaterThan(1_000_000); // React, GraphiQL and Monaco, bundled
    expect(source).not.toContain("esm.sh"); // GraphiQL's CDN worker setup is not what we load
    // The workers' hashed names are written into the page's code, which starts them.
    for (const worker of ["editor.worker.js", "json.worker.js", "graphql.worker.js"]) expect(source, worker).toContain(built[worker]);

    const css = await (await fetch(`${server.url}/assets/${built["graphiql.css"]}`)).text();
    expect(css).toContain(".graphiql-container");
    expect(css).not.toContain("data:font"); // fonts are files, so `font-src` stays 'self'
    const fonts = [...css.matchAll(/url\(["']?\.\/([^)"']+)["']?\)/g)].map((m) => m[1]!);
    expect(fonts.length).toBeGreaterThan(5);
    for (const font of new Set(fonts)) {
      const res = await fetch(`${server.url}/assets/${font}`);
      expect(res.status, font).toBe(200);
      expect(res.headers.get("content-type"), font).toMatch(/^font\//);
      expect(res.headers.get("cache-control"), font).toContain("immutable");
    }
    for (const worker of ["editor.worker.js", "json.worker.js", "graphql.worker.js"]) {
      const res = await fetch(`${server.url}/assets/${built[worker]}`);
      expect(res.status, worker).toBe(200);
      expect((await res.text()).length, worker).toBeGreaterThan(10_000);
    }
  });

  it("answers 404 for anything else under /assets/, traversal and unhashed names included", async () => {
    for (const path of ["nope.js", "graphiql.js", "manifest.json", "..%2F..%2Fpackage.json", "%2e%2e%2fmanifest.json", ".hidden-ABCDEFGH.js", "graphiql-ABCDEFGH.exe", "nope-ABCDEFGH.js"]) {
      const res = await fetch(`${server.url}/assets/${path}`);
      expect(res.status, path).toBe(404);
      expect((await res.json()).code, path).toBe("SB_ERR_NOT_FOUND");
    }
  });

  it("assets that were never built answer 404 with the command that builds them", async () => {
    const app = Fastify();
    await app.register(webAssets, { dir: "/nonexistent/switchboard-assets/" });
    const res = await app.inject({ url: "/assets/graphiql-ABCDEFGH.js" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: "not_found", code: "SB_ERR_NOT_FOUND", detail: "the web assets are not built: run npm run build" });
    await app.close();
  });
});

describe("GraphiQL's headers reach graphql-ws: connection_init's Authorization", () => {
  const clients: Client[] = [];
  afterAll(async () => {
    for (const c of clients) await c.dispose();
  });
  const query = (connectionParams: Record<string, unknown>) =>
    new Promise<unknown>((resolve, reject) => {
      const c = createClient({ url: `${server.wsUrl}/graphql/`, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true, on: { closed: (e) => resolve({ closed: (e as { code: number }).code }) } });
      clients.push(c);
      c.subscribe({ query: "{ me { username } }" }, { next: (r) => resolve(r.data), error: reject, complete: () => undefined });
    });

  it("reads token, or Authorization with JWT or Bearer, in any case", () => {
    expect(connectionToken({ token: "a.b.c" })).toBe("a.b.c");
    expect(connectionToken({ Authorization: "JWT a.b.c" })).toBe("a.b.c");
    expect(connectionToken({ authorization: "Bearer a.b.c" })).toBe("a.b.c");
    expect(connectionToken({ AUTHORIZATION: "jwt a.b.c" })).toBe("a.b.c");
    expect(connectionToken({ Authorization: "Basic dTpw" })).toBeNull();
    expect(connectionToken({ "X-Other": "JWT a.b.c" })).toBeNull();
    expect(connectionToken(undefined)).toBeNull();
  });

  it("a JWT in the headers editor signs the socket in; a bad one closes it with 4403", async () => {
    await new UserStore(server.app.db).create({ username: "wsreader", email: "ws@example.com", password: "long-enough-pw" });
    const { token } = await server.app.auth.tokens.issue({ uid: (await server.app.auth.users.byUsername("wsreader"))!.id, username: "wsreader", nickname: "wsreader", groupName: "default" });
    expect(await query({ Authorization: `JWT ${token}` })).toEqual({ me: { username: "wsreader" } });
    expect(await query({ authorization: `Bearer ${token}` })).toEqual({ me: { username: "wsreader" } });
    expect(await query({})).toEqual({ me: null });
    expect(await query({ Authorization: `JWT ${token.slice(0, -2)}xx` })).toEqual({ closed: 4403 });
  });
});
