import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../src/core/index.js";
import { findProgram } from "../helpers/programs.js";
import { freePort } from "../helpers/redis.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const nginxBin = findProgram("nginx deployment test", "nginx", "nginx");
const root = join(import.meta.dirname, "../..");

describe.skipIf(!nginxBin.available)("deploy/nginx.conf in front of the server (real nginx)", () => {
  let server: TestServer;
  let nginx: ChildProcess;
  let proxyUrl = "";
  let log = "";

  beforeAll(async () => {
    server = await startTestServer({ TRUSTED_PROXIES: "127.0.0.1/32,::1/128" });
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "sb-nginx-"));
    // The shipped config, pointed at this test's ports.
    const site = readFileSync(join(root, "deploy/nginx.conf"), "utf8")
      .replace("server 127.0.0.1:8000;", `server ${new URL(server.url).host};`)
      .replace("listen 80;", `listen 127.0.0.1:${port};`);
    writeFileSync(join(dir, "site.conf"), site);
    writeFileSync(
      join(dir, "nginx.conf"),
      `worker_processes 1;\ndaemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fastcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;\n  include ${dir}/site.conf;\n}\n`,
    );
    nginx = spawn(nginxBin.path, ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: ["ignore", "pipe", "pipe"] });
    nginx.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    proxyUrl = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        if ((await fetch(`${proxyUrl}/healthz`)).ok) break;
      } catch {
        if (Date.now() > deadline) throw new Error(`nginx did not start: ${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 30_000);

  afterAll(async () => {
    nginx?.kill("SIGQUIT");
    await server?.close();
  });

  it("carries pages and the chat socket round trip through nginx, and 404s unknown socket paths", async () => {
    expect((await fetch(`${proxyUrl}/chat/lobby/`)).status).toBe(200);
    const ws = proxyUrl.replace("http", "ws");
    const a = new WebsocketCommunicator(ws, "/ws/chat/viaproxy/");
    const b = new WebsocketCommunicator(ws, "/ws/chat/viaproxy/");
    expect((await a.connect()).connected).toBe(true);
    expect((await b.connect()).connected).toBe(true);
    a.sendJson({ message: "through nginx" });
    expect(await a.receiveJson()).toMatchObject({ message: "through nginx" });
    expect(await b.receiveJson()).toMatchObject({ message: "through nginx" });
    expect((await new WebsocketCommunicator(ws, "/ws/nowhere/").connect()).status).toBe(404);
    await a.disconnect();
    await b.disconnect();
  });
});
