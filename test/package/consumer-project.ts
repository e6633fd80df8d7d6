import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * A small project of a Switchboard user, written as text into a folder outside the
 * repository: it sees Switchboard only as an installed package (`node_modules/switchboard`),
 * never `src/`. Kept as strings, not `.ts` files under test/, so the repository's own
 * type-check does not try to resolve "switchboard" from here.
 *
 * - `src/`: a consumer, its routing, and `start()` serving it on 127.0.0.1, port 0.
 * - `test/`: a node:test suite driving the consumer with `switchboard/testing`'s communicator.
 * - `browser/`: a page script on `switchboard/client`, type-checked against the DOM only
 *   (no Node types) and bundled with esbuild.
 */
export const CONSUMER_FILES: Readonly<Record<string, string>> = {
  "package.json": JSON.stringify({ name: "consumer-app", version: "1.0.0", private: true, type: "module" }, null, 2),

  "tsconfig.json": JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2023"],
        types: ["node"],
        strict: true,
        // Our declarations are checked too: a type they name from a package the user does
        // not get (a devDependency of ours) is an error here, not a silent `any`.
        skipLibCheck: false,
        rootDir: ".",
        outDir: "dist",
      },
      include: ["src", "test"],
    },
    null,
    2,
  ),

  "src/echo-consumer.ts": `import { JsonWebsocketConsumer, defineErrors, errorFrame, type LayerMessage } from "switchboard";

export const ECHO_ERRORS = defineErrors({
  SB_ERR_ECHO_NO_TEXT: { message: "an echo frame needs a text", frame: "no_text" },
});

/** \`/ws/echo/<room>/\`: \`{"text": ...}\` in, \`{"room", "text"}\` out to every socket of the room. */
export class EchoConsumer extends JsonWebsocketConsumer<{ room: string }> {
  override get groups(): string[] {
    return [\`echo_\${this.scope.kwargs.room}\`];
  }

  override async connect(): Promise<void> {
    await this.accept();
  }

  override async receiveJson(content: unknown): Promise<void> {
    const text = (content as { text?: unknown } | null)?.text;
    if (typeof text !== "string") {
      this.sendJson(errorFrame("SB_ERR_ECHO_NO_TEXT"));
      return;
    }
    await this.channelLayer!.groupSend(this.groups[0]!, { type: "echo.line", text });
  }

  async echoLine(event: LayerMessage): Promise<void> {
    this.sendJson({ room: this.scope.kwargs.room, text: event.text });
  }
}
`,

  "src/app.ts": `import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { InMemoryChannelLayer, SocketRouter, SocketServer, originCheck, stack } from "switchboard";
import { EchoConsumer } from "./echo-consumer.js";

export const router = new SocketRouter().route("/ws/echo/:room/", EchoConsumer, { params: { room: /[a-z]{1,20}/ } });

/** Serves the routes on 127.0.0.1 (port 0: any free one); resolves with the ws:// base and a stop function. */
export async function start(): Promise<{ url: string; stop(): Promise<void> }> {
  const layer = new InMemoryChannelLayer();
  const http = createServer((_request, response) => response.end("echo\\n"));
  const sockets = new SocketServer({ app: stack(router.app(), originCheck()), layer }).attach(http);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: \`ws://127.0.0.1:\${port}\`,
    async stop() {
      await sockets.close();
      await new Promise((resolve) => http.close(resolve));
      await layer.close();
    },
  };
}
`,

  "test/echo.test.ts": `import assert from "node:assert/strict";
import { test } from "node:test";
import { InMemoryChannelLayer } from "switchboard";
import { WebsocketCommunicator } from "switchboard/testing";
import { router, start } from "../src/app.js";

// The communicator's types come from the package: a wrong argument must not compile.
// @ts-expect-error the path is a string
new WebsocketCommunicator(router.app(), 42);

test("in process: a room hears its own lines, bad frames get the app's error frame", async () => {
  const layer = new InMemoryChannelLayer();
  const alice = new WebsocketCommunicator(router.app(), "/ws/echo/lobby/", { layer });
  assert.equal((await alice.connect()).connected, true);
  alice.sendJson({ text: "hi" });
  assert.deepEqual(await alice.receiveJson(), { room: "lobby", text: "hi" });
  alice.sendJson({ nope: 1 });
  assert.deepEqual(await alice.receiveJson(), { error: "no_text", code: "SB_ERR_ECHO_NO_TEXT" });
  alice.sendText("not json");
  assert.equal((await alice.receiveJson<{ error: string }>()).error, "invalid_json");
  await alice.disconnect();
  await layer.close();
});

test("over the network: the started server routes rooms apart and refuses bad paths", async () => {
  const server = await start();
  try {
    const alice = new WebsocketCommunicator(server.url, "/ws/echo/lobby/");
    const bob = new WebsocketCommunicator(server.url, "/ws/echo/lobby/");
    const elsewhere = new WebsocketCommunicator(server.url, "/ws/echo/kitchen/");
    for (const c of [alice, bob, elsewhere]) assert.equal((await c.connect()).connected, true);
    alice.sendJson({ text: "to the lobby" });
    for (const c of [alice, bob]) assert.deepEqual(await c.receiveJson(), { room: "lobby", text: "to the lobby" });
    assert.equal(await elsewhere.receiveNothing(150), true);
    assert.equal((await new WebsocketCommunicator(server.url, "/ws/echo/NOT-A-ROOM/").connect()).status, 404);
    for (const c of [alice, bob, elsewhere]) await c.disconnect();
  } finally {
    await server.stop();
  }
});
`,

  "browser/tsconfig.json": JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "Bundler",
        lib: ["ES2023", "DOM", "DOM.Iterable"],
        // A page has no Node: switchboard/client's declarations must not need its types.
        types: [],
        strict: true,
        skipLibCheck: false,
        noEmit: true,
      },
      include: ["."],
    },
    null,
    2,
  ),

  "browser/lobby.ts": `import { chatClient, type ChatLine } from "switchboard/client";

/**
 * Says \`text\` in chat room \`room\` and resolves with the line as the server sends it back.
 * \`base\` defaults to the page's own address.
 */
export function say(room: string, text: string, base?: string): Promise<ChatLine> {
  const chat = chatClient(room, { base, longPoll: false });
  return new Promise((resolve) => {
    chat.on("message", (line) => {
      if (line.message !== text) return;
      chat.close();
      resolve(line);
    });
    chat.send({ message: text });
  });
}
`,
};

/** Writes {@link CONSUMER_FILES} under `dir`. */
export function writeConsumerProject(dir: string): void {
  for (const [path, text] of Object.entries(CONSUMER_FILES)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text.endsWith("\n") ? text : `${text}\n`);
  }
}
