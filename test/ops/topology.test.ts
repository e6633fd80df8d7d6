import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../src/core/index.js";
import { startNode, type NodeProcess } from "../helpers/node-process.js";
import { findProgram } from "../helpers/programs.js";
import { freePort, startRedis, type RedisServer } from "../helpers/redis.js";

const nginxBin = findProgram("nginx + two nodes + Redis topology", "nginx", "nginx");
const redisBin = findProgram("nginx + two nodes + Redis topology", "redis-server", "redis-server");
const root = join(import.meta.dirname, "../..");

describe.skipIf(!nginxBin.available || !redisBin.available)("the compose topology without containers: nginx → two nodes → Redis", () => {
  let redis: RedisServer;
  const nodes: NodeProcess[] = [];
  let nginx: ChildProcess;
  let proxy = "";

  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
    const dataDir = mkdtempSync(join(tmpdir(), "sb-topology-"));
    const env = { REDIS_URL: redis.url, DATA_DIR: dataDir, TRUSTED_PROXIES: "127.0.0.1/32", METRICS_TOKEN: "topology-metrics-token" };
    nodes.push(await startNode(env));
    nodes.push(await startNode(env));
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "sb-topology-nginx-"));
    const site = readFileSync(join(root, "deploy/nginx-compose.conf"), "utf8")
      .replace("server node1:8000;", `server 127.0.0.1:${nodes[0]!.port};`)
      .replace("server node2:8000;", `server 127.0.0.1:${nodes[1]!.port};`)
      .replace("listen 80;", `listen 127.0.0.1:${port};`);
    writeFileSync(join(dir, "site.conf"), site);
    writeFileSync(
      join(dir, "nginx.conf"),
      `worker_processes 1;\ndaemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fastcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;\n  include ${dir}/site.conf;\n}\n`,
    );
    nginx = spawn(nginxBin.path, ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: "ignore" });
    proxy = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        if ((await fetch(`${proxy}/healthz`)).ok) break;
      } catch {
        if (Date.now() > deadline) throw new Error("nginx did not start");
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 60_000);

  afterAll(async () => {
    nginx?.kill("SIGQUIT");
    for (const n of nodes) await n.stop();
    await redis?.stop();
  });

  it("spreads sockets over both nodes and carries a room's lines between them", async () => {
    const ws = proxy.replace("http", "ws");
    const clients = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const c = new WebsocketCommunicator(ws, "/ws/chat/topology/");
        expect((await c.connect()).connected).toBe(true);
        return c;
      }),
    );
    const open = async (n: NodeProcess) => Number(/switchboard_open_sockets\{route="\/ws\/chat\/:roomName\/"\} (\d+)/.exec(await (await fetch(`${n.url}/metrics`, { headers: { authorization: "Bearer topology-metrics-token" } })).text())?.[1] ?? 0);
    expect(await open(nodes[0]!)).toBeGreaterThan(0);
    expect(await open(nodes[1]!)).toBeGreaterThan(0);
    clients[0]!.sendJson({ message: "across the cluster" });
    for (const c of clients) {
      for (;;) {
        const f = await c.receiveJson<{ message?: string }>(3000);
        if (f.message === "across the cluster") break;
      }
    }
    for (const c of clients) await c.disconnect();
  }, 30_000);
});
