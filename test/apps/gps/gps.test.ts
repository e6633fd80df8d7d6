import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT, UnsecuredJWT, exportJWK, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ExternalTokenVerifier, parseExternalTokenConfig, type ExternalTokenConfig } from "../../../src/auth/index.js";
import { UserStore } from "../../../src/auth/users.js";
import { gpsGroup, gpsMember } from "../../../src/apps/gps/index.js";
import { ConfigError, loadConfig } from "../../../src/config.js";
import { WebsocketCommunicator } from "../../../src/core/index.js";
import { findProgram } from "../../helpers/programs.js";
import { startRedis, type RedisServer } from "../../helpers/redis.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

/** The Django site's TOKEN_KEY, shared with this server. */
const TOKEN_KEY = "tutorial-token-key-0123456789abcdef";
const secret = new TextEncoder().encode(TOKEN_KEY);

/**
 * A token as the tutorial's Django side mints it:
 * `jwt.encode({"uid": .., "nickname": .., "group_name": ..}, TOKEN_KEY, algorithm="HS256")`
 * (PyJWT: header `{"alg": "HS256", "typ": "JWT"}`, no `iat`, no `exp`).
 */
async function djangoToken(claims: Record<string, unknown>, key: Uint8Array = secret, alg = "HS256"): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT" }).sign(key);
}

const member = (uid: number | string, group: string, nickname = `user ${uid}`) => ({ uid, nickname, group_name: group });

interface Refusal {
  status: number;
  authError: string | undefined;
}

/** The handshake's outcome: 101, or the refusal's status and `X-Auth-Error`. */
async function handshake(url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<Refusal> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers, handshakeTimeout: 5000 });
    ws.on("open", () => {
      ws.close();
      resolve({ status: 101, authError: undefined });
    });
    ws.on("unexpected-response", (_req, res) => {
      resolve({ status: res.statusCode ?? 0, authError: res.headers["x-auth-error"] as string | undefined });
      res.resume();
      ws.terminate();
    });
    ws.on("error", () => resolve({ status: 0, authError: undefined }));
  });
}

const open: WebsocketCommunicator[] = [];

/** A connected `/gps/connect` socket, the token in header `token` as the tutorial's clients send it. */
async function gps(server: TestServer, token: string, options: { headers?: Record<string, string>; subprotocols?: string[]; query?: string } = {}): Promise<WebsocketCommunicator> {
  const headers = options.headers ?? (options.subprotocols || options.query ? {} : { token });
  const c = new WebsocketCommunicator(server.wsUrl, `/gps/connect${options.query ?? ""}`, { headers, subprotocols: options.subprotocols });
  const result = await c.connect(5000);
  if (!result.connected) throw new Error(`refused: ${result.status}`);
  open.push(c);
  return c;
}

afterAll(async () => {
  await Promise.all(open.map((c) => c.disconnect()));
});

describe("/gps/connect with TOKEN_KEY (HS256, the tutorial's tokens)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ TOKEN_KEY });
  });
  afterAll(async () => server?.close());

  it("echoes each JSON frame to its sender, then the group gets {message}", async () => {
    const c = await gps(server, await djangoToken(member(1, "fleet", "ada")));
    c.sendJson({ lat: 31.23, lng: 121.47 });
    expect(await c.receiveJson()).toEqual({ lat: 31.23, lng: 121.47 });
    expect(await c.receiveJson()).toEqual({ message: { lat: 31.23, lng: 121.47 }, from: { uid: 1, nickname: "ada" } });
  });

  it("group-sends to two members of one group and not to another group", async () => {
    const a = await gps(server, await djangoToken(member(11, "north")));
    const b = await gps(server, await djangoToken(member(12, "north")));
    const other = await gps(server, await djangoToken(member(13, "south")));
    a.sendJson({ message: "convoy leaving" });
    expect(await a.receiveJson()).toEqual({ message: "convoy leaving" });
    expect(await a.receiveJson()).toMatchObject({ message: { message: "convoy leaving" }, from: { uid: 11 } });
    expect(await b.receiveJson()).toMatchObject({ message: { message: "convoy leaving" }, from: { uid: 11, nickname: "user 11" } });
    expect(await other.receiveNothing(300)).toBe(true);
  });

  it("keeps group names apart as given, Unicode included (测试, 测验, a.b, a_b)", async () => {
    const names = ["测试", "测验", "a.b", "a_b"];
    const sockets = await Promise.all(names.map(async (g, i) => gps(server, await djangoToken(member(100 + i, g)))));
    expect(new Set(names.map(gpsGroup)).size).toBe(names.length);
    sockets[0]!.sendJson({ message: "只给测试" });
    await sockets[0]!.receiveJson();
    expect(await sockets[0]!.receiveJson()).toMatchObject({ message: { message: "只给测试" } });
    for (const s of sockets.slice(1)) expect(await s.receiveNothing(200)).toBe(true);
  });

  it('pushes {"to": uid, "message"} to every socket of that member in the group, and to no one else', async () => {
    const sender = await gps(server, await djangoToken(member(21, "depot", "dispatch")));
    const target = await gps(server, await djangoToken(member(22, "depot")));
    const targetTab = await gps(server, await djangoToken(member(22, "depot")));
    const bystander = await gps(server, await djangoToken(member(23, "depot")));
    // The same uid in another group is another service's user there: not reached.
    const sameUidElsewhere = await gps(server, await djangoToken(member(22, "harbour")));
    sender.sendJson({ to: 22, message: { route: "A7" } });
    expect(await sender.receiveJson()).toEqual({ to: 22, message: { route: "A7" } });
    const expected = { message: { route: "A7" }, from: { uid: 21, nickname: "dispatch" }, to: 22 };
    expect(await target.receiveJson()).toEqual(expected);
    expect(await targetTab.receiveJson()).toEqual(expected);
    expect(await bystander.receiveNothing(200)).toBe(true);
    expect(await sameUidElsewhere.receiveNothing(200)).toBe(true);
    expect(await sender.receiveNothing(100)).toBe(true);
    // String uids (an IdP's `sub`) work the same way.
    const named = await gps(server, await djangoToken(member("auth0|abc", "depot")));
    sender.sendJson({ to: "auth0|abc", message: "hi" });
    await sender.receiveJson();
    expect(await named.receiveJson()).toMatchObject({ message: "hi", to: "auth0|abc" });
  });

  it("answers bad JSON and a bad push with error frames, and stays open", async () => {
    const c = await gps(server, await djangoToken(member(31, "errors")));
    c.sendText("{not json");
    expect(await c.receiveJson()).toMatchObject({ error: "invalid_json", code: "SB_ERR_INVALID_JSON" });
    c.sendJson({ to: { uid: 1 }, message: "x" });
    expect(await c.receiveJson()).toMatchObject({ error: "invalid_message", code: "SB_ERR_INVALID_PUSH" });
    c.sendJson({ to: 32 });
    expect(await c.receiveJson()).toMatchObject({ error: "invalid_message", code: "SB_ERR_INVALID_PUSH" });
    c.sendJson({ still: "here" });
    expect(await c.receiveJson()).toEqual({ still: "here" });
  });

  it("reads the token from Authorization: Bearer, ?token= and a bearer.<jwt> subprotocol too", async () => {
    // One group each, so that each socket hears only itself.
    const t = async (group: string) => djangoToken(member(41, group));
    const bearer = await t("way-bearer");
    const query = await t("way-query");
    const carried = await t("way-subprotocol");
    const ways = [
      await gps(server, bearer, { headers: { Authorization: `Bearer ${bearer}` } }),
      await gps(server, query, { query: `?token=${query}` }),
      await gps(server, carried, { subprotocols: ["gps.v1", `bearer.${carried}`] }),
    ];
    for (const c of ways) {
      c.sendJson({ ok: true });
      expect(await c.receiveJson()).toEqual({ ok: true });
      expect(await c.receiveJson()).toEqual({ message: { ok: true }, from: { uid: 41, nickname: "user 41" } });
    }
    // The server answers with the app's subprotocol, never the token.
    const ws = new WebSocket(`${server.wsUrl}/gps/connect`, ["gps.v1", `bearer.${carried}`]);
    await new Promise((resolve) => ws.once("open", resolve));
    expect(ws.protocol).toBe("gps.v1");
    ws.close();
  });

  it("refuses a missing, forged, expired, unsigned (alg: none) or HS512 token with 401 and the reason", async () => {
    const url = `${server.wsUrl}/gps/connect`;
    expect(await handshake(url)).toEqual({ status: 401, authError: "missing" });
    const forged = await djangoToken(member(1, "fleet"), new TextEncoder().encode("not-the-tutorial-key-0123456789abcdef"));
    expect(await handshake(url, { headers: { token: forged } })).toEqual({ status: 401, authError: "invalid_token" });
    const expired = await new SignJWT(member(1, "fleet")).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(secret);
    expect(await handshake(url, { headers: { token: expired } })).toEqual({ status: 401, authError: "token_expired" });
    const unsigned = new UnsecuredJWT(member(1, "fleet")).encode();
    expect(unsigned.split(".")[2]).toBe("");
    expect(await handshake(url, { headers: { token: unsigned } })).toEqual({ status: 401, authError: "invalid_token" });
    const hs512 = await djangoToken(member(1, "fleet"), secret, "HS512");
    expect(await handshake(url, { headers: { token: hs512 } })).toEqual({ status: 401, authError: "invalid_token" });
    const noGroup = await djangoToken({ uid: 1, nickname: "x" });
    expect(await handshake(url, { headers: { token: noGroup } })).toEqual({ status: 401, authError: "invalid_token" });
    const badUid = await djangoToken({ uid: 1.5, nickname: "x", group_name: "fleet" });
    expect(await handshake(url, { headers: { token: badUid } })).toEqual({ status: 401, authError: "invalid_token" });
    // exp in the future is honoured as valid.
    const fresh = await new SignJWT(member(1, "fleet")).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(secret);
    expect(await handshake(url, { headers: { token: fresh } })).toEqual({ status: 101, authError: undefined });
  });

  it("is not a Switchboard-user route: a signed-in user's session or JWT is refused with 401", async () => {
    const routes = server.app.socketRouter.routes().filter((r) => r.pattern === "/gps/connect");
    expect(routes.map((r) => r.meta)).toEqual([{ access: "user", identity: "route" }]);
    const created = await new UserStore(server.app.db).create({ username: "gpsreader", email: "g@example.com", password: "correct-horse-battery-9", groupName: "fleet" });
    if (!("user" in created)) throw new Error(created.problem);
    const session = await server.app.auth.sessions.create(created.user.id);
    const { token } = await server.app.auth.tokens.issue({ uid: created.user.id, username: "gpsreader", nickname: "gpsreader", groupName: "fleet" });
    const url = `${server.wsUrl}/gps/connect`;
    expect(await handshake(url, { headers: { cookie: `sb_session=${session}` } })).toEqual({ status: 401, authError: "missing" });
    expect(await handshake(url, { headers: { token } })).toEqual({ status: 401, authError: "invalid_token" });
    // The same credentials are good on /ws/notify/, which is for our users.
    expect((await handshake(`${server.wsUrl}/ws/notify/`, { headers: { token } })).status).toBe(101);
  });

  it("never mixes with /ws/notify/ of a group of the same name (nor closes its sockets)", async () => {
    const created = await new UserStore(server.app.db).create({ username: "notifier", email: "n@example.com", password: "correct-horse-battery-9", groupName: "shared" });
    if (!("user" in created)) throw new Error(created.problem);
    const { token } = await server.app.auth.tokens.issue({ uid: created.user.id, username: "notifier", nickname: "notifier", groupName: "shared" });
    const notify = new WebsocketCommunicator(server.wsUrl, "/ws/notify/", { headers: { token } });
    expect((await notify.connect()).connected).toBe(true);
    open.push(notify);
    const device = await gps(server, await djangoToken(member(created.user.id, "shared")));
    device.sendJson({ message: "gps line" });
    await device.receiveJson();
    await device.receiveJson();
    notify.sendJson({ message: "notify line" });
    expect(await notify.receiveJson()).toMatchObject({ type: "notify", message: "notify line" });
    expect(await device.receiveNothing(200)).toBe(true);
    notify.sendJson({ to: created.user.id, message: "to me" });
    expect(await notify.receiveJson()).toMatchObject({ type: "notify", to: created.user.id });
    expect(await device.receiveNothing(200)).toBe(true);
    // Both stay open.
    device.sendJson({ alive: 1 });
    expect(await device.receiveJson()).toEqual({ alive: 1 });
    notify.sendJson({ message: "still" });
    expect(await notify.receiveJson()).toMatchObject({ message: "still" });
  });
});

describe("/gps/connect is off without a token key", () => {
  it("is absent from the router and answers 404", async () => {
    const server = await startTestServer();
    try {
      expect(server.app.socketRouter.routes().map((r) => r.pattern)).not.toContain("/gps/connect");
      expect((await handshake(`${server.wsUrl}/gps/connect`, { headers: { token: await djangoToken(member(1, "fleet")) } })).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe("the TOKEN_* configuration", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "sb-gps-config-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ DATA_DIR: dataDir, ...env });
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
  };
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const rsaPem = rsa.publicKey.export({ type: "spki", format: "pem" }).toString();

  it("is off by default, HS256 with TOKEN_KEY, and reads claim names", () => {
    expect(loadConfig({ DATA_DIR: dataDir }).externalToken).toBeNull();
    expect(loadConfig({ DATA_DIR: dataDir, TOKEN_KEY }).externalToken).toEqual({
      source: { kind: "secret", secret: TOKEN_KEY },
      algorithms: ["HS256"],
      claims: { uid: "uid", nickname: "nickname", groupName: "group_name" },
      issuer: null,
      audience: null,
    });
    const mapped = loadConfig({ DATA_DIR: dataDir, TOKEN_KEY, TOKEN_CLAIMS: "uid:sub,nickname:name,group_name:https://example.com/grp" }).externalToken;
    expect(mapped?.claims).toEqual({ uid: "sub", nickname: "name", groupName: "https://example.com/grp" });
  });

  it("refuses a short key, two sources, unknown claims, none, HMAC with a public key, a private key, settings without a source", () => {
    expect(problems({ TOKEN_KEY: "short" })).toEqual(["TOKEN_KEY must be at least 32 characters"]);
    expect(problems({ TOKEN_KEY, TOKEN_JWKS_URL: "https://idp.example/jwks" })[0]).toMatch(/exactly one of TOKEN_KEY, TOKEN_PUBLIC_KEY, TOKEN_JWKS_URL/);
    expect(problems({ TOKEN_KEY, TOKEN_CLAIMS: "user:sub" })[0]).toMatch(/"user" is not one of uid, nickname, group_name/);
    expect(problems({ TOKEN_KEY, TOKEN_ALGORITHMS: "HS256,none" })[0]).toMatch(/may not contain none/);
    expect(problems({ TOKEN_KEY, TOKEN_ALGORITHMS: "RS256" })[0]).toMatch(/RS256 cannot be verified with TOKEN_KEY/);
    expect(problems({ TOKEN_PUBLIC_KEY: rsaPem, TOKEN_ALGORITHMS: "HS256" })[0]).toMatch(/HS256 cannot be verified with TOKEN_PUBLIC_KEY/);
    expect(problems({ TOKEN_PUBLIC_KEY: rsaPem, TOKEN_ALGORITHMS: "ES256" })[0]).toMatch(/ES256 cannot be verified/);
    const privatePem = rsa.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(problems({ TOKEN_PUBLIC_KEY: privatePem })[0]).toMatch(/holds a private key/);
    expect(problems({ TOKEN_PUBLIC_KEY: "/nonexistent/key.pem" })[0]).toMatch(/neither a PEM nor a file that exists/);
    expect(problems({ TOKEN_JWKS_URL: "ftp://idp.example/jwks" })[0]).toMatch(/http:\/\/ or https:\/\//);
    expect(problems({ TOKEN_ISSUER: "https://idp.example/" })).toEqual(["TOKEN_ISSUER needs one of TOKEN_KEY, TOKEN_PUBLIC_KEY, TOKEN_JWKS_URL"]);
  });

  it("reads a PEM inline (with \\n escapes) or from a file, and picks the key's algorithm", () => {
    const file = join(dataDir, "issuer.pem");
    writeFileSync(file, rsaPem);
    expect(loadConfig({ DATA_DIR: dataDir, TOKEN_PUBLIC_KEY: file }).externalToken).toMatchObject({ source: { kind: "public-key", pem: rsaPem }, algorithms: ["RS256"] });
    expect(loadConfig({ DATA_DIR: dataDir, TOKEN_PUBLIC_KEY: rsaPem.replace(/\n/g, "\\n") }).externalToken?.source).toEqual({ kind: "public-key", pem: rsaPem });
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(loadConfig({ DATA_DIR: dataDir, TOKEN_PUBLIC_KEY: ec }).externalToken?.algorithms).toEqual(["ES256"]);
    expect(loadConfig({ DATA_DIR: dataDir, TOKEN_JWKS_URL: "https://idp.example/.well-known/jwks.json" }).externalToken?.algorithms).toEqual(["RS256", "ES256"]);
  });
});

describe("/gps/connect with TOKEN_PUBLIC_KEY (RS256), issuer, audience and other claim names", () => {
  let server: TestServer;
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const dir = mkdtempSync(join(tmpdir(), "sb-gps-pem-"));
  const rs256 = (claims: Record<string, unknown>, iss = "https://idp.example/", aud = "switchboard") =>
    new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer(iss).setAudience(aud).setIssuedAt().setExpirationTime("5m").sign(rsa.privateKey);

  beforeAll(async () => {
    const pem = join(dir, "idp.pem");
    writeFileSync(pem, rsa.publicKey.export({ type: "spki", format: "pem" }));
    server = await startTestServer({
      TOKEN_PUBLIC_KEY: pem,
      TOKEN_ISSUER: "https://idp.example/",
      TOKEN_AUDIENCE: "switchboard",
      TOKEN_CLAIMS: "uid:sub,nickname:name,group_name:grp",
    });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("accepts the identity provider's RS256 tokens with its claim names", async () => {
    const a = await gps(server, await rs256({ sub: "user-a", name: "Ada", grp: "ops" }));
    const b = await gps(server, await rs256({ sub: "user-b", name: "Bob", grp: "ops" }));
    a.sendJson({ to: "user-b", message: "ping" });
    expect(await a.receiveJson()).toEqual({ to: "user-b", message: "ping" });
    expect(await b.receiveJson()).toEqual({ message: "ping", from: { uid: "user-a", nickname: "Ada" }, to: "user-b" });
  });

  it("refuses another issuer, another audience, an HMAC token signed with the public key, and the tutorial's HS256 tokens", async () => {
    const url = `${server.wsUrl}/gps/connect`;
    const claims = { sub: "u", name: "U", grp: "ops" };
    expect((await handshake(url, { headers: { token: await rs256(claims, "https://evil.example/") } })).authError).toBe("invalid_token");
    expect((await handshake(url, { headers: { token: await rs256(claims, undefined, "someone-else") } })).authError).toBe("invalid_token");
    // The classic confusion: HS256 with the (public) PEM as the secret.
    const pemBytes = new TextEncoder().encode(rsa.publicKey.export({ type: "spki", format: "pem" }).toString());
    const confused = await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer("https://idp.example/").setAudience("switchboard").sign(pemBytes);
    expect(await handshake(url, { headers: { token: confused } })).toEqual({ status: 401, authError: "invalid_token" });
    expect((await handshake(url, { headers: { token: await djangoToken(member(1, "ops")) } })).authError).toBe("invalid_token");
    // Right issuer and audience, but the claims are under the tutorial's names, not sub/name/grp.
    expect((await handshake(url, { headers: { token: await rs256(member(1, "ops")) } })).authError).toBe("invalid_token");
  });
});

/** A JWKS endpoint on loopback, as an identity provider serves one; `fail` makes it answer 500. */
async function jwksServer(): Promise<{ url: string; keys: JWK[]; fail: boolean; hits: number; close(): Promise<void> }> {
  const state = { keys: [] as JWK[], fail: false, hits: 0 };
  const http: Server = createServer((_req, res) => {
    state.hits += 1;
    if (state.fail) {
      res.writeHead(500).end("down");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  });
}

describe("/gps/connect with TOKEN_JWKS_URL (ES256 keys served on loopback)", () => {
  let server: TestServer;
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const es256 = (claims: Record<string, unknown>, kid = "ec-1", key = ec.privateKey) =>
    new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid }).setExpirationTime("5m").sign(key);

  beforeAll(async () => {
    jwks = await jwksServer();
    jwks.keys.push({ ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" });
    server = await startTestServer({ TOKEN_JWKS_URL: jwks.url });
  });
  afterAll(async () => {
    await server?.close();
    await jwks?.close();
  });

  it("verifies ES256 tokens against the fetched key set; an unknown kid right after a fetch is refused without another fetch", async () => {
    const a = await gps(server, await es256(member(1, "jwks")));
    const b = await gps(server, await es256(member(2, "jwks")));
    a.sendJson({ to: 2, message: "over JWKS" });
    await a.receiveJson();
    expect(await b.receiveJson()).toMatchObject({ message: "over JWKS", from: { uid: 1 }, to: 2 });
    expect(jwks.hits).toBe(1);
    // A kid the set lacks, within jose's 30 s cooldown: refused, and forged kids cannot make the server fetch per handshake.
    const next = generateKeyPairSync("ec", { namedCurve: "P-256" });
    jwks.keys.push({ ...(await exportJWK(next.publicKey)), kid: "ec-2", alg: "ES256" });
    const url = `${server.wsUrl}/gps/connect`;
    expect((await handshake(url, { headers: { token: await es256(member(3, "jwks"), "ec-2", next.privateKey) } })).authError).toBe("invalid_token");
    expect(jwks.hits).toBe(1);
  });

  it("refuses a token signed by a key not in the set, and one with alg: none", async () => {
    const url = `${server.wsUrl}/gps/connect`;
    const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" });
    expect(await handshake(url, { headers: { token: await es256(member(1, "jwks"), "ec-1", stranger.privateKey) } })).toEqual({ status: 401, authError: "invalid_token" });
    expect(await handshake(url, { headers: { token: new UnsecuredJWT(member(1, "jwks")).encode() } })).toEqual({ status: 401, authError: "invalid_token" });
  });
});

describe("ExternalTokenVerifier with a JWKS that changes or goes down", () => {
  it("fetches the set again for a rotated key once the cooldown has passed", async () => {
    const jwks = await jwksServer();
    const first = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const second = generateKeyPairSync("ec", { namedCurve: "P-256" });
    jwks.keys.push({ ...(await exportJWK(first.publicKey)), kid: "one", alg: "ES256" });
    const verifier = new ExternalTokenVerifier(parseExternalTokenConfig({ jwksUrl: jwks.url }, [])!, { jwksCooldownMs: 0 });
    const sign = (kid: string, key: typeof first.privateKey) => new SignJWT(member(9, "r")).setProtectedHeader({ alg: "ES256", kid }).sign(key);
    try {
      expect(await verifier.verify(await sign("one", first.privateKey))).toMatchObject({ uid: 9 });
      jwks.keys.push({ ...(await exportJWK(second.publicKey)), kid: "two", alg: "ES256" });
      expect(await verifier.verify(await sign("two", second.privateKey))).toMatchObject({ uid: 9 });
      expect(jwks.hits).toBe(2);
    } finally {
      await jwks.close();
    }
  });

  it("answers keys_unavailable (503 at the handshake) before any key was fetched, and keeps the last keys once it has them", async () => {
    const jwks = await jwksServer();
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    jwks.keys.push({ ...(await exportJWK(ec.publicKey)), kid: "k", alg: "ES256" });
    const config: ExternalTokenConfig = parseExternalTokenConfig({ jwksUrl: jwks.url }, [])!;
    const token = await new SignJWT(member(5, "g")).setProtectedHeader({ alg: "ES256", kid: "k" }).sign(ec.privateKey);
    try {
      jwks.fail = true;
      const cold = new ExternalTokenVerifier(config, { jwksCooldownMs: 0 });
      await expect(cold.verify(token)).rejects.toMatchObject({ reason: "keys_unavailable", code: "SB_ERR_TOKEN_KEYS_UNAVAILABLE", status: 503 });
      jwks.fail = false;
      // Every verification refetches (cache age 0), so the outage below is really met.
      const warm = new ExternalTokenVerifier(config, { jwksCacheMaxAgeMs: 0, jwksCooldownMs: 0 });
      expect(await warm.verify(token)).toMatchObject({ uid: 5, groupName: "g", nickname: "user 5" });
      jwks.fail = true;
      const hits = jwks.hits;
      expect(await warm.verify(token)).toMatchObject({ uid: 5 });
      expect(jwks.hits).toBeGreaterThan(hits);
    } finally {
      await jwks.close();
    }
  });

  it("refuses the handshake with 503 and X-Auth-Error: keys_unavailable while the issuer is unreachable", async () => {
    const jwks = await jwksServer();
    jwks.fail = true;
    const server = await startTestServer({ TOKEN_JWKS_URL: jwks.url });
    try {
      const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const token = await new SignJWT(member(5, "g")).setProtectedHeader({ alg: "ES256", kid: "k" }).sign(ec.privateKey);
      expect(await handshake(`${server.wsUrl}/gps/connect`, { headers: { token } })).toEqual({ status: 503, authError: "keys_unavailable" });
      // Without a token nothing is fetched: the usual 401.
      expect(await handshake(`${server.wsUrl}/gps/connect`)).toEqual({ status: 401, authError: "missing" });
    } finally {
      await server.close();
      await jwks.close();
    }
  });
});

const redisBin = findProgram("gps on two nodes", "redis-server", "redis-server");

describe.skipIf(!redisBin.available)("/gps/connect on two nodes over Redis", () => {
  let redis: RedisServer;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
    a = await startTestServer({ REDIS_URL: redis.url, TOKEN_KEY });
    b = await startTestServer({ REDIS_URL: redis.url, TOKEN_KEY });
  }, 30_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it("pushes by uid to a socket on the other node, and group-sends across nodes", async () => {
    const sender = await gps(a, await djangoToken(member(71, "cluster")));
    const target = await gps(b, await djangoToken(member(72, "cluster")));
    const onB = await gps(b, await djangoToken(member(73, "cluster")));
    expect(gpsMember(72)).toBe("gps_user_72");
    sender.sendJson({ to: 72, message: "across nodes" });
    await sender.receiveJson();
    expect(await target.receiveJson(3000)).toEqual({ message: "across nodes", from: { uid: 71, nickname: "user 71" }, to: 72 });
    expect(await onB.receiveNothing(300)).toBe(true);
    sender.sendJson({ lat: 1, lng: 2 });
    await sender.receiveJson();
    expect(await sender.receiveJson(3000)).toMatchObject({ message: { lat: 1, lng: 2 } });
    expect(await target.receiveJson(3000)).toMatchObject({ message: { lat: 1, lng: 2 }, from: { uid: 71 } });
    expect(await onB.receiveJson(3000)).toMatchObject({ message: { lat: 1, lng: 2 } });
  });
});
