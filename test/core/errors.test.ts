import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ChannelFull,
  CloseCode,
  ERRORS,
  InMemoryChannelLayer,
  SwitchboardError,
  SwitchboardTypeError,
  catalog,
  catalogEntry,
  defineErrors,
  errorFrame,
  type CatalogEntry,
} from "../../src/core/index.js";
import { GRAPHQL_ERRORS } from "../../src/graphql/errors.js";

/**
 * The source trees the literal scan covers: all of `src/` (STYLE rule 4). Refusals only:
 * a success status (`reply.code(201)`) is not an error and may be written as it is.
 */
const SCANNED_ROOTS = ["src"];

const root = join(import.meta.dirname, "../..");

/** Catalog modules: the one place a status or close code is written as a number. */
function isCatalogModule(path: string): boolean {
  return /^src\/core\/errors\.ts$|^src\/apps\/[^/]+\/(?:.+\/)?errors\.ts$|^src\/(?:auth|graphql|http|ops)\/(?:.+\/)?errors\.ts$/.test(path);
}

/** A literal HTTP status or close code where a catalog entry belongs. */
const LITERALS: ReadonlyArray<{ what: string; pattern: RegExp }> = [
  { what: "HTTP status in .code()", pattern: /\.code\(\s*[45]\d{2}\b/ },
  { what: "HTTP status in reject()", pattern: /\breject\(\s*\d{3}\b/ },
  { what: "HTTP status in statusCode:", pattern: /\bstatusCode\s*:\s*[45]\d{2}\b/ },
  { what: "HTTP status in a conditional argument", pattern: /(?:\breject|\.code)\(.*[?:]\s*[45]\d{2}\b/ },
  { what: "HTTP status in writeHead()", pattern: /\bwriteHead\(\s*[45]\d{2}\b/ },
  // close(, ws.close(, this.close(, onClose(: any call ending in "close".
  { what: "close code in close()", pattern: /close\(\s*[14]\d{3}\b/i },
  { what: "close code as a default", pattern: /\bcode(?:\s*:\s*number)?\s*=\s*[14]\d{3}\b/ },
];

function literalsIn(text: string): string[] {
  return LITERALS.filter(({ pattern }) => pattern.test(text)).map(({ what }) => what);
}

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sources(path);
    return entry.isFile() && entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("no literal status or close code outside the catalog", () => {
  it("the scan recognises each kind of literal, and not the catalogued forms", () => {
    for (const line of [
      "return reply.code(400).send(body);",
      "reply.code( 404 )",
      "connection.reject(401, 'no');",
      "handshake.reject(503, \"server is shutting down\");",
      "{ statusCode: 500, body }",
      "connection.reject(error.status ? error.status : 500);",
      "return reply.code(ready ? 200 : 503).send(body);",
      "res.writeHead(404).end()",
      "ws.close(1011, 'server error');",
      "await this.close(4400, 'binary');",
      "this.#onClose(1006);",
      "async disconnect(code = 1000) {",
      "close(code: number = 1001) {",
    ]) {
      expect(literalsIn(line), line).not.toEqual([]);
    }
    for (const line of [
      "return reply.code(catalogEntry(code).status!).send(body);",
      "connection.refuse(\"SB_ERR_ROUTE_NOT_FOUND\", scope.path);",
      "handshake.reject(ERRORS.SB_ERR_CONSUMER_FAILED.status);",
      "ws.close(CloseCode.SERVER_ERROR, 'server error');",
      "setTimeout(() => ws.terminate(), 1000).unref();",
      "reject(new Error('closed'));",
      "async receiveClose(timeoutMs = 1000) {",
      "const maxPayload = options.maxPayload ?? 64 * 1024;",
      "reply.code(201);",
      "{ statusCode: 200, body }",
    ]) {
      expect(literalsIn(line), line).toEqual([]);
    }
  });

  it("knows which files are catalog modules", () => {
    for (const path of ["src/core/errors.ts", "src/apps/chat/errors.ts", "src/auth/errors.ts", "src/graphql/errors.ts", "src/http/errors.ts", "src/ops/errors.ts"]) {
      expect(isCatalogModule(path), path).toBe(true);
    }
    for (const path of ["src/core/server.ts", "src/core/layers/errors.ts", "src/apps/errors.ts", "src/web/errors.ts", "src/apps/chat/api.ts"]) {
      expect(isCatalogModule(path), path).toBe(false);
    }
  });

  it(`finds none in ${SCANNED_ROOTS.join(", ")}`, () => {
    const files = SCANNED_ROOTS.flatMap(sources).filter((path) => !isCatalogModule(path));
    expect(files.length).toBeGreaterThan(10);
    const found: string[] = [];
    for (const path of files) {
      readFileSync(join(root, path), "utf8")
        .split("\n")
        .forEach((line, i) => {
          for (const what of literalsIn(line)) found.push(`${path}:${i + 1}: ${what}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});

/** What every catalog entry must satisfy. */
function problemsOf(code: string, entry: CatalogEntry): string[] {
  const problems: string[] = [];
  if (!/^[A-Z][A-Z0-9_]+$/.test(code)) problems.push("code shape");
  if (typeof entry.message !== "string" || entry.message.trim() === "") problems.push("no message");
  if (entry.status === undefined && entry.closeCode === undefined && entry.frame === undefined) problems.push("no way to the peer");
  if (entry.status !== undefined && !(Number.isInteger(entry.status) && entry.status >= 400 && entry.status <= 599)) problems.push("status");
  const close = entry.closeCode;
  if (close !== undefined && !(Number.isInteger(close) && ((close >= 1000 && close <= 1015) || (close >= 4000 && close <= 4999)))) {
    problems.push("close code");
  }
  return problems;
}

describe("the catalog", () => {
  it("every entry has a message and a way to the peer, with close codes in 1000–1015 or 4000–4999", () => {
    const entries = [...catalog()];
    expect(entries.length).toBeGreaterThanOrEqual(Object.keys(ERRORS).length);
    for (const [code, entry] of entries) expect(problemsOf(code, entry), code).toEqual([]);
    for (const [name, code] of Object.entries(CloseCode)) {
      expect((code >= 1000 && code <= 1015) || (code >= 4000 && code <= 4999), name).toBe(true);
    }
  });

  it("holds the core's codes first, and each makes errors and frames carrying its entry", () => {
    expect([...catalog().keys()].slice(0, Object.keys(ERRORS).length)).toEqual(Object.keys(ERRORS));
    for (const [code, entry] of Object.entries(ERRORS) as [string, CatalogEntry][]) {
      expect(catalogEntry(code)).toBe(entry);
      const error = new SwitchboardError(code, "detail");
      expect(error).toMatchObject({ code, status: entry.status, closeCode: entry.closeCode, frame: entry.frame, message: `${entry.message}: detail` });
      expect(errorFrame(code)).toEqual({ error: entry.frame ?? code, code });
    }
  });

  it("lists the graphql-ws close codes the GraphQL app uses", () => {
    expect(GRAPHQL_ERRORS.SB_ERR_GRAPHQL_WS_BAD_MESSAGE.closeCode).toBe(4400);
    expect(GRAPHQL_ERRORS.SB_ERR_GRAPHQL_WS_FORBIDDEN.closeCode).toBe(4403);
    expect(catalogEntry("SB_ERR_GRAPHQL_WS_FORBIDDEN").closeCode).toBe(4403);
  });

  it("an unknown code is a TypeError wherever it is used", () => {
    expect(() => new SwitchboardError("SB_ERR_NEVER_DEFINED")).toThrow(TypeError);
    expect(() => errorFrame("SB_ERR_NEVER_DEFINED")).toThrow(TypeError);
    expect(() => catalogEntry("SB_ERR_NEVER_DEFINED")).toThrow(/unknown error code SB_ERR_NEVER_DEFINED/);
  });
});

describe("defineErrors: app modules' codes", () => {
  const APP = defineErrors({
    SB_ERR_TEST_NO_SUCH_THING: { message: "no such thing", status: 404, frame: "not_found" },
    SB_ERR_TEST_GONE: { message: "the thing went away", closeCode: 4410 },
  });

  it("makes errors, frames and entries like core codes, and lists them after the core's", () => {
    const error = new SwitchboardError("SB_ERR_TEST_NO_SUCH_THING", "42");
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error).toMatchObject({ code: "SB_ERR_TEST_NO_SUCH_THING", status: 404, frame: "not_found", message: "no such thing: 42" });
    expect(errorFrame("SB_ERR_TEST_NO_SUCH_THING", "42")).toEqual({ error: "not_found", code: "SB_ERR_TEST_NO_SUCH_THING", detail: "42" });
    expect(errorFrame("SB_ERR_TEST_GONE")).toEqual({ error: "SB_ERR_TEST_GONE", code: "SB_ERR_TEST_GONE" });
    expect(new SwitchboardTypeError("SB_ERR_TEST_GONE").closeCode).toBe(4410);
    expect(catalogEntry("SB_ERR_TEST_GONE")).toBe(APP.SB_ERR_TEST_GONE);
    const codes = [...catalog().keys()];
    expect(codes.indexOf("SB_ERR_TEST_NO_SUCH_THING")).toBeGreaterThanOrEqual(Object.keys(ERRORS).length);
    expect(Object.isFrozen(APP.SB_ERR_TEST_GONE)).toBe(true);
  });

  it("defining the very same entries again is a no-op (an app built twice in one process)", () => {
    expect(defineErrors(APP)).toBe(APP);
    expect(new SwitchboardError("SB_ERR_TEST_GONE").closeCode).toBe(4410);
  });

  it("refuses a code that is already defined, by the core or by another module", () => {
    expect(() => defineErrors({ SB_ERR_TEST_GONE: { message: "the thing went away", closeCode: 4410 } })).toThrow(TypeError);
    expect(() => defineErrors({ SB_ERR_TEST_GONE: { message: "the thing went away", closeCode: 4410 } })).toThrow(/already defined/);
    expect(() => defineErrors({ SB_ERR_ROUTE_NOT_FOUND: { message: "mine", status: 404 } })).toThrow(/already defined by the core/);
    expect(catalogEntry("SB_ERR_ROUTE_NOT_FOUND")).toBe(ERRORS.SB_ERR_ROUTE_NOT_FOUND);
  });

  it("refuses bad codes and bad entries with a TypeError, all or nothing", () => {
    const bad: Array<Record<string, CatalogEntry>> = [
      { sb_err_lower: { message: "m", status: 400 } },
      { "SB-ERR-DASH": { message: "m", status: 400 } },
      { "1SB_ERR": { message: "m", status: 400 } },
      { A: { message: "m", status: 400 } },
      { SB_ERR_TEST_SILENT: { message: "reaches nobody" } },
      { SB_ERR_TEST_NO_MESSAGE: { message: " ", status: 400 } },
      { SB_ERR_TEST_OK_STATUS: { message: "m", status: 200 } },
      { SB_ERR_TEST_REGISTERED_CLOSE: { message: "m", closeCode: 3000 } },
      { SB_ERR_TEST_LOW_CLOSE: { message: "m", closeCode: 999 } },
      { SB_ERR_TEST_HIGH_CLOSE: { message: "m", closeCode: 5000 } },
      { SB_ERR_TEST_FRAME: { message: "m", frame: "Not Snake" } },
      { SB_ERR_TEST_FIRST_OK: { message: "m", status: 400 }, bad_second: { message: "m", status: 400 } },
    ];
    for (const entries of bad) expect(() => defineErrors(entries), Object.keys(entries).join()).toThrow(TypeError);
    expect(() => catalogEntry("SB_ERR_TEST_FIRST_OK")).toThrow(TypeError);
  });
});

describe("the core's errors carry catalog codes", () => {
  it("ChannelFull is still ChannelFull, and a SwitchboardError with SB_ERR_CHANNEL_FULL", async () => {
    const layer = new InMemoryChannelLayer({ capacity: 1 });
    await layer.send("tiny", { type: "x" });
    const error = await layer.send("tiny", { type: "x" }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelFull);
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error).toMatchObject({ name: "ChannelFull", code: "SB_ERR_CHANNEL_FULL", channel: "tiny", closeCode: CloseCode.SERVER_ERROR });
    await layer.close();
  });

  it("a closed layer refuses with SB_ERR_LAYER_CLOSED, pending receives too", async () => {
    const layer = new InMemoryChannelLayer();
    const ch = await layer.newChannel();
    const pending = layer.receive(ch);
    await layer.close();
    await expect(pending).rejects.toMatchObject({ code: "SB_ERR_LAYER_CLOSED", message: "channel layer closed" });
    await expect(layer.send("a", { type: "x" })).rejects.toMatchObject({ code: "SB_ERR_LAYER_CLOSED" });
    await expect(layer.newChannel()).rejects.toBeInstanceOf(SwitchboardError);
  });

  it("bad names and bad messages are TypeErrors with their codes", async () => {
    const layer = new InMemoryChannelLayer();
    await expect(layer.send("bad name", { type: "x" })).rejects.toThrow(TypeError);
    await expect(layer.send("bad name", { type: "x" })).rejects.toMatchObject({ code: "SB_ERR_INVALID_CHANNEL_NAME" });
    await expect(layer.groupAdd("bad group", "ch")).rejects.toMatchObject({ code: "SB_ERR_INVALID_GROUP_NAME", message: /^invalid group name: "bad group" must match/ });
    await expect(layer.send("ok", { type: 1 } as never)).rejects.toMatchObject({ code: "SB_ERR_INVALID_LAYER_MESSAGE" });
    await expect(layer.send("ok", { type: "x", f: () => 1 })).rejects.toBeInstanceOf(SwitchboardTypeError);
    await layer.close();
  });
});
