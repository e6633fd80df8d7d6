import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../../src/core/index.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** A tiny cookie jar over fetch, as a browser would keep it. */
class Browser {
  readonly cookies = new Map<string, string>();
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(`${server.url}${path}`, { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [k, v] = pair!.split("=");
      if (v === "" || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(k!);
      else this.cookies.set(k!, v!);
    }
    return res;
  }
  async csrf(path: string): Promise<string> {
    const html = await (await this.fetch(path)).text();
    return /name="csrf" value="([^"]+)"/.exec(html)![1]!;
  }
  async post(path: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() });
  }
}

describe("accounts pages", () => {
  it("signs up (session cookie HttpOnly, SameSite=Lax), shows the user, logs out and in again", async () => {
    const b = new Browser();
    const csrf = await b.csrf("/accounts/signup/");
    const res = await b.post("/accounts/signup/", { csrf, username: "grace", email: "grace@example.com", password: "navy-cobol-1959" });
    expect(res.status).toBe(303);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("sb_session="))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(await (await b.fetch("/api/me")).json()).toMatchObject({ user: { username: "grace", nickname: "grace", groupName: "default" } });
    const out = await b.post("/accounts/logout/", { csrf: await b.csrf("/accounts/logout/") });
    expect(out.status).toBe(303);
    expect(await (await b.fetch("/api/me")).json()).toEqual({ user: null });
    const bad = await b.post("/accounts/login/", { csrf: await b.csrf("/accounts/login/"), username: "grace", password: "wrong-password-x" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("wrong username or password");
    const ok = await b.post("/accounts/login/?next=/chat/lobby/", { csrf: await b.csrf("/accounts/login/"), username: "grace", password: "navy-cobol-1959" });
    expect(ok.headers.get("location")).toBe("/chat/lobby/");
  });

  it("refuses a form without the CSRF token, and an off-site redirect", async () => {
    const b = new Browser();
    await b.csrf("/accounts/signup/");
    const res = await b.post("/accounts/signup/", { csrf: "forged".repeat(6), username: "mallory", email: "m@example.com", password: "long-enough-pw" });
    expect(res.status).toBe(403);
    const other = new Browser();
    await other.post("/accounts/signup/", { csrf: await other.csrf("/accounts/signup/"), username: "redir", email: "r@example.com", password: "long-enough-pw" });
    const login = await other.post("/accounts/login/?next=//evil.example/", { csrf: await other.csrf("/accounts/login/"), username: "redir", password: "long-enough-pw" });
    expect(login.headers.get("location")).toBe("/chat/");
  });

  it("explains a duplicate username or a weak password and writes nothing", async () => {
    const b = new Browser();
    await b.post("/accounts/signup/", { csrf: await b.csrf("/accounts/signup/"), username: "dup", email: "d@example.com", password: "long-enough-pw" });
    const again = new Browser();
    const dup = await again.post("/accounts/signup/", { csrf: await again.csrf("/accounts/signup/"), username: "dup", email: "x@example.com", password: "other-long-pw" });
    expect(dup.status).toBe(400);
    expect(await dup.text()).toContain("username dup is taken");
    const weak = await again.post("/accounts/signup/", { csrf: await again.csrf("/accounts/signup/"), username: "weakling", email: "w@example.com", password: "short" });
    expect(await weak.text()).toContain("password must be at least 8 characters");
    const common = await again.post("/accounts/signup/", { csrf: await again.csrf("/accounts/signup/"), username: "weakling", email: "w@example.com", password: "password" });
    expect(common.status).toBe(400);
    expect(await common.text()).toContain("password is too common (one of the 10,000 most used passwords): choose another");
    expect(await server.app.db.selectFrom("users").select("id").where("username", "=", "weakling").execute()).toEqual([]);
  });

  it("never returns or logs the password hash", async () => {
    const b = new Browser();
    await b.post("/accounts/signup/", { csrf: await b.csrf("/accounts/signup/"), username: "hashless", email: "h@example.com", password: "long-enough-pw" });
    const me = await (await b.fetch("/api/me")).text();
    expect(me).not.toMatch(/scrypt|password/);
  });
});

describe("chat with accounts", () => {
  it("shows the logged-in user's name on their lines, anonymous otherwise", async () => {
    const b = new Browser();
    await b.post("/accounts/signup/", { csrf: await b.csrf("/accounts/signup/"), username: "linus", email: "l@example.com", password: "long-enough-pw" });
    const cookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    // `switchboard.v1` asks for presence: the member list comes first, then the own join.
    const c = new WebsocketCommunicator(server.wsUrl, "/ws/chat/named/", { headers: { cookie }, subprotocols: ["switchboard.v1"] });
    await c.connect();
    const list = await c.receiveJson<{ members: Array<{ user: string }> }>();
    expect(list.members.map((m) => m.user)).toEqual(["linus"]);
    await c.receiveJson();
    c.sendJson({ message: "hi" });
    expect(await c.receiveJson()).toMatchObject({ user: "linus", message: "hi" });
    await c.disconnect();
  });
});

describe("CHAT_REQUIRE_LOGIN=1", () => {
  it("refuses anonymous chat sockets (401) and posts (401), and lets a signed-in user chat", async () => {
    const strict = await startTestServer({ CHAT_REQUIRE_LOGIN: "1" });
    try {
      const anon = new WebsocketCommunicator(strict.wsUrl, "/ws/chat/closed/");
      expect(await anon.connect()).toEqual({ connected: false, status: 401 });
      const post = await fetch(`${strict.url}/api/rooms/closed/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"message":"hi"}' });
      expect(post.status).toBe(401);
      const { UserStore } = await import("../../../src/auth/users.js");
      await new UserStore(strict.app.db).create({ username: "member", email: "m@example.com", password: "long-enough-pw" });
      const res = await fetch(`${strict.url}/api/token`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"username":"member","password":"long-enough-pw"}' });
      const { token } = (await res.json()) as { token: string };
      const member = new WebsocketCommunicator(strict.wsUrl, "/ws/chat/closed/", { subprotocols: ["chat", `bearer.${token}`] });
      expect(await member.connect()).toEqual({ connected: true, subprotocol: "chat" });
      await member.disconnect();
    } finally {
      await strict.close();
    }
  });
});
