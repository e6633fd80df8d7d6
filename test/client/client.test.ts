import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatClient, notifyClient, SwitchboardClient, type ChatLine, type StateChange } from "../../src/client/index.js";
import { MessageStore } from "../../src/apps/chat/store.js";
import { UserStore } from "../../src/auth/users.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Node 20 has no global WebSocket: the client takes `ws`'s. Backoff is short for tests. */
const fast = { WebSocket, backoff: { initialMs: 50, maxMs: 400 } };

function until<T>(client: SwitchboardClient<object, object>, event: "state" | "resume", test: (payload: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const off = client.on(event, ((payload: T) => {
      if (!test(payload)) return;
      off();
      resolve(payload);
    }) as never);
  });
}

const opened = (c: SwitchboardClient<object, object>) => until<StateChange>(c, "state", (s) => s.state === "open");

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("switchboard/client against a running server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("connects, sends, receives its line with an id, and reports presence", async () => {
    const states: string[] = [];
    const a = chatClient("sdk-basic", { ...fast, base: server.url });
    a.on("state", (s) => states.push(s.state));
    const got: ChatLine[] = [];
    a.on("message", (l) => got.push(l));
    await opened(a);
    const b = chatClient("sdk-basic", { ...fast, base: server.url });
    await opened(b);
    await waitFor(() => a.members.length === 2);
    expect(a.send({ message: "hi from a" })).toBe("sent");
    await waitFor(() => got.length === 1);
    expect(got[0]).toMatchObject({ message: "hi from a", room: "sdk-basic", user: "anonymous" });
    expect(a.lastId).toBe(got[0]!.id);
    b.close();
    await waitFor(() => a.members.length === 1);
    a.close();
    a.close(); // closing twice is harmless
    expect(states).toEqual(["connecting", "open", "stopped"]);
    expect(a.send({ message: "too late" })).toBe("rejected");
  });

  it("queues sends until the socket opens, up to its bound", async () => {
    const c = chatClient("sdk-queue", { ...fast, base: server.url, queueLimit: 2 });
    const got: string[] = [];
    c.on("message", (l) => got.push(l.message));
    expect([c.send({ message: "one" }), c.send({ message: "two" }), c.send({ message: "three" })]).toEqual(["queued", "queued", "rejected"]);
    expect(c.queued).toBe(2);
    await waitFor(() => got.length === 2);
    expect(got).toEqual(["one", "two"]);
    expect(c.queued).toBe(0);
    c.close();
  });

  it("resumes after the last id: every missed line once, then a complete resume", async () => {
    const store = new MessageStore(server.app.db);
    const first = await store.add("sdk-resume", "x", "already shown");
    for (let i = 0; i < 3; i++) await store.add("sdk-resume", "x", `missed ${i}`);
    await store.add("sdk-other-room", "x", "not mine");
    const c = chatClient("sdk-resume", { ...fast, base: server.url, after: first.id });
    const got: string[] = [];
    c.on("message", (l) => got.push(l.message));
    const result = await until<{ complete: boolean; pages: number }>(c, "resume", () => true);
    expect(result).toMatchObject({ complete: true, pages: 1 });
    expect(got).toEqual(["missed 0", "missed 1", "missed 2"]);
    c.close();
  });

  it("pages through long history, and says a gap remains when it stops at maxPages", async () => {
    const store = new MessageStore(server.app.db);
    const added: number[] = [];
    for (let i = 0; i < 620; i++) added.push((await store.add("sdk-long", "x", `l${i}`)).id);
    const all = chatClient("sdk-long", { ...fast, base: server.url });
    const got: number[] = [];
    all.on("message", (l) => got.push(l.id));
    expect(await until(all, "resume", () => true)).toMatchObject({ complete: true, pages: 2, lastId: added.at(-1) });
    expect(got).toEqual(added);
    all.close();

    const short = chatClient("sdk-long", { ...fast, base: server.url, resume: { after: 0, maxPages: 1 } });
    const result = await until(short, "resume", () => true);
    expect(result).toEqual({ after: 0, lastId: added[499], complete: false, pages: 1 });
    short.close();
  });

  it("reports a gap and goes live when a route never answers the history request", async () => {
    const c = new SwitchboardClient<{ type: string; ts: number }, never>({ ...fast, url: `${server.wsUrl}/ws/clock/`, resume: { after: 0, timeoutMs: 200 } });
    const started = Date.now();
    expect(await until(c, "resume", () => true)).toEqual({ after: 0, lastId: 0, complete: false, pages: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    // Frames without an id are not held by a resume; the clock's ticks arrive as they come.
    const tick = await new Promise<{ type: string }>((resolve) => c.on("message", resolve));
    expect(tick.type).toBe("server.time");
    c.close();
  });

  it("carries a JWT as a bearer.<jwt> subprotocol, and retries with a fresh token", async () => {
    const users = new UserStore(server.app.db);
    for (const username of ["sdk-ann", "sdk-ben"]) {
      const made = await users.create({ username, email: `${username}@example.com`, password: "pass-secret-pw!", groupName: "sdk" });
      if (!("user" in made)) throw new Error(made.problem);
    }
    const token = async (username: string) => {
      const res = await fetch(`${server.url}/api/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password: "pass-secret-pw!" }),
      });
      return ((await res.json()) as { token: string }).token;
    };
    // The first attempt has no token: 401 before the upgrade, so the client retries.
    let calls = 0;
    const ann = notifyClient({ ...fast, base: server.url, token: async () => (++calls === 1 ? null : token("sdk-ann")) });
    const closed = until<StateChange>(ann, "state", (s) => s.state === "closed");
    expect((await closed).code).toBe(1006);
    await opened(ann);
    expect(calls).toBe(2);
    const ben = notifyClient({ ...fast, base: server.url, token: await token("sdk-ben") });
    await opened(ben);
    const heard = new Promise((resolve) => ben.on("message", resolve));
    ann.send({ message: "deploy at noon" });
    expect(await heard).toMatchObject({ type: "notify", message: "deploy at noon", from: { username: "sdk-ann" }, to: null });
    const errors = new Promise((resolve) => ann.on("error", resolve));
    ann.send({ message: "" });
    expect(await errors).toMatchObject({ error: "invalid_message" });
    ann.close();
    ben.close();
  });

  it("fails clearly on Node 20 without a WebSocket class, unless one is given", () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      expect(() => new SwitchboardClient({ url: "ws://127.0.0.1:9/" })).toThrow(/pass one, e.g/);
    } finally {
      if (saved) global.WebSocket = saved;
    }
  });
});

describe("switchboard/client across a server restart", () => {
  it("reconnects with backoff and delivers every line once, including those sent while down", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sb-sdk-restart-"));
    let node = await startTestServer({ DATA_DIR: dataDir });
    const port = new URL(node.url).port;
    const reader = chatClient("sdk-restart", { ...fast, base: node.url });
    const writer = chatClient("sdk-restart", { ...fast, base: node.url });
    const seen: ChatLine[] = [];
    const states: StateChange[] = [];
    reader.on("message", (l) => seen.push(l));
    reader.on("state", (s) => states.push(s));
    await Promise.all([opened(reader), opened(writer)]);
    writer.send({ message: "before" });
    await waitFor(() => seen.length === 1);
    await node.close();
    await waitFor(() => writer.state === "closed" && reader.state === "closed");
    expect(writer.send({ message: "while down" })).toBe("queued");
    node = await startTestServer({ DATA_DIR: dataDir, PORT: port });
    await waitFor(() => seen.length === 2);
    writer.send({ message: "after" });
    await waitFor(() => seen.length === 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.map((l) => l.message)).toEqual(["before", "while down", "after"]);
    expect(new Set(seen.map((l) => l.id)).size).toBe(3);
    const closedState = states.find((s) => s.state === "closed")!;
    expect(closedState.code).toBe(1012);
    expect(closedState.retryInMs).toBeGreaterThanOrEqual(25);
    reader.close();
    writer.close();
    await node.close();
  }, 30_000);
});

describe("switchboard/client on the standard WebSocket", () => {
  // Node 22+ has a global WebSocket (undici, the WHATWG API browsers implement); Node 20 has it
  // behind --experimental-websocket. A child process uses it with no `ws` in sight.
  it("connects, sends, receives and closes with the global WebSocket", async () => {
    const server = await startTestServer();
    try {
      const flags = Number(process.versions.node.split(".")[0]) < 22 ? ["--experimental-websocket"] : [];
      const script = `
        import { chatClient } from ${JSON.stringify(join(import.meta.dirname, "../../src/client/index.ts"))};
        if (typeof WebSocket !== "function") throw new Error("no global WebSocket");
        const chat = chatClient("global-ws", { base: ${JSON.stringify(server.url)} });
        chat.send({ message: "over undici" });
        chat.on("message", (line) => { console.log(JSON.stringify({ line, members: chat.members.length })); chat.close(); });
      `;
      const { execFile } = await import("node:child_process");
      const { stdout } = await promisify(execFile)(process.execPath, [...flags, "--no-warnings", "--import", "tsx", "--input-type=module", "-e", script], { timeout: 15_000 });
      const out = JSON.parse(stdout.trim()) as { line: ChatLine; members: number };
      expect(out.line).toMatchObject({ message: "over undici", room: "global-ws" });
      expect(out.members).toBe(1);
    } finally {
      await server.close();
    }
  });
});
