import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeText } from "../../src/web/i18n/escape.js";
import { localizeHtml, pageKeys } from "../../src/web/i18n/localize.js";
import { CATALOGS, LANGUAGES, message, type Language } from "../../src/web/i18n/messages.js";
import { negotiateLanguage, requestLanguage } from "../../src/web/i18n/negotiate.js";
import { WEB_ROOT } from "../../src/web/pages.js";
import { ASSET_DIR, assetEntries } from "../../src/web/manifest.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** The pages that speak both languages; graphql.html (GraphiQL's own UI) is English only. */
const PAGES = readdirSync(WEB_ROOT).filter((f) => f.endsWith(".html") && f !== "graphql.html").sort();
const SOURCES = [join(WEB_ROOT, "scripts"), join(WEB_ROOT, "scripts/parts"), join(WEB_ROOT, "../apps/accounts")].flatMap((dir) =>
  readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => join(dir, f)),
);
const en = CATALOGS.en;
const KEYS = Object.keys(en);
const NAMESPACES = new Set(KEYS.map((k) => k.split(".")[0]!));
const slots = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const tags = (text: string) => [...text.matchAll(/<\/?([a-z]+)/g)].map((m) => m[0]).sort();

describe("the message catalogs", () => {
  it("have the same keys, the same {slots} and, in _html entries, the same tags in every language", () => {
    for (const language of LANGUAGES) {
      const catalog = CATALOGS[language];
      expect(Object.keys(catalog).sort(), language).toEqual([...KEYS].sort());
      for (const key of KEYS) {
        const text = catalog[key as keyof typeof en];
        expect(text.trim(), `${language} ${key}`).not.toBe("");
        expect(slots(text), `${language} ${key}`).toEqual(slots(en[key as keyof typeof en]));
        if (key.endsWith("_html")) expect(tags(text), `${language} ${key}`).toEqual(tags(en[key as keyof typeof en]));
        else expect(text, `${language} ${key}: markup in a text key`).not.toMatch(/<[a-z/]/i);
      }
    }
  });

  it("every key a page or script names exists, and every key is named somewhere", () => {
    const used = new Set<string>();
    const missing: string[] = [];
    for (const page of PAGES) for (const key of pageKeys(readFileSync(join(WEB_ROOT, page), "utf8"))) used.add(key);
    for (const file of SOURCES) {
      // A key is a string literal `"<namespace>.<name>"` (in t(…), message(…) or a typed record of keys).
      for (const [, literal] of readFileSync(file, "utf8").matchAll(/"([a-z_]+\.[a-z0-9_.]+)"/g)) {
        if (NAMESPACES.has(literal!.split(".")[0]!) && !/\.(html|js|css|json)$/.test(literal!)) used.add(literal!);
      }
    }
    for (const key of used) if (!Object.hasOwn(en, key)) missing.push(key);
    expect(missing, "keys used but in no catalog").toEqual([]);
    expect(KEYS.filter((k) => !used.has(k)), "catalog keys nothing uses").toEqual([]);
  });

  it("fills {slots}, and leaves a slot without a value visible", () => {
    expect(message("zh-CN", "account.signed_in_as", { user: "ada" })).toBe("已登录：ada");
    expect(message("en", "room.disconnected_retry", { code: 1006, seconds: 2 })).toBe("disconnected (1006); retrying in 2 s");
    expect(message("en", "room.disconnected_retry", { code: 1006 })).toBe("disconnected (1006); retrying in {seconds} s");
  });
});

describe("Accept-Language and the lang cookie", () => {
  it.each([
    [undefined, "en"],
    ["", "en"],
    ["zh-CN", "zh-CN"],
    ["zh", "zh-CN"],
    ["zh-Hans", "zh-CN"],
    ["zh-Hans-CN", "zh-CN"],
    ["ZH-cn", "zh-CN"],
    ["zh-TW", "en"],
    ["zh-Hant", "en"],
    ["fr-FR, zh-Hans;q=0.5, en;q=0.4", "zh-CN"],
    ["en-US,en;q=0.9,zh-CN;q=0.8", "en"],
    ["en;q=0.5, zh-CN;q=0.9", "zh-CN"],
    ["zh-CN;q=0, en", "en"],
    ["zh-CN;q=2, en;q=0.1", "en"],
    ["de, fr", "en"],
    ["*", "en"],
    [",,;;q=,zh", "zh-CN"],
  ])("%j → %s", (header, want) => {
    expect(negotiateLanguage(header)).toBe(want);
  });

  it("the cookie wins over the header; a cookie naming no language of ours is ignored", () => {
    expect(requestLanguage({ cookie: "sb_session=x; lang=en", "accept-language": "zh-CN" })).toBe("en");
    expect(requestLanguage({ cookie: "lang=zh-CN", "accept-language": "en" })).toBe("zh-CN");
    expect(requestLanguage({ cookie: "lang=fr", "accept-language": "zh" })).toBe("zh-CN");
    expect(requestLanguage({ cookie: "xlang=en", "accept-language": "zh" })).toBe("zh-CN");
  });
});

describe("server-side rendering of the pages", () => {
  it("the English rendering of each page is the file itself (the file's text is the catalog's)", () => {
    for (const page of PAGES) {
      const html = readFileSync(join(WEB_ROOT, page), "utf8");
      expect(pageKeys(html).length, page).toBeGreaterThan(0);
      expect(localizeHtml(html, "en", page), page).toBe(html);
    }
  });

  it("the Chinese rendering says every marked text in Chinese and sets <html lang>", () => {
    for (const page of PAGES) {
      const html = localizeHtml(readFileSync(join(WEB_ROOT, page), "utf8"), "zh-CN", page);
      expect(html, page).toContain('<html lang="zh-CN">');
      for (const key of pageKeys(html)) {
        const text = CATALOGS["zh-CN"][key as keyof typeof en];
        expect(html, `${page} ${key}`).toContain(key.endsWith("_html") ? text : escapeText(text));
      }
    }
  });

  it("refuses a page naming a key no catalog has, or marking markup as text", () => {
    const page = (body: string) => `<!doctype html>\n<html lang="en"><body>${body}</body></html>`;
    expect(() => localizeHtml(page('<h1 data-i18n="lobby.nope">x</h1>'), "zh-CN", "t.html")).toThrow(/t\.html: no message "lobby\.nope"/);
    expect(() => localizeHtml(page('<p data-i18n="lobby.prompt">a <b>b</b></p>'), "en", "t.html")).toThrow(/holds markup/);
    expect(() => localizeHtml(page('<p data-i18n="lobby.hint_html">a</p>'), "en", "t.html")).toThrow(/data-i18n-html/);
    expect(() => localizeHtml(page('<p data-i18n-html="lobby.prompt">a</p>'), "en", "t.html")).toThrow(/is not an _html key/);
    expect(() => localizeHtml(page('<nav data-i18n-aria-label="account.nav"></nav>'), "en", "t.html")).toThrow(/without aria-label/);
    expect(() => localizeHtml("<p>no lang</p>", "en", "t.html")).toThrow(/<html lang/);
  });

  it("bundles both catalogs into the page scripts (no request, no inline script)", () => {
    const built = assetEntries();
    for (const entry of ["lobby.js", "room.js", "account.js"]) {
      const script = readFileSync(join(ASSET_DIR, built[entry]!), "utf8");
      // esbuild writes non-ASCII as \uXXXX escapes.
      const escaped = CATALOGS["zh-CN"]["account.signed_in_as"].replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);
      expect(script, entry).toContain(escaped);
      expect(script, entry).toContain(CATALOGS.en["account.signed_in_as"]);
    }
  });
});

describe("every page served in both languages", () => {
  let server: TestServer;
  const orderPath = "/workorders/1/";
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Route → page file and status (the pages are shells: no data without a user, so no sign-in is needed). */
  const ROUTES: [string, string | null, number][] = [
    ["/chat/", "lobby.html", 200],
    ["/chat/lobby/", "room.html", 200],
    ["/chat/%20bad/", "404.html", 404],
    ["/notify/", "notify.html", 200],
    ["/workorders/", "workorders.html", 200],
    ["/workorders/new/", "workorder-new.html", 200],
    ["/workorders/admin/", "workorders-admin.html", 200],
    [orderPath, "workorder.html", 200],
    ["/admin/", "admin.html", 200],
  ];

  it("covers every page file", () => {
    expect(ROUTES.map(([, file]) => file).sort()).toEqual(PAGES);
  });

  for (const [language, headers] of [
    ["en", { "accept-language": "en-US,en;q=0.9" }],
    ["zh-CN", { "accept-language": "zh-CN,zh;q=0.9,en;q=0.8" }],
    ["zh-CN", { "accept-language": "en", cookie: "lang=zh-CN" }],
    ["en", { "accept-language": "zh-CN", cookie: "lang=en" }],
    ["en", {}],
  ] as [Language, Record<string, string>][]) {
    it(`${JSON.stringify(headers)} → ${language}`, async () => {
      for (const [path, file, status] of ROUTES) {
        const res = await fetch(`${server.url}${path}`, { headers });
        expect(res.status, path).toBe(status);
        expect(res.headers.get("content-language"), path).toBe(language);
        expect(res.headers.get("vary") ?? "", path).toMatch(/Accept-Language/i);
        expect(res.headers.get("vary") ?? "", path).toMatch(/Cookie/i);
        const html = await res.text();
        expect(html, path).toContain(`<html lang="${language}">`);
        for (const key of pageKeys(readFileSync(join(WEB_ROOT, file!), "utf8"))) {
          const text = CATALOGS[language][key as keyof typeof en];
          expect(html, `${path} ${key}`).toContain(key.endsWith("_html") ? text : escapeText(text));
        }
      }
      for (const [path, key] of [["/accounts/signup/", "accounts.sign_up"], ["/accounts/login/", "accounts.log_in"], ["/accounts/logout/", "accounts.log_out"]] as const) {
        const res = await fetch(`${server.url}${path}`, { headers });
        expect(res.status, path).toBe(200);
        expect(res.headers.get("vary") ?? "", path).toMatch(/Accept-Language, Cookie/i);
        const html = await res.text();
        expect(html, path).toContain(`<html lang="${language}">`);
        expect(html, path).toContain(`<title>${message(language, "site.title", { title: message(language, key) })}</title>`);
        expect(html, path).toContain(`<button type="submit">${message(language, key)}</button>`);
        expect(html, path).toContain(message(language, "common.back_to_lobby_link"));
      }
      const signup = await (await fetch(`${server.url}/accounts/signup/`, { headers })).text();
      expect(signup).toContain(escapeText(message(language, "accounts.new_password", { min: 8 })));
    });
  }

  it("a failed log-in says so in the visitor's language", async () => {
    const headers = { "accept-language": "zh-CN" };
    const page = await fetch(`${server.url}/accounts/login/`, { headers });
    const cookie = page.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const bad = await fetch(`${server.url}/accounts/login/`, {
      method: "POST",
      headers: { ...headers, cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf, username: "nobody", password: "wrong-password" }).toString(),
      redirect: "manual",
    });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain("用户名或密码错误");
  });
});
