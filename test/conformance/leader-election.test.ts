import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { SoleLeader, type LeaderElection } from "../../src/beat/leader.js";
import { RedisLeaderElection } from "../../src/beat/leader-redis.js";
import { findProgram } from "../helpers/programs.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { describeLeaderElection } from "./leader-election-suite.js";

/** Candidates made by a harness, stopped by its close(). */
function harnessOf(make: () => LeaderElection): { candidate(): LeaderElection; close(): Promise<void> } {
  const made: LeaderElection[] = [];
  return {
    candidate: () => {
      const c = make();
      made.push(c);
      return c;
    },
    close: async () => {
      await Promise.all(made.map((c) => c.stop()));
    },
  };
}

const until = async (condition: () => boolean, ms: number): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return condition();
};

describeLeaderElection("SoleLeader", async () => harnessOf(() => new SoleLeader()), { cluster: false });

const redisBin = findProgram("Redis leader election conformance", "redis-server", "redis-server");

describe.skipIf(!redisBin.available)("RedisLeaderElection", () => {
  let redis: RedisServer;
  let n = 0;
  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  describeLeaderElection(
    "RedisLeaderElection",
    async ({ leaseMs }) => {
      // A fresh key prefix per election: elections never see each other's locks.
      const prefix = `leader${n++}`;
      return harnessOf(() => new RedisLeaderElection({ url: redis.url, prefix, leaseMs }));
    },
    { cluster: true },
  );

  it("refuses a lease under 300 ms", () => {
    expect(() => new RedisLeaderElection({ url: redis.url, leaseMs: 299 })).toThrow(TypeError);
  });

  it("a leader whose lock another node now holds stops leading at its next renewal, and leads again once the lock is free", async () => {
    const election = new RedisLeaderElection({ url: redis.url, prefix: "stolen", leaseMs: 300 });
    const raw = new Redis(redis.url);
    try {
      await election.start();
      expect(election.isLeader).toBe(true);
      // As after a pause longer than the lease: the lease ran out and another node won it.
      await raw.set("stolen:beat:leader", "another-node", "PX", 5000);
      expect(await until(() => !election.isLeader, 1000)).toBe(true);
      expect(await raw.get("stolen:beat:leader")).toBe("another-node"); // never touched another's lock
      await raw.del("stolen:beat:leader");
      expect(await until(() => election.isLeader, 1000)).toBe(true);
    } finally {
      raw.disconnect();
      await election.stop();
    }
  });

  it("loses the leadership while Redis is unreachable and wins it back when Redis returns", async () => {
    const own = await startRedis(redisBin.path);
    const election = new RedisLeaderElection({ url: own.url, prefix: "outage", leaseMs: 300 });
    try {
      await election.start();
      expect(election.isLeader).toBe(true);
      await own.kill();
      expect(await until(() => !election.isLeader, 5000)).toBe(true);
      await own.restart();
      expect(await until(() => election.isLeader, 10_000)).toBe(true);
    } finally {
      await election.stop();
      await own.stop();
    }
  });
});
