import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const chromiumBin = findChromium("room transports browser test");

// The tutorial's first chapters chat over polling and long-polling before WebSocket: the room
// page runs over each (`?transport=poll|longpoll`), together with a WebSocket page and a page
// whose `window.WebSocket` was deleted (its client falls back to long-polling), in one room.
describe.skipIf(!chromiumBin.available)("the room page over polling, long-polling and WebSocket together", () => {
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

  async function open(query: string, withoutWebSocket = false): Promise<Page> {
    const page = await browser.newPage();
    // A browser (or a locked-down embed) without WebSocket: the page's client falls back by itself.
    if (withoutWebSocket) await page.addInitScript(() => delete (window as { WebSocket?: unknown }).WebSocket);
    const requests: string[] = [];
    page.on("websocket", (ws) => requests.push(ws.url()));
    (page as unknown as { sockets: string[] }).sockets = requests;
    await page.goto(`${server.url}/chat/transports/${query}`);
    await page.waitForSelector('#connection-state[data-state="open"]');
    return page;
  }

  const lines = (page: Page) => page.$$eval("#chat-log .chat-line .text", (els) => els.map((e) => e.textContent ?? ""));

  it("carries every page's lines to every other page, each once, in order", async () => {
    const socket = await open("");
    const poll = await open("?transport=poll");
    const longpoll = await open("?transport=longpoll");
    const fallback = await open("", true);
    expect(await poll.textContent("#connection-state")).toBe("polling");
    expect(await longpoll.textContent("#connection-state")).toBe("long-polling");
    expect(await fallback.textContent("#connection-state")).toBe("connected (long-polling)");
    expect(await fallback.getAttribute("#connection-state", "data-transport")).toBe("longpoll");
    expect(await socket.getAttribute("#connection-state", "data-transport")).toBe("websocket");
    const pages = [socket, poll, longpoll, fallback];
    const expected: string[] = [];
    for (const [page, text] of [
      [socket, "from the socket page"],
      [poll, "from the polling page"],
      [longpoll, "from the long-polling page"],
      [fallback, "from the page without WebSocket"],
      [socket, "socket again"],
      [fallback, "fallback again"],
    ] as const) {
      await page.fill("#chat-message-input", text);
      await page.press("#chat-message-input", "Enter");
      expected.push(text);
      for (const reader of pages) {
        await reader.waitForFunction((want) => document.querySelectorAll("#chat-log .chat-line").length >= want, expected.length, { timeout: 10_000 });
      }
    }
    await new Promise((r) => setTimeout(r, 2000)); // a poll or two more: nothing may come twice
    for (const page of pages) expect(await lines(page)).toEqual(expected);
    // The HTTP pages opened no socket to the room.
    for (const page of [poll, longpoll, fallback]) expect((page as unknown as { sockets: string[] }).sockets.filter((u) => u.includes("/ws/chat/"))).toEqual([]);
  }, 60_000);
});
