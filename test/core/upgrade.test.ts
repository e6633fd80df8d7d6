import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { InMemoryChannelLayer, SocketRouter, SocketServer, WebsocketConsumer } from "../../src/core/index.js";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

/** Joins a group on connect and records what happens to it. */
class Joiner extends WebsocketConsumer {
  static connected = 0;
  static disconnected: number[] = [];
  override get groups(): string[] {
    return ["joiners"];
  }
  override async connect(): Promise<void> {
    Joiner.connected++;
    // Long enough for a half-closed peer's FIN to arrive before the upgrade.
    await new Promise((r) => setTimeout(r, 100));
    await this.accept();
  }
  override async disconnect(code: number): Promise<void> {
    Joiner.disconnected.push(code);
  }
}

let server: Server;
let sockets: SocketServer;
let layer: InMemoryChannelLayer;

async function start(): Promise<number> {
  Joiner.connected = 0;
  Joiner.disconnected = [];
  layer = new InMemoryChannelLayer({ capacity: 1 });
  server = createServer();
  sockets = new SocketServer({ app: new SocketRouter().route("/j/", Joiner).app(), layer }).attach(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  await sockets.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await layer.close();
});

/** Sends a raw request head; resolves with the whole answer once the server closes. */
function raw(port: number, head: string, { halfClose = false } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(`${head}\r\n\r\n`);
      if (halfClose) socket.end();
    });
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk.toString("latin1")));
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
  });
}

/** The first line of the answer; the connection is dropped after it. */
function statusLine(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(`${head}\r\n\r\n`));
    socket.once("data", (chunk) => {
      resolve(chunk.toString("latin1").split("\r\n")[0]!);
      socket.destroy();
    });
    socket.on("error", reject);
  });
}

const upgrade = (lines: string[], method = "GET"): string =>
  [`${method} /j/ HTTP/1.1`, "Host: test", "Connection: Upgrade", ...lines].join("\r\n");

describe("upgrade requests ws would refuse", () => {
  it("are refused with the catalogued status before any consumer runs", async () => {
    const port = await start();
    const cases: Array<[string, string, RegExp]> = [
      [upgrade(["Upgrade: h2c", `Sec-WebSocket-Key: ${KEY}`, "Sec-WebSocket-Version: 13"]), "400", /Invalid Upgrade header/],
      [upgrade(["Upgrade: websocket", "Sec-WebSocket-Version: 13"]), "400", /Sec-WebSocket-Key/],
      [upgrade(["Upgrade: websocket", `Sec-WebSocket-Key: ${KEY}`, "Sec-WebSocket-Version: 99"]), "400", /Sec-WebSocket-Version: 13, 8/],
      [upgrade(["Upgrade: websocket", `Sec-WebSocket-Key: ${KEY}`, "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: a, a"]), "400", /Sec-WebSocket-Protocol/],
      [upgrade(["Upgrade: websocket", `Sec-WebSocket-Key: ${KEY}`, "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: a b"]), "400", /Sec-WebSocket-Protocol/],
      [upgrade(["Upgrade: websocket", `Sec-WebSocket-Key: ${KEY}`, "Sec-WebSocket-Version: 13", "Content-Length: 0"], "POST"), "405", /Allow: GET/],
    ];
    for (const [head, status, detail] of cases) {
      const answer = await raw(port, head);
      expect(answer.split("\r\n")[0], head).toBe(`HTTP/1.1 ${status} ${status === "405" ? "Method Not Allowed" : "Bad Request"}`);
      expect(answer, head).toMatch(detail);
    }
    expect(Joiner.connected).toBe(0);
    expect(sockets.stats.rejected).toEqual({ 400: 5, 405: 1 });
  });

  it("a valid subprotocol list still gets through", async () => {
    const port = await start();
    const head = upgrade(["Upgrade: websocket", `Sec-WebSocket-Key: ${KEY}`, "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: a,b , c"]);
    expect(await statusLine(port, head)).toBe("HTTP/1.1 101 Switching Protocols");
    expect(Joiner.connected).toBe(1);
  });
});

describe("a peer that half-closes during the handshake", () => {
  it("ends the consumer with 1006 and leaves its groups instead of waiting forever", async () => {
    const port = await start();
    await raw(port, upgrade(["Upgrade: websocket", `Sec-WebSocket-Key: ${KEY}`, "Sec-WebSocket-Version: 13"]), { halfClose: true });
    const deadline = Date.now() + 2000;
    while (Joiner.disconnected.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(Joiner.connected).toBe(1);
    expect(Joiner.disconnected).toEqual([1006]);
    // The group is empty again: with capacity 1, a member left behind would drop the second send.
    await layer.groupSend("joiners", { type: "x" });
    await layer.groupSend("joiners", { type: "x" });
    expect(layer.stats.groupSendDropped).toBe(0);
  });
});
