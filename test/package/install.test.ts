import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as client from "../../src/client/index.js";
import * as core from "../../src/core/index.js";
import * as testing from "../../src/core/testing/index.js";
import { writeConsumerProject } from "./consumer-project.js";
import { REPO, installTarball, pack, run, userEnv, type Packed } from "./npm.js";

// Switchboard as its users get it: `npm pack` (what `npm publish` uploads), installed into
// a fresh project outside the repository, which then builds and runs an app, a test and a
// browser bundle on the installed package alone, and starts `npx switchboard serve`.

const tsc = join(REPO, "node_modules/typescript/bin/tsc");
/** Node 20 has a global WebSocket only behind this flag; 22+ have it, as browsers do. */
const websocketFlag = typeof globalThis.WebSocket === "undefined" ? ["--experimental-websocket"] : [];

interface PackageJson {
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  files: string[];
}
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as PackageJson;

let tmp = "";
let app = "";
let packed: Packed;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "switchboard-package-"));
  app = join(tmp, "consumer-app");
  mkdirSync(app);
  writeConsumerProject(app);
  packed = await pack(tmp);
  // @types/node: the app's own code uses node:http, as any TypeScript server's does.
  await installTarball(app, packed.filename, ["@types/node@^20"]);
}, 420_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("the packed tarball", () => {
  it("holds every file the exports map, the types and the bin name, and no sources or tests", () => {
    const files = new Set(packed.files);
    const targets = Object.values(pkg.exports).flatMap((t) => (typeof t === "string" ? [t] : Object.values(t)));
    expect(Object.keys(pkg.exports).sort()).toEqual([".", "./client", "./package.json", "./testing"]);
    for (const key of [".", "./client", "./testing"]) expect(Object.keys(pkg.exports[key] as object), key).toEqual(["types", "default"]);
    for (const target of [...targets, ...Object.values(pkg.bin)]) expect(files.has(target.replace(/^\.\//, "")), target).toBe(true);
    for (const file of ["README.md", "CHANGELOG.md", "dist/cli/main.js", "dist/web/assets/manifest.json", "src/web/lobby.html", "src/web/static/style.css"]) {
      expect(files.has(file), file).toBe(true);
    }
    const stray = packed.files.filter((f) => /^(test|bench|docs|scripts|examples|deploy|\.ci)\//.test(f) || /(?<!\.d)\.tsx?$/.test(f) || (f.startsWith("src/") && !f.startsWith("src/web/")));
    expect(stray).toEqual([]);
  });
});

describe("an app on the installed package", () => {
  it("imports each entry by name with the same exports as the sources", async () => {
    const names = JSON.parse(
      await run(
        process.execPath,
        ["--input-type=module", "-e", 'const keys = async (s) => Object.keys(await import(s)).sort(); console.log(JSON.stringify([await keys("switchboard"), await keys("switchboard/client"), await keys("switchboard/testing")]))'],
        app,
        30_000,
      ),
    ) as string[][];
    expect(names).toEqual([Object.keys(core).sort(), Object.keys(client).sort(), Object.keys(testing).sort()]);
    expect(names[2]).toContain("WebsocketCommunicator");
  });

  it("compiles against the declarations of the exports map, and its communicator test passes", async () => {
    await run(process.execPath, [tsc, "-p", "."], app, 120_000);
    const tap = await run(process.execPath, ["--test", "dist/test/echo.test.js"], app, 60_000);
    expect(tap).toMatch(/^# pass 2$/m);
    expect(tap).toMatch(/^# fail 0$/m);
  }, 180_000);
});

describe("npx switchboard serve from the installed package", () => {
  let server: ChildProcess | null = null;
  let base = "";

  beforeAll(async () => {
    // Its own process group, so stopping it reaches npx's child processes too.
    server = spawn("npx", ["--no", "switchboard", "serve"], {
      cwd: app,
      env: userEnv({ HOST: "127.0.0.1", PORT: "0", DATA_DIR: join(tmp, "data") }),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start within 60 s:\n${out}`)), 60_000);
      const read = (chunk: Buffer): void => {
        out += chunk.toString();
        const url = /switchboard serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        if (url) {
          clearTimeout(timer);
          resolve(url);
        }
      };
      server!.stdout!.on("data", read);
      server!.stderr!.on("data", read);
      server!.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`serve exited with ${code}:\n${out}`));
      });
    });
  }, 90_000);

  afterAll(async () => {
    const child = server;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    process.kill(-child.pid, "SIGTERM");
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }, 30_000);

  it("answers /healthz and serves its pages, their scripts and the client modules", async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    // The pages are read from the package's src/web, their hashed scripts and the client from its dist/web/assets.
    const room = await (await fetch(`${base}/chat/lobby/`)).text();
    const script = room.match(/src="(\/assets\/room-[A-Z2-7]{8}\.js)"/)?.[1];
    expect(script).toBeDefined();
    for (const path of ["/accounts/login/", "/static/style.css", script!, "/client/index.js"]) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      expect((await response.text()).length, path).toBeGreaterThan(100);
    }
  });

  it("a browser bundle on switchboard/client type-checks against the DOM alone, bundles with esbuild, and chats with it", async () => {
    await run(process.execPath, [tsc, "-p", "browser"], app, 120_000);
    const result = await build({
      entryPoints: [join(app, "browser/lobby.ts")],
      absWorkingDir: app,
      bundle: true,
      format: "esm",
      platform: "browser",
      target: ["es2022"],
      outfile: join(app, "public/lobby.js"),
      metafile: true,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain("node_modules/switchboard/dist/client/index.js");
    expect(inputs.filter((i) => !i.startsWith("node_modules/switchboard/dist/client/") && i !== "browser/lobby.ts")).toEqual([]);
    // The bundle as a page would run it: a global WebSocket (Node 20 has one behind a flag).
    const said = await run(
      process.execPath,
      [...websocketFlag, "--no-warnings", "--input-type=module", "-e", `const { say } = await import("./public/lobby.js"); console.log(JSON.stringify(await say("package", "hello from a bundle", ${JSON.stringify(base)})))`],
      app,
      30_000,
    );
    expect(JSON.parse(said)).toMatchObject({ room: "package", user: "anonymous", message: "hello from a bundle" });
    const history = (await (await fetch(`${base}/api/rooms/package/messages`)).json()) as { messages: { message: string }[] };
    expect(history.messages.map((m) => m.message)).toEqual(["hello from a bundle"]);
  }, 180_000);
});
