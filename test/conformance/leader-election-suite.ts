import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LeaderElection } from "../../src/beat/leader.js";

/** Candidates under test, all on one election backend. */
export interface ElectionHarness {
  /** A new candidate (one node), not started. */
  candidate(): LeaderElection;
  /** Stops every candidate made and releases the backend. */
  close(): Promise<void>;
}

/** Builds a fresh election for one test; `leaseMs` is how long a leadership lasts unrenewed, where it has a lease. */
export type ElectionFactory = (options: { leaseMs: number }) => Promise<ElectionHarness>;

/** What the implementation does, beyond what every election does. */
export interface ElectionCapabilities {
  /**
   * Candidates on several nodes compete and at most one leads. False for the one-process
   * mode, where each candidate is its own cluster and always leads once started.
   */
  cluster: boolean;
}

/** Lease the suite runs with: short, so hand-overs are quick on a real clock. */
const LEASE_MS = 300;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Samples `read` every 10 ms for `ms`; returns every value seen. */
async function watch<T>(ms: number, read: () => T): Promise<T[]> {
  const seen: T[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    seen.push(read());
    await sleep(10);
  }
  return seen;
}

async function until(what: string, condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

/**
 * The {@link LeaderElection} contract (src/beat/leader.ts), run by every implementation:
 * `describeLeaderElection("SoleLeader", factory, { cluster: false })`.
 */
export function describeLeaderElection(name: string, factory: ElectionFactory, capabilities: ElectionCapabilities): void {
  describe(`${name} conformance`, () => {
    let harness: ElectionHarness;
    beforeEach(async () => {
      harness = await factory({ leaseMs: LEASE_MS });
    });
    afterEach(async () => {
      await harness.close();
    });

    it("is not the leader before start", async () => {
      const c = harness.candidate();
      expect(c.isLeader).toBe(false);
      await sleep(LEASE_MS);
      expect(c.isLeader).toBe(false);
    });

    it("a lone candidate leads as soon as start resolves", async () => {
      const c = harness.candidate();
      await c.start();
      expect(c.isLeader).toBe(true);
    });

    it("keeps the leadership, without a gap, for as long as it runs", async () => {
      const c = harness.candidate();
      await c.start();
      const seen = await watch(LEASE_MS * 4, () => c.isLeader);
      expect(seen.every(Boolean)).toBe(true);
    });

    it("stop gives the leadership up at once and for good", async () => {
      const c = harness.candidate();
      await c.start();
      await c.stop();
      expect(c.isLeader).toBe(false);
      const seen = await watch(LEASE_MS * 3, () => c.isLeader);
      expect(seen.some(Boolean)).toBe(false);
    });

    it("stop is harmless before start and when repeated", async () => {
      const never = harness.candidate();
      await never.stop();
      expect(never.isLeader).toBe(false);
      const c = harness.candidate();
      await c.start();
      await c.stop();
      await c.stop();
      expect(c.isLeader).toBe(false);
    });

    if (capabilities.cluster) {
      it("of candidates started together, exactly one leads, at every moment", async () => {
        const candidates = [harness.candidate(), harness.candidate(), harness.candidate()];
        await Promise.all(candidates.map((c) => c.start()));
        const leaders = await watch(LEASE_MS * 4, () => candidates.filter((c) => c.isLeader).length);
        expect(new Set(leaders)).toEqual(new Set([1]));
      });

      it("a candidate that starts later does not take over from a running leader", async () => {
        const first = harness.candidate();
        await first.start();
        const later = harness.candidate();
        await later.start();
        expect(later.isLeader).toBe(false);
        const seen = await watch(LEASE_MS * 4, () => [first.isLeader, later.isLeader].join());
        expect(new Set(seen)).toEqual(new Set(["true,false"]));
      });

      it("when the leader stops, another takes over before its lease would have run out, and never two at once", async () => {
        // A long lease here: a leader that stopped without giving the lease up would be
        // replaced only once it ran out, well after the bound below.
        const leaseMs = 1500;
        const long = await factory({ leaseMs });
        try {
          const candidates = [long.candidate(), long.candidate(), long.candidate()];
          await Promise.all(candidates.map((c) => c.start()));
          const leader = candidates.find((c) => c.isLeader)!;
          expect(leader).toBeDefined();
          const others = candidates.filter((c) => c !== leader);
          let most = 0;
          const stoppedAt = Date.now();
          await leader.stop();
          await until(
            "another candidate leads",
            () => {
              most = Math.max(most, others.filter((c) => c.isLeader).length);
              return most > 0;
            },
            leaseMs * 3,
          );
          expect(Date.now() - stoppedAt).toBeLessThan((leaseMs * 2) / 3);
          const after = await watch(leaseMs, () => others.filter((c) => c.isLeader).length);
          expect(Math.max(most, ...after)).toBe(1);
          expect(Math.min(...after)).toBe(1);
          expect(leader.isLeader).toBe(false);
        } finally {
          await long.close();
        }
      });
    } else {
      it("every started candidate leads its own process", async () => {
        const [a, b] = [harness.candidate(), harness.candidate()];
        await a.start();
        await b.start();
        expect([a.isLeader, b.isLeader]).toEqual([true, true]);
      });
    }
  });
}
