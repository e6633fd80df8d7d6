import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../src/core/index.js";
import { startNode } from "../helpers/node-process.js";

const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

describe("a client that never reads while another floods its room", () => {
  it("is dropped with 1013; the server's RSS grows by less than 48 MiB during an 80 MB flood; the healthy client keeps receiving", async () => {
    const node = await startNode({ DATA_DIR: mkdtempSync(join(tmpdir(), "sb-slow-")), WS_RATE_LIMIT: "0", WS_MAX_BUFFERED: String(512 * 1024), METRICS_TOKEN: "slow-reader-metrics-token" });
    try {
      const healthy = new WebsocketCommunicator(node.wsUrl, "/ws/chat/flood/");
      const slow = new WebsocketCommunicator(node.wsUrl, "/ws/chat/flood/");
      await healthy.connect();
      await slow.connect();
      slow.stopReading();
      const before = rssMiB(node.child.pid!);
      let peak = before;
      const line = "f".repeat(4000);
      // 20 000 lines of 4 KB: 80 MB that the server would hold for the slow client if it
      // did not drop it — far over the 48 MiB bound asserted below.
      for (let i = 0; i < 20_000; i++) {
        healthy.sendJson({ message: line });
        for (;;) {
          const f = await healthy.receiveJson<{ message?: string }>(5000);
          if (f.message === line) break;
        }
          if (i % 200 === 0) peak = Math.max(peak, rssMiB(node.child.pid!));
      }
      const metrics = await (await fetch(`${node.url}/metrics`, { headers: { authorization: "Bearer slow-reader-metrics-token" } })).text();
      expect(metrics).toMatch(/switchboard_slow_consumers_dropped_total 1/);
      expect(peak - before).toBeLessThan(48);
      healthy.sendJson({ message: "after the flood" });
      for (;;) {
        const f = await healthy.receiveJson<{ message?: string }>(3000);
        if (f.message === "after the flood") break;
      }
      await healthy.disconnect();
    } finally {
      await node.stop();
    }
  }, 90_000);
});
