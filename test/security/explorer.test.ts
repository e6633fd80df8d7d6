import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explorerPolicy } from "../../src/graphql/explorer.js";
import { CSP_DIRECTIVES } from "../../src/ops/helmet.js";
import { assetEntries } from "../../src/web/manifest.js";
import { signUp } from "../helpers/forms.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

// The GraphQL explorer relaxes the site's Content-Security-Policy for styles only (Monaco
// draws with inline styles), on its own page only; its requests ride the session cookie,
// which only same-origin JSON may do.

const SITE_CSP = Object.entries(CSP_DIRECTIVES).map(([name, values]) => `${name} ${values.join(" ")}`).join(";");
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

const directives = (policy: string): Map<string, string> => new Map(policy.split(";").map((d) => [d.split(" ")[0]!, d.slice(d.indexOf(" ") + 1)]));

describe("the explorer's Content-Security-Policy", () => {
  it("adds a fresh style nonce (also in the page) and style-src-attr 'unsafe-inline'; scripts stay 'self'", async () => {
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${server.url}/graphql/`);
      const policy = directives(res.headers.get("content-security-policy")!);
      const nonce = /^'self' 'nonce-([A-Za-z0-9+/]{24})'$/.exec(policy.get("style-src")!)?.[1];
      expect(nonce).toBeDefined();
      expect(await res.text()).toContain(`<meta property="csp-nonce" nonce="${nonce}">`);
      expect(policy.get("style-src-attr")).toBe("'unsafe-inline'");
      expect(policy.get("script-src")).toBe("'self'");
      // Everything else is the site's policy, as it is.
      for (const [name, values] of Object.entries(CSP_DIRECTIVES)) if (name !== "style-src") expect(policy.get(name), name).toBe(values.join(" "));
      expect(res.headers.get("cache-control")).toBe("no-store"); // a nonce is never reused from a cache
      nonces.push(nonce!);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it("relaxes nothing anywhere else: other pages, the bundle's files, POST /graphql/", async () => {
    for (const path of ["/chat/", `/assets/${assetEntries()["graphiql.js"]}`, "/static/style.css", "/accounts/login/", "/no/such/page"]) {
      expect((await fetch(`${server.url}${path}`)).headers.get("content-security-policy"), path).toBe(SITE_CSP);
    }
    const post = await fetch(`${server.url}/graphql/`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __typename }" }) });
    expect(post.headers.get("content-security-policy")).toBe(SITE_CSP);
  });

  it("explorerPolicy replaces a style-src-attr the site might set, and adds style-src when missing", () => {
    expect(explorerPolicy("default-src 'self';style-src 'self';style-src-attr 'none'", "n")).toBe("default-src 'self';style-src 'self' 'nonce-n';style-src-attr 'unsafe-inline'");
    expect(explorerPolicy("default-src 'self'", "n")).toBe("default-src 'self';style-src 'self' 'nonce-n';style-src-attr 'unsafe-inline'");
  });
});

describe("the explorer's requests and the session cookie", () => {
  const createBook = JSON.stringify({ query: 'mutation { createBook(bookData: {title: "Session", author: "Cookie"}) { ok book { title { name } } } }' });

  it("a signed-in session writes through same-origin JSON, as the explorer sends it", async () => {
    const jar = await signUp(server.url, "explorer1");
    const res = await fetch(`${server.url}/graphql/`, { method: "POST", headers: { "content-type": "application/json", cookie: jar.header(), origin: server.url, "sec-fetch-site": "same-origin" }, body: createBook });
    expect(await res.json()).toEqual({ data: { createBook: { ok: true, book: { title: { name: "Session" } } } } });
  });

  it("the same cookie from another site's page, or in a body a form can send, writes nothing", async () => {
    const jar = await signUp(server.url, "explorer2");
    const before = await server.app.db.selectFrom("books").select("id").execute();
    const foreign = await fetch(`${server.url}/graphql/`, { method: "POST", headers: { "content-type": "application/json", cookie: jar.header(), origin: "http://evil.example" }, body: createBook });
    expect(foreign.status).toBe(403);
    const crossSite = await fetch(`${server.url}/graphql/`, { method: "POST", headers: { "content-type": "application/json", cookie: jar.header(), "sec-fetch-site": "cross-site" }, body: createBook });
    expect(crossSite.status).toBe(403);
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      const form = await fetch(`${server.url}/graphql/`, { method: "POST", headers: { "content-type": type, cookie: jar.header() }, body: createBook });
      expect(form.status, type).toBe(415);
    }
    expect(await server.app.db.selectFrom("books").select("id").execute()).toEqual(before);
  });
});
