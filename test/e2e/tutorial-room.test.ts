import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

// The Channels tutorial's room page (docs/tutorial/part_2.rst, chat/templates/chat/room.html),
// byte for byte, served by the reader's own page server: it prints `data.message + '\n'`
// for every frame it gets, so any frame without `message` shows as an `undefined` line.
const TEMPLATE = readFileSync(new URL("tutorial-room.html", import.meta.url), "utf8");

/** Django's `{{ value|json_script:"id" }}`: JSON (non-ASCII escaped) with `<`, `>`, `&` escaped too. */
function jsonScript(value: string, id: string): string {
  const json = JSON.stringify(value)
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);
  return `<script id="${id}" type="application/json">${json}</script>`;
}

/** Renders the template as Django's `render(request, "chat/room.html", {"room_name": room})` does. */
function render(template: string, room: string): string {
  return template.replace('{{ room_name|json_script:"room-name" }}', jsonScript(room, "room-name"));
}

interface PageServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * The reader's front server on its own loopback port, as a Django site with a front proxy:
 * `GET /chat/<room>/` renders the tutorial page; `GET /edited/chat/<room>/` renders the copy
 * a reader edits to run without a front proxy (its WebSocket host set to Switchboard's); and,
 * like `location /ws/` in deploy/nginx.conf, WebSocket upgrades are passed to Switchboard
 * as they came (Host and Origin untouched).
 */
async function startPageServer(switchboard: () => URL): Promise<PageServer> {
  const tunnels = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    const m = /^\/(edited\/)?chat\/([^/]+)\/$/.exec(request.url ?? "");
    if (request.method !== "GET" || !m) {
      response.writeHead(404).end();
      return;
    }
    const template = m[1] ? TEMPLATE.replace("window.location.host", `'${switchboard().host}'`) : TEMPLATE;
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(render(template, decodeURIComponent(m[2]!)));
  });
  server.on("upgrade", (request, client: Socket, head: Buffer) => {
    const target = switchboard();
    const upstream = connect(Number(target.port), target.hostname, () => {
      const lines = [`${request.method} ${request.url} HTTP/1.1`];
      for (let i = 0; i < request.rawHeaders.length; i += 2) lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    for (const socket of [client, upstream]) {
      tunnels.add(socket);
      socket.on("close", () => tunnels.delete(socket));
    }
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of tunnels) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const chromiumBin = findChromium("tutorial room page test");

describe.skipIf(!chromiumBin.available)("the Channels tutorial's room page, unchanged", () => {
  let switchboard: TestServer;
  let pages: PageServer;
  let browser: Browser;

  beforeAll(async () => {
    pages = await startPageServer(() => new URL(switchboard.url));
    // The page comes from another origin than Switchboard's: the reader allows it.
    switchboard = await startTestServer({ ALLOWED_ORIGINS: pages.origin });
    browser = await launchChromium(chromiumBin.path);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await switchboard?.close();
  });

  /** Opens a room page and waits for its socket to be open (the page itself shows nothing until then). */
  async function open(path: string, errors: string[]): Promise<Page> {
    const page = await browser.newPage();
    // Errors the page logs (its socket closing says "Chat socket closed unexpectedly"); the
    // browser's own request for /favicon.ico, which the tutorial site has not, is no error of it.
    page.on("console", (m) => m.type() === "error" && !m.location().url.endsWith("/favicon.ico") && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${pages.origin}${path}`);
    await page.waitForFunction("chatSocket.readyState === WebSocket.OPEN", undefined, { timeout: 5000 });
    return page;
  }

  const log = (page: Page): Promise<string> => page.inputValue("#chat-log");

  async function logIs(page: Page, expected: string[]): Promise<void> {
    const text = expected.map((line) => `${line}\n`).join("");
    await page.waitForFunction((want) => (document.querySelector("#chat-log") as HTMLTextAreaElement).value === want, text, { timeout: 5000 }).catch(() => undefined);
    expect(await log(page)).toBe(text);
  }

  async function members(room: string): Promise<number> {
    const res = await fetch(`${switchboard.url}/api/rooms/${room}/presence`);
    return ((await res.json()) as { members: unknown[] }).members.length;
  }

  async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it("two pages exchange lines and each log holds exactly those lines, also after a third page joins and leaves", async () => {
    const errors: string[] = [];
    const one = await open("/chat/lobby/", errors);
    const two = await open("/chat/lobby/", errors);
    await until(async () => (await members("lobby")) === 2);
    await new Promise((r) => setTimeout(r, 300)); // anything sent on connect has arrived by now
    expect(await log(one)).toBe("");
    expect(await log(two)).toBe("");

    // As the tutorial says: type, press Enter (page one) or click Send (page two).
    await one.fill("#chat-message-input", "hello from one");
    await one.press("#chat-message-input", "Enter");
    await logIs(one, ["hello from one"]);
    await logIs(two, ["hello from one"]);
    await two.fill("#chat-message-input", "and back from two");
    await two.click("#chat-message-submit");
    await logIs(one, ["hello from one", "and back from two"]);
    await logIs(two, ["hello from one", "and back from two"]);

    // A third page joins (the copy edited to reach Switchboard directly, cross-origin), says
    // something, and leaves: the first two see its line and nothing of its coming and going.
    const thirdErrors: string[] = [];
    const three = await open("/edited/chat/lobby/", thirdErrors);
    await until(async () => (await members("lobby")) === 3);
    await three.fill("#chat-message-input", "hello from three");
    await three.press("#chat-message-input", "Enter");
    await logIs(three, ["hello from three"]);
    await three.close();
    await until(async () => (await members("lobby")) === 2);
    await new Promise((r) => setTimeout(r, 300)); // a leave frame, if any were sent, has arrived by now

    await one.fill("#chat-message-input", "after three left");
    await one.press("#chat-message-input", "Enter");
    const expected = ["hello from one", "and back from two", "hello from three", "after three left"];
    await logIs(one, expected);
    await logIs(two, expected);
    for (const page of [one, two]) expect(await log(page)).not.toContain("undefined");
    expect(errors).toEqual([]);
    await Promise.all([one.close(), two.close()]);
  }, 60_000);
});
