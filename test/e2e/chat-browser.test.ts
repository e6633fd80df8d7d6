import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatClient } from "../../src/client/index.js";
import { findChromium, launchChromium } from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const chromiumBin = findChromium("browser chat test");

describe.skipIf(!chromiumBin.available)("chat in a real browser", () => {
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

  async function enterRoom(room: string, via: "enter" | "button", base = server.url): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${base}/chat/`);
    await page.fill("#room-name-input", room);
    if (via === "enter") await page.press("#room-name-input", "Enter");
    else await page.click("#room-name-submit");
    await page.waitForURL(`${base}/chat/${room}/`);
    await page.waitForSelector('#connection-state[data-state="open"]');
    return page;
  }

  async function lines(page: Page): Promise<string[]> {
    return page.$$eval("#chat-log .chat-line .text", (els) => els.map((e) => e.textContent ?? ""));
  }

  it("carries a line typed in one page to every page of the room, and not to another room", async () => {
    const one = await enterRoom("lobby", "enter");
    const two = await enterRoom("lobby", "button");
    const elsewhere = await enterRoom("other", "enter");
    await one.fill("#chat-message-input", "hello from page one");
    await one.press("#chat-message-input", "Enter");
    for (const page of [one, two]) {
      await page.waitForFunction(
        () => [...document.querySelectorAll("#chat-log .chat-line .text")].some((e) => e.textContent === "hello from page one"),
      );
    }
    await two.fill("#chat-message-input", "and back from two");
    await two.click("#chat-message-submit");
    await one.waitForFunction(() => document.querySelector("#chat-log")?.textContent?.includes("and back from two"));
    await new Promise((r) => setTimeout(r, 300));
    expect(await lines(elsewhere)).toEqual([]);
    // Both lobby pages see each other in the presence list; the other room sees only itself.
    await one.waitForFunction(() => document.querySelector("#presence-count")?.textContent === "2");
    expect(await elsewhere.textContent("#presence-count")).toBe("1");
    await Promise.all([one.close(), two.close(), elsewhere.close()]);
  });

  it("shows markup as text, never as HTML", async () => {
    const page = await enterRoom("xss", "enter");
    const evil = '<img src=x onerror="document.body.dataset.pwned=1"><b>bold</b>';
    await page.fill("#chat-message-input", evil);
    await page.press("#chat-message-input", "Enter");
    await page.waitForFunction((text) => document.querySelector("#chat-log")?.textContent?.includes(text), evil);
    expect(await page.$$("#chat-log img, #chat-log b")).toHaveLength(0);
    expect(await page.evaluate(() => document.body.dataset.pwned)).toBeUndefined();
    await page.close();
  });

  it("shows the room's history on load, and lines posted over HTTP live", async () => {
    const first = await enterRoom("history", "enter");
    for (const text of ["one", "two", "three"]) {
      await first.fill("#chat-message-input", text);
      await first.press("#chat-message-input", "Enter");
    }
    await first.waitForFunction(() => document.querySelectorAll("#chat-log .chat-line").length === 3);
    await first.close();
    const later = await enterRoom("history", "enter");
    await later.waitForFunction(() => document.querySelectorAll("#chat-log .chat-line").length === 3);
    expect(await lines(later)).toEqual(["one", "two", "three"]);
    await fetch(`${server.url}/api/rooms/history/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "via http" }),
    });
    await later.waitForFunction(() => document.querySelector("#chat-log")?.textContent?.includes("via http"));
    expect(await lines(later)).toEqual(["one", "two", "three", "via http"]);
    await later.close();
  });

  it("resumes mid-conversation across a server restart with no lost or duplicated line", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sb-restart-"));
    let node = await startTestServer({ DATA_DIR: dataDir });
    const port = new URL(node.url).port;
    const page = await enterRoom("restart", "enter", node.url);
    // The other side of the conversation: a Node program on the same client library.
    const peer = chatClient("restart", { base: node.url, WebSocket, backoff: { initialMs: 50, maxMs: 200 } });
    const peerSeen: number[] = [];
    peer.on("message", (l) => peerSeen.push(l.id));
    const say = async (text: string, total: number) => {
      await page.fill("#chat-message-input", text);
      await page.press("#chat-message-input", "Enter");
      await page.waitForFunction((n) => document.querySelectorAll("#chat-log .chat-line").length === n, total);
    };
    const peerSays = async (text: string, total: number) => {
      peer.send({ message: text });
      await page.waitForFunction((n) => document.querySelectorAll("#chat-log .chat-line").length === n, total);
    };
    for (let i = 0; i < 5; i++) {
      await say(`page ${i}`, 2 * i + 1);
      await peerSays(`peer ${i}`, 2 * i + 2);
    }
    await node.close(); // both sockets get 1012 and start their backoff
    await page.waitForSelector('#connection-state[data-state="closed"]');
    // Typed while the server is down: the page's client queues it.
    await page.fill("#chat-message-input", "page typed while down");
    await page.press("#chat-message-input", "Enter");
    await page.waitForFunction(() => document.querySelector("#connection-state")?.textContent?.includes("1 to send"));
    expect(peer.send({ message: "peer typed while down" })).toBe("queued");
    node = await startTestServer({ DATA_DIR: dataDir, PORT: port });
    // Posted by a third party before the page is back: it arrives through the resume.
    await fetch(`${node.url}/api/rooms/restart/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "posted while the page was away" }),
    });
    await page.waitForSelector('#connection-state[data-state="open"]', { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelectorAll("#chat-log .chat-line").length === 13);
    for (let i = 5; i < 8; i++) {
      await say(`page ${i}`, 14 + 2 * (i - 5));
      await peerSays(`peer ${i}`, 15 + 2 * (i - 5));
    }
    await new Promise((r) => setTimeout(r, 300)); // room for a late duplicate to show up
    const shown = await page.$$eval("#chat-log .chat-line", (els) => els.map((e) => ({ id: Number((e as HTMLElement).dataset.id), text: e.querySelector(".text")?.textContent ?? "" })));
    const expected = [
      ...Array.from({ length: 8 }, (_, i) => [`page ${i}`, `peer ${i}`]).flat(),
      "page typed while down",
      "peer typed while down",
      "posted while the page was away",
    ];
    expect(shown.map((l) => l.text).sort()).toEqual(expected.sort());
    const ids = shown.map((l) => l.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b)); // in order
    expect(new Set(ids).size).toBe(ids.length); // no duplicate
    expect(peerSeen).toEqual(ids); // the Node client saw the same lines, in the same order
    peer.close();
    await page.close();
    await node.close();
  }, 45_000);

  it("signs up, logs out and in, and chats with the user's name shown", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/accounts/signup/`);
    await page.fill('input[name="username"]', "ada");
    await page.fill('input[name="email"]', "ada@example.com");
    await page.fill('input[name="password"]', "analytical-engine");
    await page.click('#account-form button[type="submit"]');
    await page.waitForURL(`${server.url}/chat/`);
    await page.waitForFunction(() => document.querySelector("#account-name")?.textContent === "Signed in as ada");
    await page.goto(`${server.url}/accounts/logout/`);
    await page.click('#account-form button[type="submit"]');
    await page.waitForURL(`${server.url}/chat/`);
    await page.waitForSelector('#account a[href^="/accounts/login/"]');
    await page.goto(`${server.url}/accounts/login/?next=/chat/named-room/`);
    await page.fill('input[name="username"]', "ada");
    await page.fill('input[name="password"]', "analytical-engine");
    await page.click('#account-form button[type="submit"]');
    await page.waitForURL(`${server.url}/chat/named-room/`);
    await page.waitForSelector('#connection-state[data-state="open"]');
    await page.fill("#chat-message-input", "hello, I am signed in");
    await page.press("#chat-message-input", "Enter");
    await page.waitForSelector("#chat-log .chat-line");
    expect(await page.textContent("#chat-log .chat-line .user")).toBe("ada");
    expect(await page.textContent("#presence")).toContain("ada");
    await context.close();
  });
});
