import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOGS } from "../../src/web/i18n/messages.js";
import { findChromium, launchChromium } from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const chromiumBin = findChromium("pages in both languages browser test");
const zh = CATALOGS["zh-CN"];
const en = CATALOGS.en;

describe.skipIf(!chromiumBin.available)("the pages follow the browser's language, and the account bar switches it", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium(chromiumBin.path);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("a zh-CN browser sees the lobby and a room in Chinese; choosing English sticks across pages", async () => {
    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    await page.goto(`${server.url}/chat/`);
    expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
    expect(await page.title()).toBe(zh["lobby.title"]);
    expect(await page.textContent("h1")).toBe(zh["lobby.heading"]);
    expect(await page.textContent("#room-name-submit")).toBe(zh["lobby.enter"]);
    // The account bar (script-written) in Chinese, with the switch on 简体中文.
    await page.waitForSelector("#language");
    expect(await page.textContent("#account a")).toBe(zh["account.log_in"]);
    expect(await page.inputValue("#language")).toBe("zh-CN");
    // A script-written error, in Chinese.
    await page.fill("#room-name-input", "no spaces");
    await page.click("#room-name-submit");
    expect(await page.textContent("#room-name-error")).toBe(zh["lobby.bad_name"]);

    await page.fill("#room-name-input", "大厅");
    await page.click("#room-name-submit");
    await page.waitForURL(`${server.url}/chat/${encodeURIComponent("大厅")}/`);
    expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
    await page.waitForFunction((text) => document.querySelector("#connection-state")?.textContent === text, zh["common.connected"]);
    expect(await page.title()).toBe(zh["room.document_title"].replace("{room}", "大厅"));
    expect(await page.textContent("#chat-message-submit")).toBe(zh["room.send"]);
    expect(await page.textContent("aside h2")).toBe(`${zh["room.here_now"]} (1)`);
    // The chat line itself is the user's text, shown as typed.
    await page.fill("#chat-message-input", "hello, 你好");
    await page.click("#chat-message-submit");
    await page.waitForFunction(() => document.querySelector("#chat-log .chat-line .text")?.textContent === "hello, 你好");

    // Switch to English in the account bar: the page reloads in English.
    await Promise.all([page.waitForEvent("load"), page.selectOption("#language", "en")]);
    expect(await page.getAttribute("html", "lang")).toBe("en");
    await page.waitForFunction((text) => document.querySelector("#connection-state")?.textContent === text, en["common.connected"]);
    expect(await page.textContent("#chat-message-submit")).toBe(en["room.send"]);
    expect((await context.cookies()).find((c) => c.name === "lang")?.value).toBe("en");
    // …and the next page too, although the browser still asks for zh-CN.
    await page.goto(`${server.url}/chat/`);
    expect(await page.textContent("h1")).toBe(en["lobby.heading"]);
    await page.waitForSelector("#language");
    expect(await page.textContent("#account a")).toBe(en["account.log_in"]);
    expect(await page.inputValue("#language")).toBe("en");
    // Back to Chinese, and the log-in page (server-rendered by the accounts app) follows.
    await Promise.all([page.waitForEvent("load"), page.selectOption("#language", "zh-CN")]);
    expect(await page.textContent("h1")).toBe(zh["lobby.heading"]);
    await page.goto(`${server.url}/accounts/login/`);
    expect(await page.textContent("h1")).toBe(zh["accounts.log_in"]);
    await context.close();
  });
});
