import { afterEach, describe, expect, it, vi } from "vitest";
import type { WebSocket } from "ws";
import { Pinger } from "../../src/core/pinger.js";

/** A socket that counts its pings and answers them (or not) into `alive`, as a peer would. */
function peer(alive: WeakSet<WebSocket>, answers: boolean): WebSocket & { pings: number; terminated: boolean } {
  const ws = {
    pings: 0,
    terminated: false,
    ping() {
      ws.pings++;
      if (answers) alive.add(ws as unknown as WebSocket);
    },
    terminate() {
      ws.terminated = true;
    },
  };
  return ws as unknown as WebSocket & { pings: number; terminated: boolean };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("Pinger", () => {
  it("pings each socket once per interval, spread over ticks of 100 ms, and drops a silent one within two intervals", () => {
    vi.useFakeTimers();
    const open = new Map<WebSocket, unknown>();
    const alive = new WeakSet<WebSocket>();
    const peers = Array.from({ length: 1000 }, (_, i) => peer(alive, i !== 7));
    for (const p of peers) {
      open.set(p, null);
      alive.add(p);
    }
    let dead = 0;
    const pinger = new Pinger(open, alive, 1000, () => dead++);
    try {
      // One tick: a tenth of them, not all at once.
      vi.advanceTimersByTime(100);
      expect(peers.reduce((n, p) => n + p.pings, 0)).toBe(100);
      vi.advanceTimersByTime(900);
      expect(peers.every((p) => p.pings === 1)).toBe(true);
      // A newcomer during the next round is visited by its last tick at the latest.
      const late = peer(alive, true);
      vi.advanceTimersByTime(500);
      open.set(late, null);
      alive.add(late);
      vi.advanceTimersByTime(500);
      expect(late.pings).toBe(1);
      expect(peers.filter((p) => !p.terminated).every((p) => p.pings === 2)).toBe(true);
      // The peer that never answered: gone at its second check, counted once.
      expect(peers[7]!.terminated).toBe(true);
      expect(dead).toBe(1);
      expect(peers.filter((p) => p.terminated)).toHaveLength(1);
    } finally {
      pinger.stop();
    }
  });

  it("visits a lone socket once per interval, not once per tick", () => {
    vi.useFakeTimers();
    const open = new Map<WebSocket, unknown>();
    const alive = new WeakSet<WebSocket>();
    const only = peer(alive, true);
    open.set(only, null);
    alive.add(only);
    const pinger = new Pinger(open, alive, 30_000, () => {});
    try {
      vi.advanceTimersByTime(90_000);
      expect(only.pings).toBe(3);
    } finally {
      pinger.stop();
    }
  });
});
