import { randomBytes, timingSafeEqual } from "node:crypto";
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { SESSION_COOKIE, SESSION_TTL_MS, type Auth } from "../../auth/index.js";
import { sendError, statusOf } from "../../http/errors.js";
import { readPage } from "../../web/pages.js";
import { escapeHtml, page } from "./html.js";

const CSRF_COOKIE = "sb_csrf";
const PUBLIC = { config: { access: "public" } } as const;

/**
 * Sign up, log in, log out (cookie session: HttpOnly, SameSite=Lax, Secure over HTTPS;
 * forms carry a CSRF token checked against a cookie), `GET /api/me`, and `POST /api/token`
 * (JSON username/password → a JWT, for clients that are not pages); the notify page
 * (`/notify/`) and its `GET /api/group/members`.
 */
export function accountsHttp({ users, sessions, tokens }: Auth) {
  const notifyPage = readPage("notify.html");
  const plugin = async (app: FastifyInstance): Promise<void> => {
    await app.register(cookie);
    await app.register(formbody, { bodyLimit: 16 * 1024 });
    app.get("/accounts/signup/", PUBLIC, async (request, reply) => form(reply, "Sign up", "/accounts/signup/", csrf(request, reply), signupFields()));
    app.post<{ Body: Record<string, string> }>("/accounts/signup/", PUBLIC, async (request, reply) => {
      if (!csrfOk(request)) return forbidden(reply);
      const b = request.body ?? {};
      const created = await users.create({ username: b.username ?? "", email: b.email ?? "", password: b.password ?? "", nickname: b.nickname || undefined });
      if ("problem" in created) return form(reply.code(statusOf("SB_ERR_INVALID_FORM")), "Sign up", "/accounts/signup/", csrf(request, reply), signupFields(b), created.problem);
      await startSession(reply, request, created.user.id);
      return reply.redirect("/chat/", 303);
    });

    app.get<{ Querystring: { next?: string } }>("/accounts/login/", PUBLIC, async (request, reply) =>
      form(reply, "Log in", `/accounts/login/?next=${encodeURIComponent(localPath(request.query.next))}`, csrf(request, reply), loginFields()),
    );
    app.post<{ Body: Record<string, string>; Querystring: { next?: string } }>("/accounts/login/", PUBLIC, async (request, reply) => {
      if (!csrfOk(request)) return forbidden(reply);
      const user = await users.authenticate(request.body?.username ?? "", request.body?.password ?? "");
      if (!user) {
        return form(reply.code(statusOf("SB_ERR_INVALID_FORM")), "Log in", "/accounts/login/", csrf(request, reply), loginFields(request.body?.username), "wrong username or password");
      }
      await startSession(reply, request, user.id);
      return reply.redirect(localPath(request.query.next), 303);
    });

    app.get("/accounts/logout/", PUBLIC, async (request, reply) => form(reply, "Log out", "/accounts/logout/", csrf(request, reply), "", undefined, "Log out"));
    app.post("/accounts/logout/", PUBLIC, async (request, reply) => {
      if (!csrfOk(request)) return forbidden(reply);
      const token = request.cookies[SESSION_COOKIE];
      if (token) await sessions.destroy(token);
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.redirect("/chat/", 303);
    });

    app.get("/api/me", PUBLIC, async (request) => ({ user: request.user }));

    // The notify page: who may receive a private notification (the signed-in user's group).
    app.get("/api/group/members", { config: { access: "user" } }, async (request) => {
      const group = String(request.user!.groupName);
      return { group, members: await users.inGroup(group) };
    });
    app.get("/notify/", PUBLIC, async (_request, reply) => reply.type("text/html; charset=utf-8").send(notifyPage));

    app.post<{ Body: { username?: unknown; password?: unknown } }>("/api/token", PUBLIC, async (request, reply) => {
      const { username, password } = request.body ?? {};
      const user = typeof username === "string" && typeof password === "string" ? await users.authenticate(username, password) : null;
      if (!user) return sendError(reply, "SB_ERR_INVALID_CREDENTIALS");
      const { token, payload } = await tokens.issue({ uid: user.id, username: user.username, nickname: user.nickname, groupName: user.groupName });
      return { token, payload, refreshExpiresIn: tokens.refreshExpiresIn(payload.origIat) };
    });
  };

  async function startSession(reply: FastifyReply, request: FastifyRequest, userId: number): Promise<void> {
    reply.setCookie(SESSION_COOKIE, await sessions.create(userId), {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: request.protocol === "https",
      maxAge: SESSION_TTL_MS / 1000,
    });
  }
  return plugin;
}

/** The CSRF token of this browser (double-submit cookie), set when missing. */
function csrf(request: FastifyRequest, reply: FastifyReply): string {
  let token = request.cookies[CSRF_COOKIE];
  if (!token || !/^[A-Za-z0-9_-]{32,64}$/.test(token)) {
    token = randomBytes(24).toString("base64url");
    reply.setCookie(CSRF_COOKIE, token, { path: "/", httpOnly: true, sameSite: "lax", secure: request.protocol === "https" });
  }
  return token;
}

function csrfOk(request: FastifyRequest): boolean {
  const cookie = request.cookies[CSRF_COOKIE] ?? "";
  const field = String((request.body as Record<string, unknown> | undefined)?.csrf ?? "");
  return cookie.length > 0 && cookie.length === field.length && timingSafeEqual(Buffer.from(cookie), Buffer.from(field));
}

function forbidden(reply: FastifyReply): FastifyReply {
  return reply.code(statusOf("SB_ERR_CSRF_FAILED")).type("text/html; charset=utf-8").send(page("Forbidden", "<p>The form expired or came from another site. Reload the page and try again.</p>"));
}

/** Only same-site paths may be redirect targets. */
function localPath(next: string | undefined): string {
  return next && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : "/chat/";
}

function field(name: string, label: string, type: string, value = "", extra = ""): string {
  return `    <p><label>${escapeHtml(label)}<br><input name="${name}" type="${type}" value="${escapeHtml(value)}" ${extra}></label></p>`;
}

function signupFields(b: Record<string, string> = {}): string {
  return [
    field("username", "Username", "text", b.username, 'required maxlength="150" autocomplete="username"'),
    field("email", "Email", "email", b.email, 'required autocomplete="email"'),
    field("nickname", "Nickname (optional)", "text", b.nickname, 'maxlength="150"'),
    field("password", "Password (10 characters or more)", "password", "", 'required minlength="10" autocomplete="new-password"'),
  ].join("\n");
}

function loginFields(username = ""): string {
  return [
    field("username", "Username", "text", username, 'required autocomplete="username"'),
    field("password", "Password", "password", "", 'required autocomplete="current-password"'),
  ].join("\n");
}

function form(reply: FastifyReply, title: string, action: string, csrfToken: string, fields: string, error?: string, button = title): FastifyReply {
  const body = `    <form method="post" action="${escapeHtml(action)}" id="account-form">
      <input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">
${fields}
      ${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
      <p><button type="submit">${escapeHtml(button)}</button></p>
    </form>`;
  return reply.type("text/html; charset=utf-8").send(page(title, body));
}
