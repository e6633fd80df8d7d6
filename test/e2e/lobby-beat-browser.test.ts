import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const chromiumBin = findChromium("beat lobby browser test");

describe.skipIf(!chromiumBin.available)("the lobby shows the latest beat message in a real browser", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-beat-lobby-"));
    const file = join(dir, "beat.json");
    // beatserver's tutorial schedule, every second instead of five.
    writeFileSync(file, JSON.stringify({ "testing-print": [{ type: "test.print", message: { testing: "one" }, schedule: 1 }] }));
    server = await startTestServer({ WORKERS: "testing-print", BEAT_SCHEDULE: file });
    browser = await launchChromium(chromiumBin.path);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("a tick scheduled for testing-print reaches the page through the worker and /ws/beat/", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/chat/`);
    expect(await page.textContent("#beat-latest")).toMatch(/waiting for a tick|test\.print/);
    await page.waitForSelector('#beat-latest[data-type="test.print"]', { timeout: 5000 });
    expect(await page.textContent("#beat-latest")).toBe('test.print {"testing":"one"}');
    const shown = Date.parse((await page.getAttribute("#beat-latest-at", "datetime"))!);
    expect(Math.abs(shown - Date.now())).toBeLessThan(5000);
    // The next tick replaces the time, not the line: the latest, not a log.
    await page.waitForFunction((before) => document.querySelector("#beat-latest-at")?.getAttribute("datetime") !== before, new Date(shown).toISOString(), { timeout: 5000 });
    expect(await page.textContent("#beat-latest")).toBe('test.print {"testing":"one"}');
    await page.close();
  });

  it("shows a message sent to the group beat by any code, as text (never as HTML)", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/chat/`);
    await page.waitForSelector('#beat-latest[data-type="test.print"]', { timeout: 5000 });
    // Right after a tick, so the next one (a second later) does not replace it before we look.
    const before = await page.getAttribute("#beat-latest-at", "datetime");
    await page.waitForFunction((b) => document.querySelector("#beat-latest-at")?.getAttribute("datetime") !== b, before, { timeout: 5000 });
    await server.app.layer.groupSend("beat", { type: "news.flash", message: "<img src=x onerror=alert(1)>" });
    await page.waitForSelector('#beat-latest[data-type="news.flash"]', { timeout: 5000 });
    expect(await page.textContent("#beat-latest")).toBe("news.flash <img src=x onerror=alert(1)>");
    expect(await page.$$("#beat-latest img")).toHaveLength(0);
    await page.close();
  });
});
