import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { workerRoutes } from "../../src/app.js";
import { tasksApp } from "../../src/apps/tasks/index.js";
import { Beat, SoleLeader, planSchedule } from "../../src/beat/index.js";
import type { AppContext } from "../../src/apps/module.js";
import { InMemoryChannelLayer, WebsocketCommunicator, Worker, type SocketApp } from "../../src/core/index.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

// beatserver's tutorial, end to end: the scheduler sends {"type": "test.print", "message":
// {...}} to the channel testing-print; its worker's testPrint prints it and group-sends it to
// "beat"; /ws/beat/ relays it to the sockets as {"type", "message"}.

const TUTORIAL_FRAME = { type: "test.print", message: { testing: "one" } };

/** Captures what the print worker writes to stdout (it prints there, as the tutorial's `print` does). */
function captureStdout(): () => string {
  let out = "";
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, "write").mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return write(chunk, ...rest);
  }) as typeof process.stdout.write);
  return () => out;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the beat chain on the parts (one layer, the tasks module's worker and socket)", () => {
  const layer = new InMemoryChannelLayer();
  let router: SocketApp;
  const worker = new Worker({ layer, router: workerRoutes([tasksApp]), channels: ["testing-print"] }).start();

  beforeAll(async () => {
    // The module's own socket routes; it uses none of the shared services.
    const parts = await tasksApp.start({ layer } as unknown as AppContext);
    router = parts.sockets!.router.app();
  });

  afterAll(async () => {
    await worker.stop();
    await layer.close();
  });

  it("scheduler → testing-print → testPrint prints it → group beat → the socket gets {type, message}", async () => {
    const printed = captureStdout();
    const socket = new WebsocketCommunicator(router, "/ws/beat/", { layer });
    await socket.connect();
    const beat = new Beat({ entries: planSchedule({ "testing-print": [{ ...TUTORIAL_FRAME, schedule: 0.2 }] }), layer, election: new SoleLeader() });
    await beat.start();
    try {
      expect(await socket.receiveJson(3000)).toStrictEqual(TUTORIAL_FRAME);
      expect(await socket.receiveJson(3000)).toStrictEqual(TUTORIAL_FRAME);
    } finally {
      await beat.stop();
    }
    expect(printed()).toContain('[testing-print] {"type":"test.print","message":{"testing":"one"}}\n');
    await socket.disconnect();
  });

  it("relays any message of the group: a named entry's {name, ts, payload} becomes the frame's message", async () => {
    const socket = new WebsocketCommunicator(router, "/ws/beat/", { layer });
    await socket.connect();
    await layer.groupSend("beat", { type: "news.flash", name: "news", ts: 1000, payload: { headline: "hi" } });
    await layer.groupSend("beat", { type: "plain.text", message: "just a string" });
    expect(await socket.receiveJson(1000)).toStrictEqual({ type: "news.flash", message: { name: "news", ts: 1000, payload: { headline: "hi" } } });
    expect(await socket.receiveJson(1000)).toStrictEqual({ type: "plain.text", message: "just a string" });
    // The socket stays open after types it has no handler for (a relay has none to miss).
    socket.sendJson({ type: "ignored" });
    expect(await socket.receiveNothing(200)).toBe(true);
    await socket.disconnect();
  });

  it("keeps the old print handler: {type: print, text, replyGroup} prints text and answers print.done", async () => {
    const printed = captureStdout();
    const inbox = await layer.newChannel();
    await layer.groupAdd("print-results", inbox);
    await layer.send("testing-print", { type: "print", text: "hello", replyGroup: "print-results" });
    expect(await layer.receive(inbox, { signal: AbortSignal.timeout(2000) })).toStrictEqual({ type: "print.done", text: "hello" });
    expect(printed()).toContain("[testing-print] hello\n");
  });

  it("print also reads a named beat entry's payload: {type: print, name, ts, payload: {text, replyGroup}}", async () => {
    const printed = captureStdout();
    const inbox = await layer.newChannel();
    await layer.groupAdd("ping-results", inbox);
    const beat = new Beat({
      entries: planSchedule({ ping: { channel: "testing-print", type: "print", every: "200ms", payload: { text: "hi", replyGroup: "ping-results" } } }),
      layer,
      election: new SoleLeader(),
    });
    await beat.start();
    try {
      expect(await layer.receive(inbox, { signal: AbortSignal.timeout(2000) })).toStrictEqual({ type: "print.done", text: "hi" });
    } finally {
      await beat.stop();
    }
    expect(printed()).toContain("[testing-print] hi\n");
  });
});

describe("the beat chain in a whole server: WORKERS=testing-print, the tutorial's BEAT_SCHEDULE file", () => {
  let server: TestServer;
  let printed: () => string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-beat-chain-"));
    const file = join(dir, "beat.json");
    writeFileSync(file, JSON.stringify({ "testing-print": [{ type: "test.print", message: { testing: "one" }, schedule: 1 }] }));
    server = await startTestServer({ WORKERS: "testing-print", BEAT_SCHEDULE: file });
  });

  afterAll(async () => {
    await server?.close();
  });

  it("each second, every /ws/beat/ socket gets the tick once as {type, message}", async () => {
    printed = captureStdout();
    const sockets = [new WebsocketCommunicator(server.wsUrl, "/ws/beat/"), new WebsocketCommunicator(server.wsUrl, "/ws/beat/")];
    for (const s of sockets) expect(await s.connect()).toMatchObject({ connected: true });
    const arrivals: number[][] = [[], []];
    for (let i = 0; i < 3; i++) {
      for (const [k, s] of sockets.entries()) {
        expect(await s.receiveJson(3000)).toStrictEqual(TUTORIAL_FRAME);
        arrivals[k]!.push(Date.now());
      }
    }
    for (const times of arrivals) {
      // One frame per tick: consecutive frames a second apart, not two of one tick.
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThan(500);
    }
    expect(printed().match(/\[testing-print\] \{"type":"test\.print","message":\{"testing":"one"\}\}/g)!.length).toBeGreaterThanOrEqual(3);
    for (const s of sockets) await s.disconnect();
  });

  it("the lobby page loads the beat script and has the place for the latest beat", async () => {
    const html = await (await fetch(`${server.url}/chat/`)).text();
    const src = html.match(/<script type="module" src="(\/assets\/lobby-[A-Z2-7]{8}\.js)"><\/script>/)?.[1];
    expect(src).toBeDefined();
    expect(html).toContain('id="beat-latest"');
    const script = await fetch(`${server.url}${src}`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('"/ws/beat/"');
  });
});
