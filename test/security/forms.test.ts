import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar, openForm, postForm, signUp } from "../helpers/forms.js";
import { startNode, type NodeProcess } from "../helpers/node-process.js";

// Attacks on the account forms and the JSON APIs, against a real server process: CSRF
// (planted cookies, foreign origins, cross-site fetch metadata), form bodies on JSON routes,
// password guessing, and a sign-up that picks someone else's notification group.

let node: NodeProcess;
const EVIL = "http://evil.example";
const METRICS = "metrics-token-for-the-forms-suite";

beforeAll(async () => {
  node = await startNode({ DATA_DIR: mkdtempSync(join(tmpdir(), "sb-sec-forms-")), BEAT: "0", METRICS_TOKEN: METRICS });
}, 30_000);
afterAll(async () => {
  await node?.stop();
});

const gql = async (query: string, headers: Record<string, string> = {}) =>
  (await fetch(`${node.url}/graphql/`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query }) }).then((r) => r.json())) as {
    data: Record<string, unknown> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };

describe("CSRF", () => {
  it("refuses a planted double-submit cookie equal to the form field (log-in, sign-up, log-out)", async () => {
    await signUp(node.url, "victim1");
    for (const path of ["/accounts/login/", "/accounts/signup/", "/accounts/logout/"]) {
      const jar = new CookieJar().set("sb_csrf", "A".repeat(32));
      const response = await postForm(node.url, path, jar, { csrf: "A".repeat(32), username: "victim1", email: "x@example.com", password: "correct horse battery staple" });
      expect(response.status, path).toBe(403);
      expect(response.headers.getSetCookie().some((c) => c.startsWith("sb_session=") && !c.startsWith("sb_session=;")), path).toBe(false);
    }
  });

  it("refuses a valid token carried by a request from another origin, or marked cross-site", async () => {
    const jar = new CookieJar();
    const csrf = await openForm(node.url, "/accounts/signup/", jar);
    const fields = { csrf, username: "made_by_evil", email: "e@example.com", password: "correct horse battery staple" };
    expect((await postForm(node.url, "/accounts/signup/", jar, fields, { origin: EVIL })).status).toBe(403);
    expect((await postForm(node.url, "/accounts/signup/", jar, fields, { origin: "null" })).status).toBe(403);
    expect((await postForm(node.url, "/accounts/signup/", jar, fields, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    const viaReferer = await fetch(`${node.url}/accounts/signup/`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header(), referer: `${EVIL}/page` },
      body: new URLSearchParams(fields).toString(),
    });
    expect(viaReferer.status).toBe(403);
    // No user was created by any of them: the same form from this site still can.
    const ok = await postForm(node.url, "/accounts/signup/", jar, fields);
    expect(ok.status).toBe(303);
  });

  it("binds the token to the session: a token minted for one browser fails in another session", async () => {
    const alice = await signUp(node.url, "alice_csrf");
    const aliceToken = await openForm(node.url, "/accounts/logout/", alice);
    const bob = await signUp(node.url, "bob_csrf");
    const stolen = await postForm(node.url, "/accounts/logout/", bob, { csrf: aliceToken });
    expect(stolen.status).toBe(403);
    // Alice's own log-out with her token works and ends her session.
    expect((await postForm(node.url, "/accounts/logout/", alice, { csrf: aliceToken })).status).toBe(303);
    expect((await fetch(`${node.url}/api/me`, { headers: { cookie: alice.header() } }).then((r) => r.json())).user).toBeNull();
  });

  it("refuses JSON API writes from another origin even with the victim's session", async () => {
    const jar = await signUp(node.url, "victim2");
    const response = await fetch(`${node.url}/api/rooms/lobby/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: jar.header(), origin: EVIL },
      body: JSON.stringify({ message: "forged" }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: "cross_site", code: "SB_ERR_CROSS_SITE" });
    const gqlForged = await fetch(`${node.url}/graphql/`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: jar.header(), origin: EVIL },
      body: JSON.stringify({ query: 'mutation { createBook(bookData: {title: "t", author: "a"}) { ok } }' }),
    });
    expect(gqlForged.status).toBe(403);
  });
});

describe("JSON APIs take JSON only", () => {
  it("answers a cross-site form body (urlencoded, multipart, text/plain) on the chat POST with 415, storing nothing", async () => {
    const jar = await signUp(node.url, "victim3");
    const before = (await fetch(`${node.url}/api/rooms/formroom/messages`).then((r) => r.json())).messages.length;
    for (const [type, body] of [
      ["application/x-www-form-urlencoded", "message=forged"],
      ["text/plain", '{"message":"forged"}'],
      ["multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="message"\r\n\r\nforged\r\n--x--\r\n'],
    ] as const) {
      const response = await fetch(`${node.url}/api/rooms/formroom/messages`, { method: "POST", headers: { "content-type": type, cookie: jar.header() }, body });
      expect(response.status, type).toBe(415);
      expect(await response.json(), type).toMatchObject({ error: "unsupported_media_type", code: "SB_ERR_UNSUPPORTED_MEDIA_TYPE" });
    }
    expect((await fetch(`${node.url}/api/rooms/formroom/messages`).then((r) => r.json())).messages.length).toBe(before);
    for (const path of ["/api/token", "/api/workorders", "/api/workorders/1/approve"]) {
      const response = await fetch(node.url + path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() }, body: "a=b" });
      expect(response.status, path).toBe(415);
    }
  });

  it("answers malformed and oversize JSON with the one error body", async () => {
    const bad = await fetch(`${node.url}/api/rooms/lobby/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "SB_ERR_BAD_BODY" });
    const big = await fetch(`${node.url}/api/rooms/lobby/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "x".repeat(40_000) }) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: "SB_ERR_BODY_TOO_LARGE" });
    const missing = await fetch(`${node.url}/no/such/page`);
    expect([missing.status, (await missing.json()).code]).toEqual([404, "SB_ERR_NOT_FOUND"]);
  });
});

describe("password guessing", () => {
  const tokenAttempt = (username: string, password: string, from = "127.0.0.1") =>
    fetch(`${node.url}/api/token`, { method: "POST", headers: { "content-type": "application/json", "x-test-from": from }, body: JSON.stringify({ username, password }) });

  it("throttles POST /api/token after 5 failures for an account: 429 with Retry-After, growing, even for the right password", async () => {
    await signUp(node.url, "guessme", "the right password here");
    for (let i = 0; i < 5; i++) expect((await tokenAttempt("guessme", `wrong ${i}`)).status).toBe(401);
    const first = await tokenAttempt("guessme", "wrong again");
    expect(first.status).toBe(429);
    expect(await first.json()).toMatchObject({ code: "SB_ERR_LOGIN_THROTTLED" });
    const wait1 = Number(first.headers.get("retry-after"));
    expect(wait1).toBeGreaterThan(60);
    const second = await tokenAttempt("guessme", "the right password here");
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThan(wait1);
  });

  it("answers an unknown user exactly as a known one", async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await tokenAttempt("nobody_at_all", `pw ${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it("throttles the log-in form and GraphQL tokenAuth on the same count", async () => {
    await signUp(node.url, "formguess", "the right password here");
    const jar = new CookieJar();
    for (let i = 0; i < 3; i++) {
      const csrf = await openForm(node.url, "/accounts/login/", jar);
      expect((await postForm(node.url, "/accounts/login/", jar, { csrf, username: "formguess", password: `nope ${i}` })).status).toBe(400);
    }
    for (let i = 0; i < 2; i++) {
      const r = await gql(`mutation { tokenAuth(username: "formguess", password: "nope ${i}") { token } }`);
      expect(r.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    const csrf = await openForm(node.url, "/accounts/login/", jar);
    const locked = await postForm(node.url, "/accounts/login/", jar, { csrf, username: "formguess", password: "the right password here" });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    const viaGraphql = await gql('mutation { tokenAuth(username: "formguess", password: "the right password here") { token } }');
    expect(viaGraphql.errors?.[0]?.extensions?.code).toBe("TOO_MANY_ATTEMPTS");
  });

  it("counts throttled attempts in /metrics", async () => {
    const metrics = await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    // The suites above refused at least 4 attempts and saw well over 10 failures.
    expect(Number(/^switchboard_login_throttled_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(4);
    expect(Number(/^switchboard_login_failures_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(10);
  });
});

describe("sign-up and groups", () => {
  it("puts a new user in the default group; only a superuser chooses a group", async () => {
    const r = await gql('mutation { createUser(username: "joiner", email: "j@example.com", password: "a long enough pass", groupName: "ops") { msg } }');
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    const plain = await gql('mutation { createUser(username: "joiner", email: "j@example.com", password: "a long enough pass") { msg } }');
    expect(plain.data).toEqual({ createUser: { msg: "user joiner created" } });
    const jar = new CookieJar();
    const csrf = await openForm(node.url, "/accounts/signup/", jar);
    await postForm(node.url, "/accounts/signup/", jar, { csrf, username: "formjoiner", email: "f@example.com", password: "a long enough pass", groupName: "ops", group_name: "ops" });
    const me = await fetch(`${node.url}/api/me`, { headers: { cookie: jar.header() } }).then((res) => res.json());
    expect(me.user).toMatchObject({ username: "formjoiner", groupName: "default" });
  });
});
