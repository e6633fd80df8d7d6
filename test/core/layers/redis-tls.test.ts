import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisChannelLayer } from "../../../src/core/index.js";
import { findProgram } from "../../helpers/programs.js";
import { freePort } from "../../helpers/redis.js";

const redisBin = findProgram("Redis layer over TLS", "redis-server", "redis-server");
const opensslBin = findProgram("Redis layer over TLS", "openssl", "openssl");

describe.skipIf(!redisBin.available || !opensslBin.available)("RedisChannelLayer over TLS (rediss://)", () => {
  let stop: () => void = () => undefined;
  let url = "";
  let ca: Buffer;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-tls-"));
    execFileSync(opensslBin.path, [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    ca = readFileSync(join(dir, "cert.pem"));
    const port = await freePort();
    const child = spawn(redisBin.path, [
      "--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1",
      "--tls-cert-file", join(dir, "cert.pem"), "--tls-key-file", join(dir, "key.pem"), "--tls-ca-cert-file", join(dir, "cert.pem"),
      "--tls-auth-clients", "no", "--save", "", "--appendonly", "no",
    ], { stdio: "ignore" });
    stop = () => child.kill("SIGKILL");
    url = `rediss://127.0.0.1:${port}/0`;
    await new Promise((r) => setTimeout(r, 300));
  });

  afterAll(() => stop());

  it("sends, receives and fans out over TLS between two layers", async () => {
    const a = new RedisChannelLayer({ hosts: [url], tls: { ca } });
    const b = new RedisChannelLayer({ hosts: [url], tls: { ca } });
    try {
      await a.send("tls-work", { type: "job", n: 1 });
      expect(await b.receive("tls-work", { signal: AbortSignal.timeout(5000) })).toEqual({ type: "job", n: 1 });
      const inbox = await b.newChannel();
      await b.groupAdd("tls-group", inbox);
      await a.groupSend("tls-group", { type: "hello" });
      expect((await b.receive(inbox, { signal: AbortSignal.timeout(5000) })).type).toBe("hello");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("refuses a server whose certificate it cannot verify", async () => {
    const layer = new RedisChannelLayer({ hosts: [url] });
    try {
      await expect(layer.send("tls-work", { type: "job" })).rejects.toThrow();
    } finally {
      await layer.close();
    }
  });
});
