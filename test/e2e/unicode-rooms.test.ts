import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const chromiumBin = findChromium("browser test of Unicode room names");

// The Chinese tutorials' rooms, typed into the lobby of a real browser (issue 14, item 3).
describe.skipIf(!chromiumBin.available)("Unicode room names in a real browser", () => {
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

  async function enterRoom(typed: string, room: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${server.url}/chat/`);
    await page.fill("#room-name-input", typed);
    await page.press("#room-name-input", "Enter");
    await page.waitForURL(`${server.url}/chat/${encodeURIComponent(room)}/`);
    await page.waitForSelector('#connection-state[data-state="open"]');
    return page;
  }

  const lines = (page: Page): Promise<string[]> => page.$$eval("#chat-log .chat-line .text", (els) => els.map((e) => e.textContent ?? ""));

  it("chats in 测试 from the lobby, apart from 测验, and a decomposed name is its NFC room", async () => {
    const one = await enterRoom("测试", "测试");
    const two = await enterRoom("测试", "测试");
    const other = await enterRoom("测验", "测验");
    expect(await one.textContent("#room-title")).toBe("测试");
    expect(await one.title()).toContain("测试");
    await one.fill("#chat-message-input", "你好，世界");
    await one.press("#chat-message-input", "Enter");
    await two.waitForFunction(() => document.querySelector("#chat-log")?.textContent?.includes("你好，世界"));
    await one.waitForFunction(() => document.querySelector("#chat-log")?.textContent?.includes("你好，世界"));
    await new Promise((r) => setTimeout(r, 300));
    expect(await lines(other)).toEqual([]);

    // `u` + U+0308 typed into the lobby goes to the room `über` (one character), history and all.
    const umlaut = await enterRoom("u\u0308ber", "\u00fcber");
    await umlaut.fill("#chat-message-input", "grüß dich");
    await umlaut.press("#chat-message-input", "Enter");
    await umlaut.waitForFunction(() => document.querySelectorAll("#chat-log .chat-line").length === 1);
    const direct = await browser.newPage();
    await direct.goto(`${server.url}/chat/${encodeURIComponent("u\u0308ber")}/`);
    await direct.waitForURL(`${server.url}/chat/${encodeURIComponent("\u00fcber")}/`);
    await direct.waitForFunction(() => document.querySelectorAll("#chat-log .chat-line").length === 1);
    expect(await lines(direct)).toEqual(["grüß dich"]);
    await Promise.all([one.close(), two.close(), other.close(), umlaut.close(), direct.close()]);
  });

  it("the lobby refuses what is not a room name, and says why", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/chat/`);
    for (const bad of ["a b", "a/b", "%ZZ", "..", "x".repeat(101)]) {
      // Hidden again before each try, so each shows its own refusal (the page stays, too).
      await page.evaluate(() => (document.getElementById("room-name-error")!.hidden = true));
      await page.fill("#room-name-input", bad);
      await page.press("#room-name-input", "Enter");
      await page.waitForSelector("#room-name-error:not([hidden])");
      expect(await page.textContent("#room-name-error")).toContain("1–100");
      expect(new URL(page.url()).pathname).toBe("/chat/");
    }
    await page.close();
  });
});
