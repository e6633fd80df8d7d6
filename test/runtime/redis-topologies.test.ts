import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator, connectRedis, isCluster, parseRedisNodes, type RedisTarget } from "../../src/core/index.js";
import { signUp } from "../helpers/forms.js";
import { findProgram } from "../helpers/programs.js";
import { startCluster, startSentinel, type RedisClusterSet, type SentinelSet } from "../helpers/redis.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const server = findProgram("the app on Redis Sentinel and Cluster", "redis-server", "redis-server");
const sentinelBin = findProgram("the app on Redis Sentinel", "redis-sentinel", "redis-sentinel");
const cli = findProgram("the app on Redis Cluster", "redis-cli", "redis-tools");

/** The next chat line a socket gets (presence frames skipped). */
async function line(socket: WebsocketCommunicator): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const frame = await socket.receiveJson<{ message?: unknown }>(3000);
    if (typeof frame.message === "string") return frame.message;
  }
  throw new Error("no line in 20 frames");
}

/**
 * Two app nodes (in process) on one Redis topology: chat crosses them, and the sign-in
 * throttle counts failures spread over both (its scripts run on the topology as they are).
 */
function describeTopology(name: string, skip: boolean, start: () => Promise<{ env: Record<string, string>; target: RedisTarget; stop(): Promise<void> }>): void {
  describe.skipIf(skip)(`two nodes on ${name}`, { timeout: 60_000 }, () => {
    let topology: Awaited<ReturnType<typeof start>>;
    let a: TestServer;
    let b: TestServer;
    const dataDir = mkdtempSync(join(tmpdir(), "sb-topology-"));
    beforeAll(async () => {
      topology = await start();
      const env = { ...topology.env, DATA_DIR: dataDir, BEAT: "0" };
      a = await startTestServer(env);
      b = await startTestServer(env);
    }, 60_000);
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await topology?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("carries a chat line from a socket on one node to a socket on the other, both ways", async () => {
      const onA = new WebsocketCommunicator(a.wsUrl, "/ws/chat/topology/");
      const onB = new WebsocketCommunicator(b.wsUrl, "/ws/chat/topology/");
      try {
        expect((await onA.connect()).connected).toBe(true);
        expect((await onB.connect()).connected).toBe(true);
        onA.sendJson({ message: "from A" });
        expect(await line(onA)).toBe("from A"); // its own echo
        expect(await line(onB)).toBe("from A");
        onB.sendJson({ message: "from B" });
        expect(await line(onB)).toBe("from B");
        expect(await line(onA)).toBe("from B");
      } finally {
        await onA.disconnect();
        await onB.disconnect();
      }
    });

    it("refuses the sixth failed sign-in on either node after five spread over both; the counts are in Redis", async () => {
      await signUp(a.url, "spread", "the right password here");
      const attempt = (node: TestServer, password: string): Promise<Response> =>
        fetch(`${node.url}/api/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "spread", password }) });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await attempt(i % 2 ? a : b, `wrong ${i}`)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      for (const node of [a, b]) expect((await attempt(node, "the right password here")).status).toBe(429);
      const client = connectRedis(topology.target);
      try {
        // KEYS answers for one server: on a Cluster, ask each primary.
        if (isCluster(client)) await client.ping(); // connected, so nodes() lists the primaries
        const servers = isCluster(client) ? client.nodes("master") : [client];
        const keys = (await Promise.all(servers.map((s) => s.keys("switchboard-login-*")))).flat();
        expect(keys.length).toBeGreaterThan(0);
      } finally {
        client.disconnect();
      }
    });
  });
}

describeTopology("Sentinel", !server.available || !sentinelBin.available, async () => {
  const set: SentinelSet = await startSentinel({ server: server.path, sentinel: sentinelBin.path });
  return { env: { REDIS_SENTINELS: set.sentinels, REDIS_SENTINEL_NAME: set.name }, target: { sentinels: parseRedisNodes(set.sentinels), name: set.name }, stop: () => set.stop() };
});

describeTopology("Cluster", !server.available || !cli.available, async () => {
  const set: RedisClusterSet = await startCluster({ primaries: 3, replicas: 0, server: server.path, cli: cli.path });
  return { env: { REDIS_CLUSTER: set.seeds }, target: { cluster: parseRedisNodes(set.seeds) }, stop: () => set.stop() };
});
