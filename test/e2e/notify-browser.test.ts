import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserStore } from "../../src/auth/users.js";
import { findChromium, launchChromium, signedInPage } from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const chromiumBin = findChromium("notify browser test");
const PASSWORD = "long-enough-pw";

describe.skipIf(!chromiumBin.available)("notify page and lobby clock in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium(chromiumBin.path);
    const users = new UserStore(server.app.db);
    for (const [username, groupName] of [["ann", "crew"], ["ben", "crew"], ["cal", "other"]] as const) {
      await users.create({ username, email: `${username}@example.com`, password: PASSWORD, groupName });
    }
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  async function notifyPage(username: string): Promise<Page> {
    const { context, page } = await signedInPage(browser, server.url, username, PASSWORD, "/notify/");
    contexts.push(context);
    await page.waitForSelector('#connection-state[data-state="open"]');
    return page;
  }

  const texts = (page: Page) => page.$$eval("#notify-log .notify-line .text", (els) => els.map((e) => e.textContent));

  it("notifies the whole group, or one member privately, and never another group", async () => {
    const [ann, ben, cal] = [await notifyPage("ann"), await notifyPage("ben"), await notifyPage("cal")];
    expect(await ann.textContent("#group-name")).toBe("crew");
    expect(await ann.$$eval("#notify-to option", (os) => os.map((o) => o.textContent))).toEqual(["everyone in the group", "ann", "ben"]);
    await ann.fill("#notify-message", "stand-up in five");
    await ann.click("#notify-submit");
    for (const page of [ann, ben]) await page.waitForFunction(() => document.querySelectorAll("#notify-log .notify-line").length === 1);
    await ann.selectOption("#notify-to", { label: "ben" });
    await ann.fill("#notify-message", "<b>just for ben</b>");
    await ann.press("#notify-message", "Enter");
    await ben.waitForFunction(() => document.querySelectorAll("#notify-log .notify-line").length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(await texts(ben)).toEqual(["stand-up in five", "<b>just for ben</b>"]);
    expect(await ben.$$eval("#notify-log .notify-line", (els) => els.map((e) => (e as HTMLElement).dataset.private))).toEqual(["false", "true"]);
    expect(await texts(ann)).toEqual(["stand-up in five"]); // a private note goes to its target only
    expect(await texts(cal)).toEqual([]);
  });

  it("asks a signed-out visitor to sign in", async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/notify/`);
    await page.waitForSelector("#notify-signin:not([hidden])");
    expect(await page.isHidden("#notify-form")).toBe(true);
  });

  it("shows the beat's ticks on the lobby clock", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/chat/`);
    await page.waitForFunction(() => Boolean(document.querySelector("#server-time")?.getAttribute("datetime")), undefined, { timeout: 5000 });
    const shown = Date.parse((await page.getAttribute("#server-time", "datetime"))!);
    expect(Math.abs(shown - Date.now())).toBeLessThan(5000);
    await page.close();
  });
});
