import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../src/core/index.js";
import { startNode, type NodeProcess } from "../helpers/node-process.js";

/** What a bad input may get: an error frame (socket stays open) or a documented close code. */
const DOCUMENTED_CLOSES = new Set([1003, 1007, 1008, 1009]);

function corpus(): Array<{ label: string; data: string | Buffer; binary?: boolean }> {
  const items: Array<{ label: string; data: string | Buffer; binary?: boolean }> = [];
  const good = JSON.stringify({ message: "hello" });
  for (let i = 1; i < good.length; i++) items.push({ label: `truncated at ${i}`, data: good.slice(0, i) });
  for (const s of ["{", "}", "[", "]", "{{}}", "{'message': 'x'}", "{message: 1}", "nul", "NaN", "undefined", "{\"message\":}", "\u0000", "\"\\ud800\"", "{\"message\": \"a\",}"]) items.push({ label: `malformed ${s}`, data: s });
  for (const v of [null, true, 1, 1.5, "str", [], [1, 2], {}, { message: null }, { message: 5 }, { message: [] }, { message: {} }, { message: "" }, { message: " \n\t " }, { type: 5 }, { type: null }, { type: "history" }, { type: "history", after: -5 }, { type: "history", after: "1" }, { type: "history", after: 1e300 }]) {
    items.push({ label: `wrong type ${JSON.stringify(v)}`, data: JSON.stringify(v) });
  }
  for (const type of ["chat.message", "close", "accept", "constructor", "__proto__", "_private", "disconnect", "websocket.close", "presence.join", "x".repeat(200)]) {
    items.push({ label: `unknown type ${type.slice(0, 20)}`, data: JSON.stringify({ type, message: "x" }) });
  }
  for (const n of [4097, 8000, 30_000, 60_000]) items.push({ label: `huge message ${n}`, data: JSON.stringify({ message: "y".repeat(n) }) });
  items.push({ label: "frame over 64 KiB", data: JSON.stringify({ message: "z".repeat(70_000) }) });
  for (const depth of [2000, 30_000]) items.push({ label: `nesting ${depth} deep`, data: `{"message":"x","nested":${"[".repeat(depth)}${"]".repeat(depth)}}` });
  for (let i = 0; i < 20; i++) items.push({ label: `invalid utf-8 #${i}`, data: Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe - i]), Buffer.from('"}')]) });
  for (let i = 0; i < 30; i++) items.push({ label: `binary frame #${i}`, data: randomBytes(1 + i * 7), binary: true });
  for (let i = 0; i < 90; i++) items.push({ label: `random text #${i}`, data: randomBytes(1 + i * 3).toString("latin1") });
  return items;
}

describe("fault suite against a real server process", () => {
  let node: NodeProcess;
  beforeAll(async () => {
    node = await startNode({ DATA_DIR: mkdtempSync(join(tmpdir(), "sb-faults-")), WS_RATE_LIMIT: "0" });
  }, 30_000);
  afterAll(async () => {
    expect(await node.stop()).toBe(0);
  });

  async function healthyChat(): Promise<void> {
    const c = new WebsocketCommunicator(node.wsUrl, "/ws/chat/healthy/");
    expect((await c.connect()).connected).toBe(true);
    c.sendJson({ message: "still serving" });
    for (;;) {
      const f = await c.receiveJson<{ message?: string }>(3000);
      if (f.message === "still serving") break;
    }
    await c.disconnect();
  }

  it("answers each of 200+ bad frames with an error frame or a documented close, and keeps serving", async () => {
    const items = corpus();
    expect(items.length).toBeGreaterThanOrEqual(200);
    const outcomes: Record<string, number> = {};
    for (let batch = 0; batch < items.length; batch += 25) {
      await Promise.all(
        items.slice(batch, batch + 25).map(
          (item) =>
            new Promise<void>((resolve, reject) => {
              const ws = new WebSocket(`${node.wsUrl}/ws/chat/faults/`);
              const timer = setTimeout(() => reject(new Error(`no answer to ${item.label}`)), 5000);
              let sent = false;
              ws.on("message", (data) => {
                const frame = JSON.parse(data.toString()) as { type?: string; error?: string; message?: unknown };
                if (!sent || frame.type?.startsWith("presence")) return;
                clearTimeout(timer);
                const key = frame.error ? `error:${frame.error}` : typeof frame.message === "string" ? "stored" : "other";
                outcomes[key] = (outcomes[key] ?? 0) + 1;
                ws.terminate();
                resolve();
              });
              ws.on("close", (code) => {
                if (!sent) return;
                clearTimeout(timer);
                if (!DOCUMENTED_CLOSES.has(code) && code !== 1005 && code !== 1006) reject(new Error(`${item.label}: undocumented close ${code}`));
                outcomes[`close:${code}`] = (outcomes[`close:${code}`] ?? 0) + 1;
                resolve();
              });
              ws.on("error", () => undefined);
              ws.on("open", () => {
                // Wait for the presence preamble, then send the bad frame.
                setTimeout(() => {
                  sent = true;
                  ws.send(item.data, { binary: item.binary ?? false });
                }, 30);
              });
            }),
        ),
      );
      expect(node.child.exitCode).toBeNull();
      await healthyChat();
    }
    expect(outcomes["other"] ?? 0).toBe(0);
    expect(Object.keys(outcomes).every((k) => k.startsWith("error:") || k.startsWith("close:") || k === "stored")).toBe(true);
  }, 120_000);

  it("refuses bad socket paths (room and group names) at the handshake with 404", async () => {
    // (names as Django accepts them — `ü`, `a-b`, `测试` — are rooms now: see test/apps/chat/rooms.test.ts)
    for (const path of ["/ws/chat/bad room/", "/ws/chat/%00/", "/ws/chat/" + "a".repeat(200) + "/", "/room/bad group/", "/ws/chat/a%2Fb/", "/room/a!b/", "/ws/../etc/passwd"]) {
      const c = new WebsocketCommunicator(node.wsUrl, path);
      expect((await c.connect()).status).toBe(404);
    }
    await healthyChat();
  });
});
