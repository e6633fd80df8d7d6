import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const chromiumBin = findChromium("room pending lines browser test");

// A line typed while the server is down shows as pending (greyed) until the server has it;
// then the stored line takes its place, once.
describe.skipIf(!chromiumBin.available)("the room page shows a line as pending until it is acknowledged", () => {
  let server: TestServer;
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), "sb-pending-"));

  beforeAll(async () => {
    server = await startTestServer({ DATA_DIR: dataDir });
    browser = await launchChromium(chromiumBin.path);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("pending while down, then the stored line, once", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/chat/pending/`);
    await page.waitForSelector('#connection-state[data-state="open"]');
    const port = new URL(server.url).port;
    await server.close();
    await page.waitForSelector('#connection-state[data-state="closed"]');
    await page.fill("#chat-message-input", "typed while down");
    await page.press("#chat-message-input", "Enter");
    const item = await page.waitForSelector("#chat-log .chat-pending");
    expect(await item.getAttribute("data-state")).toBe("sending");
    expect(await item.textContent()).toBe("typed while down");
    expect(await page.$$("#chat-log .chat-line")).toHaveLength(0);
    server = await startTestServer({ DATA_DIR: dataDir, PORT: port });
    await page.waitForSelector("#chat-log .chat-line", { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelectorAll("#chat-log .chat-pending").length === 0);
    await new Promise((r) => setTimeout(r, 500));
    expect(await page.$$eval("#chat-log .chat-line .text", (els) => els.map((e) => e.textContent))).toEqual(["typed while down"]);
    await page.close();
  }, 60_000);
});
