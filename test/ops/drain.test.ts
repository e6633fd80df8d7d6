import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../src/core/index.js";
import { MessageStore } from "../../src/apps/chat/store.js";
import { openDatabase } from "../../src/storage/database.js";
import { startNode } from "../helpers/node-process.js";

describe("graceful drain on SIGTERM during traffic", () => {
  it("closes sockets with 1012, exits 0 in time, and loses nothing it acknowledged", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sb-drain-"));
    const node = await startNode({ DATA_DIR: dataDir, SHUTDOWN_TIMEOUT: "5", WS_RATE_LIMIT: "0" });
    const clients = await Promise.all(
      [0, 1, 2].map(async () => {
        const c = new WebsocketCommunicator(node.wsUrl, "/ws/chat/drain/");
        await c.connect();
        return c;
      }),
    );
    const acked = new Map<number, string>();
    const sender = clients[0]!;
    let sent = 0;
    let stop = false;
    // Keep sending; every line that comes back to the sender is acknowledged (stored, then broadcast).
    const pump = (async () => {
      while (!stop) {
        sender.sendJson({ message: `m${sent++}` });
        try {
          for (;;) {
            const f = await sender.receiveJson<{ id?: number; message?: string }>(2000);
            if (typeof f.id === "number" && f.message) {
              acked.set(f.id, f.message);
              break;
            }
          }
        } catch {
          return;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 600));
    const t0 = Date.now();
    const exit = node.stop("SIGTERM", 8000);
    const codes = await Promise.all(clients.map((c) => c.receiveClose(6000)));
    stop = true;
    await pump;
    expect(await exit).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(codes).toEqual([1012, 1012, 1012]);
    expect(acked.size).toBeGreaterThan(10);
    const db = openDatabase(`sqlite:${join(dataDir, "switchboard.sqlite")}`);
    const stored = new Map((await new MessageStore(db).after("drain", 0, 100_000)).map((l) => [l.id, l.message]));
    await db.destroy();
    for (const [id, message] of acked) expect(stored.get(id)).toBe(message);
  }, 40_000);
});
