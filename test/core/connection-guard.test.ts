import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { ConnectionGuard, InMemoryChannelLayer, SocketRouter, SocketServer, WebsocketConsumer, headerTimeouts } from "../../src/core/index.js";

class Echo extends WebsocketConsumer {
  override async receive(text: string | null): Promise<void> {
    if (text !== null) await this.send(text);
  }
}

/** A raw TCP connection to the server, recording what it reads and when it closes. */
interface Raw {
  socket: Socket;
  received(): string;
  /** Resolves with the milliseconds from connect to close. */
  closed: Promise<number>;
}

const servers: Server[] = [];
const raws: Socket[] = [];
afterEach(async () => {
  for (const s of raws.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function raw(port: number, localAddress = "127.0.0.1"): Raw {
  const started = Date.now();
  const socket = connect({ port, host: "127.0.0.1", localAddress });
  raws.push(socket);
  let text = "";
  socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
  socket.on("error", () => {});
  return { socket, received: () => text, closed: new Promise((resolve) => socket.once("close", () => resolve(Date.now() - started))) };
}

/** `ms` passed, or the promise settled: whichever comes first (`"open"` on time out). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | "open"> {
  return Promise.race([promise, new Promise<"open">((resolve) => setTimeout(() => resolve("open"), ms))]);
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function ok(): Server {
  return createServer((_req, res) => res.end("ok"));
}

describe("headerTimeouts", () => {
  it("sets Node's headersTimeout to the value and checks often enough to close within an eighth of it (at most 1 s)", () => {
    expect(headerTimeouts(10_000)).toEqual({ headersTimeout: 10_000, connectionsCheckingInterval: 1000 });
    expect(headerTimeouts(2000)).toEqual({ headersTimeout: 2000, connectionsCheckingInterval: 250 });
    expect(headerTimeouts(120_000).connectionsCheckingInterval).toBe(1000);
    expect(headerTimeouts(100).connectionsCheckingInterval).toBe(50);
    expect(() => headerTimeouts(0)).toThrow(TypeError);
    expect(() => headerTimeouts(1.5)).toThrow(TypeError);
  });
});

describe("ConnectionGuard", () => {
  it("rejects bad options with TypeError", () => {
    expect(() => new ConnectionGuard({ maxPerAddress: 0, headersTimeoutMs: 1000 })).toThrow(TypeError);
    expect(() => new ConnectionGuard({ maxPerAddress: 1, headersTimeoutMs: -1 })).toThrow(TypeError);
  });

  it("counts connections from accept until they close; one over the cap is destroyed at once, unread", async () => {
    const stats = { framesIn: 0, framesOut: 0, rateLimited: 0, slowConsumersDropped: 0, deadPeersDropped: 0, rejected: {} as Record<string, number> };
    const guard = new ConnectionGuard({ maxPerAddress: 3, headersTimeoutMs: 10_000, stats });
    const server = ok();
    guard.attach(server);
    let requests = 0;
    server.on("request", () => requests++);
    const port = await listen(server);
    const idle = [raw(port), raw(port), raw(port)];
    await until(() => guard.count("127.0.0.1") === 3);
    expect(guard.waiting).toBe(3);

    const over = raw(port);
    over.socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(await within(over.closed, 1000)).not.toBe("open");
    expect(over.received()).toBe("");
    expect(requests).toBe(0); // never parsed: refused before Node's parser took the socket
    expect(stats.rejected["429"]).toBe(1);
    expect(guard.count("127.0.0.1")).toBe(3);
    for (const r of idle) r.socket.destroy();
    await until(() => guard.count("127.0.0.1") === 0 && guard.waiting === 0);
  }, 10_000);

  it("lets another loopback address in while one is full, and the full one back in once it closes a connection", async () => {
    const guard = new ConnectionGuard({ maxPerAddress: 2, headersTimeoutMs: 10_000 });
    const server = ok();
    guard.attach(server);
    const port = await listen(server);
    const held = [raw(port), raw(port)];
    await until(() => guard.count("127.0.0.1") === 2);
    expect(await within(raw(port).closed, 1000)).not.toBe("open");

    const elsewhere = raw(port, "127.0.0.2");
    elsewhere.socket.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await elsewhere.closed;
    expect(elsewhere.received()).toMatch(/^HTTP\/1\.1 200 /);

    held[0]!.socket.destroy();
    await until(() => guard.count("127.0.0.1") === 1);
    const again = raw(port);
    again.socket.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await again.closed;
    expect(again.received()).toMatch(/^HTTP\/1\.1 200 /);
    await until(() => guard.count("127.0.0.1") === 1 && guard.count("127.0.0.2") === 0);
  }, 10_000);

  it("answers 408 SB_ERR_HEADERS_TIMEOUT to headers not complete in time, closes a silent connection without a word, leaves complete requests alone", async () => {
    const stats = { framesIn: 0, framesOut: 0, rateLimited: 0, slowConsumersDropped: 0, deadPeersDropped: 0, rejected: {} as Record<string, number> };
    const guard = new ConnectionGuard({ maxPerAddress: 10, headersTimeoutMs: 300, stats });
    const server = ok();
    guard.attach(server);
    const port = await listen(server);

    const slow = raw(port);
    slow.socket.write("GET / HTTP/1.1\r\nHost: x\r\n");
    const silent = raw(port);
    const quick = raw(port);
    quick.socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

    const slowClosed = await within(slow.closed, 1500);
    expect(slowClosed).not.toBe("open");
    expect(slowClosed as number).toBeGreaterThanOrEqual(250);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(JSON.parse(slow.received().split("\r\n\r\n")[1]!)).toEqual({ error: "SB_ERR_HEADERS_TIMEOUT", code: "SB_ERR_HEADERS_TIMEOUT" });
    expect(await within(silent.closed, 1500)).not.toBe("open");
    expect(silent.received()).toBe("");
    expect(stats.rejected["408"]).toBe(1);

    // The kept-alive connection answered in time is not touched by the header deadline.
    expect(await within(quick.closed, 700)).toBe("open");
    expect(quick.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(guard.waiting).toBe(0);
  }, 10_000);
});

/** A throwaway self-signed key and certificate, or null without the openssl command. */
function selfSigned(): { key: Buffer; cert: Buffer } | null {
  const dir = mkdtempSync(join(tmpdir(), "sb-guard-tls-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore", timeout: 10_000 });
  } catch {
    return null;
  }
  return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
}
const tls = selfSigned();

describe("ConnectionGuard on an https.Server", () => {
  it.skipIf(tls === null)("guards the TLS sockets requests are parsed from: a quick request is left alone, slow headers get 408", async () => {
    const guard = new ConnectionGuard({ maxPerAddress: 10, headersTimeoutMs: 300 });
    const server = createHttpsServer(tls!, (_req, res) => res.end("ok"));
    guard.attach(server);
    const port = await listen(server);
    const open = (): Promise<{ socket: Socket; text: () => string; closed: Promise<void> }> =>
      new Promise((resolve) => {
        const socket = tlsConnect({ port, host: "127.0.0.1", rejectUnauthorized: false }, () => resolve({ socket, text: () => text, closed }));
        raws.push(socket);
        let text = "";
        socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
        socket.on("error", () => {});
        const closed = new Promise<void>((done) => socket.once("close", () => done()));
      });
    const quick = await open();
    quick.socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const slow = await open();
    slow.socket.write("GET / HTTP/1.1\r\nHost: x\r\n");
    expect(await within(slow.closed, 1500)).not.toBe("open");
    expect(slow.text()).toMatch(/^HTTP\/1\.1 408 /);
    expect(await within(quick.closed, 500)).toBe("open");
    expect(quick.text()).toMatch(/^HTTP\/1\.1 200 /);
    expect(guard.count("127.0.0.1")).toBe(1);
  }, 15_000);
});

describe("SocketServer's guard", () => {
  it("counts an upgraded socket once, and a socket idle past the header timeout stays open", async () => {
    const server = createServer();
    const sockets = new SocketServer({
      app: new SocketRouter().route("/echo/", Echo).app(),
      layer: new InMemoryChannelLayer(),
      handshakeTimeout: 300,
      limits: { maxConnectionsPerIp: 2, pingIntervalMs: 0 },
    }).attach(server);
    const port = await listen(server);
    const open = async (): Promise<WebSocket> => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/echo/`);
      await new Promise((resolve, reject) => {
        ws.once("open", resolve);
        ws.once("error", reject);
      });
      return ws;
    };
    const a = await open();
    const b = await open(); // counted at accept only: a second count per socket would refuse this one
    expect(sockets.connections).toBe(2);
    await expect(open()).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 700));
    expect(a.readyState).toBe(WebSocket.OPEN);
    a.send("still here");
    expect(String(await new Promise((resolve) => a.once("message", resolve)))).toBe("still here");
    a.close();
    b.close();
    await sockets.close();
  }, 10_000);

  it("with guardConnections: false, counts upgrades only (429 at the handshake) and sets no header deadline", async () => {
    const server = ok();
    const sockets = new SocketServer({
      app: new SocketRouter().route("/echo/", Echo).app(),
      layer: null,
      handshakeTimeout: 300,
      guardConnections: false,
      limits: { maxConnectionsPerIp: 1, pingIntervalMs: 0 },
    }).attach(server);
    const port = await listen(server);
    const idle = raw(port);
    const first = new WebSocket(`ws://127.0.0.1:${port}/echo/`);
    await new Promise((resolve) => first.once("open", resolve));
    const second = new WebSocket(`ws://127.0.0.1:${port}/echo/`);
    const status = await new Promise<number>((resolve) => second.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(429);
    expect(await within(idle.closed, 700)).toBe("open");
    first.close();
    await sockets.close();
  }, 10_000);
});
