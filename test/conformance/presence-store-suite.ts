import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PresenceMember, PresenceStore } from "../../src/apps/chat/presence-store.js";

/** Stores under test: several nodes' views of one presence backend. */
export interface PresenceHarness {
  /**
   * One node's store on the shared backend (Redis: a new connection on the same prefix).
   * A store that lives in one process has one node: it returns the same store every time.
   */
  node(): PresenceStore;
  /** Closes every store `node()` made. */
  close(): Promise<void>;
}

/** Builds a fresh, empty backend for one test; `ttlMs` is how long a heartbeat lasts where members lapse. */
export type PresenceFactory = (options: { ttlMs: number }) => Promise<PresenceHarness>;

/** What the implementation does, beyond what every store does. */
export interface PresenceCapabilities {
  /**
   * Members lapse when their heartbeat is not refreshed for `ttlMs` (a node that died
   * without saying goodbye). False for a store in one process, whose members leave only
   * when their socket closes.
   */
  lapses: boolean;
}

/** Heartbeat lifetime the suite runs with: short, so lapse tests stay fast on a real clock. */
const TTL_MS = 300;

const amy: PresenceMember = { id: "c1", user: "amy" };
const bob: PresenceMember = { id: "c2", user: "bob" };
const zoe: PresenceMember = { id: "c3", user: "zoë 🎈" };

const byId = (members: PresenceMember[]): PresenceMember[] => [...members].sort((a, b) => a.id.localeCompare(b.id));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The {@link PresenceStore} contract (src/apps/chat/presence-store.ts), run by every
 * implementation: `describePresenceStore("MemoryPresenceStore", factory, { lapses: false })`.
 */
export function describePresenceStore(name: string, factory: PresenceFactory, capabilities: PresenceCapabilities): void {
  describe(`${name} conformance`, () => {
    let harness: PresenceHarness;
    let store: PresenceStore;
    beforeEach(async () => {
      harness = await factory({ ttlMs: TTL_MS });
      store = harness.node();
    });
    afterEach(async () => {
      await harness.close();
    });

    it("an unknown room has no members", async () => {
      expect(await store.members("nobody-here")).toEqual([]);
    });

    it("records members per room, exactly as joined", async () => {
      await store.join("lobby", amy);
      await store.join("lobby", zoe);
      await store.join("kitchen", bob);
      expect(byId(await store.members("lobby"))).toEqual([amy, zoe]);
      expect(await store.members("kitchen")).toEqual([bob]);
    });

    it("joining again with the same id replaces the record instead of adding one", async () => {
      await store.join("lobby", amy);
      await store.join("lobby", { id: amy.id, user: "amy-renamed" });
      expect(await store.members("lobby")).toEqual([{ id: amy.id, user: "amy-renamed" }]);
    });

    it("leave removes the member and says whether it was there", async () => {
      await store.join("lobby", amy);
      await store.join("lobby", bob);
      expect(await store.leave("lobby", amy.id)).toBe(true);
      expect(await store.members("lobby")).toEqual([bob]);
      expect(await store.leave("lobby", amy.id)).toBe(false);
      expect(await store.leave("lobby", "never-joined")).toBe(false);
      expect(await store.leave("no-such-room", amy.id)).toBe(false);
    });

    it("counts a room's members, and lists at most `limit` of them", async () => {
      expect(await store.count("lobby")).toBe(0);
      await store.join("lobby", amy);
      await store.join("lobby", bob);
      await store.join("lobby", zoe);
      await store.join("kitchen", bob);
      expect(await store.count("lobby")).toBe(3);
      expect(await store.count("kitchen")).toBe(1);
      const two = await store.members("lobby", 2);
      expect(two).toHaveLength(2);
      for (const m of two) expect([amy, bob, zoe]).toContainEqual(m);
      expect(byId(await store.members("lobby", 10))).toEqual([amy, bob, zoe]);
      expect(await store.members("lobby", 0)).toEqual([]);
      await store.join("lobby", { id: amy.id, user: "amy-renamed" }); // a refresh is no new member
      expect(await store.count("lobby")).toBe(3);
      await store.leave("lobby", bob.id);
      expect(await store.count("lobby")).toBe(2);
      expect(await store.count("kitchen")).toBe(1);
    });

    it("rooms are separate: leaving one keeps the same id in another", async () => {
      await store.join("lobby", amy);
      await store.join("kitchen", amy);
      expect(await store.leave("lobby", amy.id)).toBe(true);
      expect(await store.members("lobby")).toEqual([]);
      expect(await store.members("kitchen")).toEqual([amy]);
    });

    it("a member can rejoin after leaving", async () => {
      await store.join("lobby", amy);
      await store.leave("lobby", amy.id);
      await store.join("lobby", amy);
      expect(await store.members("lobby")).toEqual([amy]);
      expect(await store.leave("lobby", amy.id)).toBe(true);
    });

    it("every node sees the same members", async () => {
      const [a, b] = [harness.node(), harness.node()];
      await a.join("lobby", amy);
      await b.join("lobby", bob);
      expect(byId(await a.members("lobby"))).toEqual([amy, bob]);
      expect(byId(await b.members("lobby"))).toEqual([amy, bob]);
      expect(await b.leave("lobby", amy.id)).toBe(true);
      expect(await a.members("lobby")).toEqual([bob]);
    });

    it("when several nodes remove one member at once, exactly one is told it was there", async () => {
      const nodes = [harness.node(), harness.node(), harness.node()];
      await nodes[0]!.join("lobby", amy);
      const results = await Promise.all(nodes.map((n) => n.leave("lobby", amy.id)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await nodes[1]!.members("lobby")).toEqual([]);
    });

    it("touch never brings back a member that left, nor adds one that never joined", async () => {
      await store.join("lobby", amy);
      await store.leave("lobby", amy.id);
      await store.touch([["lobby", amy.id], ["lobby", bob.id]]);
      await store.touch([]);
      expect(await store.members("lobby")).toEqual([]);
      expect(await store.sweep()).toEqual([]);
    });

    it("sweep never removes a member that is kept alive", async () => {
      await store.join("lobby", amy);
      await store.join("kitchen", bob);
      for (let i = 0; i < 6; i++) {
        await sleep(TTL_MS / 3);
        await store.touch([["lobby", amy.id], ["kitchen", bob.id]]);
        expect(await store.sweep()).toEqual([]);
      }
      expect(await store.members("lobby")).toEqual([amy]);
      expect(await store.members("kitchen")).toEqual([bob]);
    });

    if (capabilities.lapses) {
      it("a member not touched for the heartbeat lifetime is gone at once, before any sweep", async () => {
        await store.join("lobby", amy);
        await store.join("lobby", bob);
        for (let i = 0; i < 4; i++) {
          await sleep(TTL_MS / 3);
          await store.touch([["lobby", bob.id]]);
        }
        expect(await store.members("lobby")).toEqual([bob]);
      });

      it("one touch keeps a whole crowd, past any batch size, and only the members it names", async () => {
        const crowd = Array.from({ length: 1203 }, (_, i) => ({ id: `m${i}`, user: "u" }));
        for (const m of crowd) await store.join("hall", m);
        await store.join("kitchen", zoe);
        for (let i = 0; i < 4; i++) {
          await sleep(TTL_MS / 3);
          await store.touch([...crowd.map((m) => ["hall", m.id] as [string, string]), ["kitchen", "never-joined"]]);
        }
        expect(await store.count("hall")).toBe(1203);
        expect((await store.members("hall")).length).toBe(1203);
        expect(await store.members("kitchen")).toEqual([]);
      });

      it("sweep removes lapsed members and returns each once, with its room, across nodes", async () => {
        const [a, b, c] = [harness.node(), harness.node(), harness.node()];
        await a.join("lobby", amy); // node a then dies: nobody touches amy again
        await a.join("kitchen", zoe);
        await b.join("lobby", bob);
        for (let i = 0; i < 4; i++) {
          await sleep(TTL_MS / 3);
          await b.touch([["lobby", bob.id]]);
        }
        const swept = (await Promise.all([a.sweep(), b.sweep(), c.sweep()])).flat();
        expect(swept.sort((x, y) => x.member.id.localeCompare(y.member.id))).toEqual([
          { room: "lobby", member: amy },
          { room: "kitchen", member: zoe },
        ]);
        expect(await c.sweep()).toEqual([]);
        expect(await c.members("lobby")).toEqual([bob]);
        expect(await c.members("kitchen")).toEqual([]);
        // Swept is gone: leave finds nothing to announce, and the id may join afresh.
        expect(await a.leave("lobby", amy.id)).toBe(false);
        await a.join("lobby", amy);
        expect(byId(await c.members("lobby"))).toEqual([amy, bob]);
      });

      it("joining again refreshes the heartbeat", async () => {
        await store.join("lobby", amy);
        await sleep(TTL_MS * 0.6);
        await store.join("lobby", amy);
        await sleep(TTL_MS * 0.6);
        expect(await store.members("lobby")).toEqual([amy]);
        expect(await store.sweep()).toEqual([]);
      });
    } else {
      it("members never lapse: they stay, untouched, until they leave", async () => {
        await store.join("lobby", amy);
        await sleep(TTL_MS + 100);
        expect(await store.sweep()).toEqual([]);
        expect(await store.members("lobby")).toEqual([amy]);
      });
    }
  });
}
