import { createHmac } from "node:crypto";
import cookie from "@fastify/cookie";
import csrfProtection from "@fastify/csrf-protection";
import formbody from "@fastify/formbody";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PASSWORD_MAX_LENGTH, SESSION_COOKIE, SESSION_TTL_MS, type Auth } from "../../auth/index.js";
import { sendError, statusOf } from "../../http/errors.js";
import { jsonOnly } from "../../http/json-only.js";
import { readPage } from "../../web/pages.js";
import { escapeHtml, page } from "./html.js";

const PUBLIC = { config: { access: "public" } } as const;

/**
 * The account pages and API. Pages (the only place form bodies are parsed): sign up, log
 * in, log out; a cookie session (HttpOnly, SameSite=Lax, Secure over HTTPS); every form
 * carries a CSRF token from `@fastify/csrf-protection` — its secret in a cookie signed with
 * `SECRET_KEY`, the token bound to the browser's session — on top of the same-origin check
 * every state-changing request passes. API (JSON only): `GET /api/me`, `POST /api/token`
 * (username/password → a JWT, for clients that are not pages), `GET /api/group/members`;
 * and the notify page. Log-in and `POST /api/token` are throttled (`auth.throttle`): 429 with
 * `Retry-After` after repeated failures.
 */
export function accountsHttp(auth: Auth, secretKey: string) {
  const { users, tokens, throttle } = auth;
  const notifyPage = readPage("notify.html");
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(accountPages(auth, secretKey));
    await app.register(async (api) => {
      api.addHook("onRequest", jsonOnly);
      api.get("/api/me", PUBLIC, async (request) => ({ user: request.user }));
      // The notify page: who may receive a private notification (the signed-in user's group).
      api.get("/api/group/members", { config: { access: "user" } }, async (request) => {
        const group = String(request.user!.groupName);
        return { group, members: await users.inGroup(group) };
      });
      api.post<{ Body: { username?: unknown; password?: unknown } }>("/api/token", { ...PUBLIC, bodyLimit: 16 * 1024 }, async (request, reply) => {
        const { username, password } = request.body ?? {};
        if (typeof username !== "string" || typeof password !== "string") return sendError(reply, "SB_ERR_INVALID_CREDENTIALS");
        const attempt = await throttle.attempt({ address: request.ip, account: username }, () => users.authenticate(username, password));
        if (attempt.outcome === "throttled") return sendError(reply.header("Retry-After", String(attempt.retryAfter)), "SB_ERR_LOGIN_THROTTLED");
        if (attempt.outcome === "failed") return sendError(reply, "SB_ERR_INVALID_CREDENTIALS");
        const user = attempt.value;
        const { token, payload } = await tokens.issue({ uid: user.id, username: user.username, nickname: user.nickname, groupName: user.groupName });
        return { token, payload, refreshExpiresIn: tokens.refreshExpiresIn(payload.origIat) };
      });
    });
    app.get("/notify/", PUBLIC, async (_request, reply) => reply.type("text/html; charset=utf-8").send(notifyPage));
  };
}

/** The sign-up, log-in and log-out pages, in a context of their own (form parser, cookies, CSRF). */
function accountPages({ users, sessions, throttle }: Auth, secretKey: string) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(cookie, { secret: secretKey });
    await app.register(formbody, { bodyLimit: 16 * 1024 });
    // The CSRF token is bound to the session cookie (hashed), so a token minted for one
    // session does not pass for another, and a planted secret cookie fails its signature.
    const sessionOf = (request: FastifyRequest): string => createHmac("sha256", secretKey).update(request.cookies[SESSION_COOKIE] ?? "anonymous").digest("base64url");
    await app.register(csrfProtection, {
      sessionPlugin: "@fastify/cookie",
      cookieKey: "sb_csrf",
      cookieOpts: { path: "/", httpOnly: true, sameSite: "lax", signed: true, secure: "auto" },
      csrfOpts: { hmacKey: secretKey },
      getUserInfo: sessionOf,
      getToken: (request) => String((request.body as Record<string, unknown> | undefined)?.csrf ?? ""),
    });
    app.setErrorHandler(async (error: FastifyError, _request, reply) => {
      if (error.code?.startsWith("FST_CSRF_")) return forbidden(reply);
      throw error;
    });
    const csrf = (request: FastifyRequest, reply: FastifyReply): string => reply.generateCsrf({ userInfo: sessionOf(request) });
    const guarded = { ...PUBLIC, preHandler: app.csrfProtection };

    app.get("/accounts/signup/", PUBLIC, async (request, reply) => form(reply, "Sign up", "/accounts/signup/", csrf(request, reply), signupFields(users.passwordMinLength)));
    app.post<{ Body: Record<string, string> }>("/accounts/signup/", guarded, async (request, reply) => {
      const b = request.body ?? {};
      // No group field: new users join the default group; only superusers move them.
      const created = await users.create({ username: b.username ?? "", email: b.email ?? "", password: b.password ?? "", nickname: b.nickname || undefined });
      if ("problem" in created) return form(reply.code(statusOf("SB_ERR_INVALID_FORM")), "Sign up", "/accounts/signup/", csrf(request, reply), signupFields(users.passwordMinLength, b), created.problem);
      await startSession(reply, request, created.user.id);
      return reply.redirect("/chat/", 303);
    });

    app.get<{ Querystring: { next?: string } }>("/accounts/login/", PUBLIC, async (request, reply) =>
      form(reply, "Log in", `/accounts/login/?next=${encodeURIComponent(localPath(request.query.next))}`, csrf(request, reply), loginFields()),
    );
    app.post<{ Body: Record<string, string>; Querystring: { next?: string } }>("/accounts/login/", guarded, async (request, reply) => {
      const username = request.body?.username ?? "";
      const attempt = await throttle.attempt({ address: request.ip, account: username }, () => users.authenticate(username, request.body?.password ?? ""));
      if (attempt.outcome !== "ok") {
        const throttled = attempt.outcome === "throttled";
        if (throttled) reply.header("Retry-After", String(attempt.retryAfter));
        const message = throttled ? `too many failed attempts: try again in ${attempt.retryAfter} s` : "wrong username or password";
        return form(reply.code(statusOf(throttled ? "SB_ERR_LOGIN_THROTTLED" : "SB_ERR_INVALID_FORM")), "Log in", "/accounts/login/", csrf(request, reply), loginFields(username), message);
      }
      await startSession(reply, request, attempt.value.id);
      return reply.redirect(localPath(request.query.next), 303);
    });

    app.get("/accounts/logout/", PUBLIC, async (request, reply) => form(reply, "Log out", "/accounts/logout/", csrf(request, reply), "", undefined, "Log out"));
    app.post("/accounts/logout/", guarded, async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) await sessions.destroy(token);
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.redirect("/chat/", 303);
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

/** The sign-up fields; the password hint is NIST's rule as configured (`PASSWORD_MIN_LENGTH`). */
function signupFields(minLength: number, b: Record<string, string> = {}): string {
  return [
    field("username", "Username", "text", b.username, 'required maxlength="150" autocomplete="username"'),
    field("email", "Email", "email", b.email, 'required autocomplete="email"'),
    field("nickname", "Nickname (optional)", "text", b.nickname, 'maxlength="150"'),
    field("password", `Password (${minLength} characters or more; not a common one)`, "password", "", `required minlength="${minLength}" maxlength="${PASSWORD_MAX_LENGTH}" autocomplete="new-password"`),
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
