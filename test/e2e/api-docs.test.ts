import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const chromiumBin = findChromium("API reference browser test");

/**
 * `/api/docs/` in a real browser under the site's own CSP (`script-src 'self'`, no inline
 * script or style): Swagger UI draws the OpenAPI document, runs an operation against this
 * server, and loads nothing from anywhere else.
 */
describe.skipIf(!chromiumBin.available)("the API reference page, in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium(chromiumBin.path);
    context = await browser.newContext();
    context.on("request", (request) => requests.push(request.url()));
    await context.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
    });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on("response", (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    await page.goto(`${server.url}/api/docs/`);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  }, 60_000);

  it("draws the document: its title, tags and operations", async () => {
    await page.waitForSelector(".swagger-ui .info .title");
    expect(await page.textContent(".swagger-ui .info .title")).toContain("Switchboard HTTP API");
    await page.waitForSelector(".opblock-tag");
    const tags = (await page.locator(".opblock-tag").allInnerTexts()).map((t) => t.split("\n")[0]!.trim());
    expect(tags).toEqual(expect.arrayContaining(["accounts", "chat", "workorders", "graphql", "ops"]));
    const paths = await page.locator(".opblock-summary-path").allInnerTexts();
    expect(paths.map((p) => p.replace(/\u200b/g, ""))).toEqual(expect.arrayContaining(["/api/rooms/{room}/messages", "/api/token", "/healthz"]));
  });

  it("runs an operation against this server (Try it out, Execute) and shows the answer", async () => {
    const op = page.locator(".opblock", { has: page.locator('.opblock-summary-path[data-path="/healthz"]') });
    await op.locator(".opblock-summary").click();
    await op.locator(".try-out__btn").click();
    await op.locator(".execute").click();
    await op.locator(".responses-table.live-responses-table").waitFor();
    const shown = await op.locator(".live-responses-table .response-col_description pre").first().innerText();
    expect(JSON.parse(shown)).toEqual({ status: "ok", layer: "ok" });
  });

  it("opens every operation and its schemas (what Swagger UI draws only on demand)", async () => {
    // DOM clicks, one pass each: the page's own handlers, without waiting on layout per element.
    await page.evaluate(() => document.querySelectorAll<HTMLElement>(".opblock:not(.is-open) .opblock-summary-control").forEach((e) => e.click()));
    await page.waitForFunction(() => document.querySelectorAll(".opblock.is-open").length === document.querySelectorAll(".opblock").length);
    const tabs = await page.evaluate(() => {
      const found = document.querySelectorAll<HTMLElement>('.opblock .tablinks[data-name="model"]');
      found.forEach((e) => e.click());
      return found.length;
    });
    expect(tabs).toBeGreaterThan(10);
    await page.waitForFunction((n) => document.querySelectorAll(".opblock .model-box").length >= n, tabs, { timeout: 45_000 });
  }, 60_000);

  it("loaded everything from this server: no other host, no CSP violation, no page error", () => {
    expect(requests).toContain(`${server.url}/api/docs/swagger-ui-bundle.js`);
    expect(requests).toContain(`${server.url}/api/openapi.json`);
    const foreign = requests.filter((url) => {
      const { protocol, host } = new URL(url);
      return !(protocol === "http:" && host === new URL(server.url).host) && protocol !== "data:";
    });
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });
});
