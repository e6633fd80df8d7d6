import { createHmac } from "node:crypto";
import cookie from "@fastify/cookie";
import csrfProtection from "@fastify/csrf-protection";
import formbody from "@fastify/formbody";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PASSWORD_MAX_LENGTH, SESSION_COOKIE, SESSION_TTL_MS, type Auth } from "../../auth/index.js";
import { sendError, statusOf } from "../../http/errors.js";
import { jsonOnly } from "../../http/json-only.js";
import { PAGE, refusals, USER } from "../../http/schemas.js";
import { message, type Language } from "../../web/i18n/messages.js";
import { readLocalizedPage, replyLanguage, sendPage } from "../../web/pages.js";
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
  const notifyPage = readLocalizedPage("notify.html");
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(accountPages(auth, secretKey));
    await app.register(async (api) => {
      api.addHook("onRequest", jsonOnly);
      api.get("/api/me", { ...PUBLIC, schema: ME }, async (request) => ({ user: request.user }));
      // The notify page: who may receive a private notification (the signed-in user's group).
      api.get("/api/group/members", { config: { access: "user" }, schema: GROUP_MEMBERS }, async (request) => {
        const group = String(request.user!.groupName);
        return { group, members: await users.inGroup(group) };
      });
      // A body without two strings is a failed sign-in (401), as it was before the schema.
      const tokenRoute = { config: { access: "public", invalidInput: "SB_ERR_INVALID_CREDENTIALS" }, bodyLimit: 16 * 1024, schema: TOKEN } as const;
      api.post<{ Body: { username: string; password: string } }>("/api/token", tokenRoute, async (request, reply) => {
        const { username, password } = request.body;
        const attempt = await throttle.attempt({ address: request.ip, account: username }, () => users.authenticate(username, password));
        if (attempt.outcome === "throttled") return sendError(reply.header("Retry-After", String(attempt.retryAfter)), "SB_ERR_LOGIN_THROTTLED");
        if (attempt.outcome === "failed") return sendError(reply, "SB_ERR_INVALID_CREDENTIALS");
        const user = attempt.value;
        const { token, payload } = await tokens.issue({ uid: user.id, username: user.username, nickname: user.nickname, groupName: user.groupName });
        return { token, payload, refreshExpiresIn: tokens.refreshExpiresIn(payload.origIat) };
      });
    });
    app.get("/notify/", { ...PUBLIC, schema: PAGE }, async (request, reply) => sendPage(request, reply, notifyPage));
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
    app.setErrorHandler(async (error: FastifyError, request, reply) => {
      if (error.code?.startsWith("FST_CSRF_")) return forbidden(replyLanguage(request, reply), reply);
      throw error;
    });
    const csrf = (request: FastifyRequest, reply: FastifyReply): string => reply.generateCsrf({ userInfo: sessionOf(request) });
    // A field sent twice (`username=a&username=b`) is not one string: refused as a bad form.
    const guarded = { config: { access: "public", invalidInput: "SB_ERR_INVALID_FORM" }, preHandler: app.csrfProtection } as const;

    // Each page in the request's language (the `lang` cookie, else Accept-Language): the
    // texts are ours; a sign-up problem (src/auth/users.ts) is said as the store says it.
    app.get("/accounts/signup/", { ...PUBLIC, schema: PAGE }, async (request, reply) => {
      const lang = replyLanguage(request, reply);
      return form(reply, lang, message(lang, "accounts.sign_up"), "/accounts/signup/", csrf(request, reply), signupFields(lang, users.passwordMinLength));
    });
    app.post<{ Body: Record<string, string> }>("/accounts/signup/", { ...guarded, schema: { ...PAGE, body: formBody(["username", "email", "nickname", "password"]) } }, async (request, reply) => {
      const b = request.body ?? {};
      // No group field: new users join the default group; only superusers move them.
      const created = await users.create({ username: b.username ?? "", email: b.email ?? "", password: b.password ?? "", nickname: b.nickname || undefined });
      if ("problem" in created) {
        const lang = replyLanguage(request, reply);
        return form(reply.code(statusOf("SB_ERR_INVALID_FORM")), lang, message(lang, "accounts.sign_up"), "/accounts/signup/", csrf(request, reply), signupFields(lang, users.passwordMinLength, b), created.problem);
      }
      await startSession(reply, request, created.user.id);
      return reply.redirect("/chat/", 303);
    });

    app.get<{ Querystring: { next?: string } }>("/accounts/login/", { ...PUBLIC, schema: { ...PAGE, querystring: NEXT } }, async (request, reply) => {
      const lang = replyLanguage(request, reply);
      return form(reply, lang, message(lang, "accounts.log_in"), `/accounts/login/?next=${encodeURIComponent(localPath(request.query.next))}`, csrf(request, reply), loginFields(lang));
    });
    app.post<{ Body: Record<string, string>; Querystring: { next?: string } }>("/accounts/login/", { ...guarded, schema: { ...PAGE, querystring: NEXT, body: formBody(["username", "password"]) } }, async (request, reply) => {
      const username = request.body?.username ?? "";
      const attempt = await throttle.attempt({ address: request.ip, account: username }, () => users.authenticate(username, request.body?.password ?? ""));
      if (attempt.outcome !== "ok") {
        const throttled = attempt.outcome === "throttled";
        if (throttled) reply.header("Retry-After", String(attempt.retryAfter));
        const lang = replyLanguage(request, reply);
        const problem = throttled ? message(lang, "accounts.throttled", { seconds: attempt.retryAfter }) : message(lang, "accounts.wrong_credentials");
        return form(reply.code(statusOf(throttled ? "SB_ERR_LOGIN_THROTTLED" : "SB_ERR_INVALID_FORM")), lang, message(lang, "accounts.log_in"), "/accounts/login/", csrf(request, reply), loginFields(lang, username), problem);
      }
      await startSession(reply, request, attempt.value.id);
      return reply.redirect(localPath(request.query.next), 303);
    });

    app.get("/accounts/logout/", { ...PUBLIC, schema: PAGE }, async (request, reply) => {
      const lang = replyLanguage(request, reply);
      return form(reply, lang, message(lang, "accounts.log_out"), "/accounts/logout/", csrf(request, reply), "");
    });
    app.post("/accounts/logout/", { ...guarded, schema: { ...PAGE, body: formBody([]) } }, async (request, reply) => {
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

function forbidden(lang: Language, reply: FastifyReply): FastifyReply {
  const body = `<p>${escapeHtml(message(lang, "accounts.csrf_failed"))}</p>`;
  return reply.code(statusOf("SB_ERR_CSRF_FAILED")).type("text/html; charset=utf-8").send(page(lang, message(lang, "accounts.forbidden"), body));
}

/** The fields of a form post (all text; what is missing the page's own checks answer), and its CSRF token. */
function formBody(fields: string[]) {
  return { type: "object", properties: Object.fromEntries(["csrf", ...fields].map((f) => [f, { type: "string" }])) } as const;
}

/** `?next=`: where to go after signing in (only same-site paths are followed: {@link localPath}). */
const NEXT = { type: "object", properties: { next: { type: "string" } } } as const;

const ME = {
  summary: "Who is signed in",
  description: "The user of the session cookie or token, or `null` for an anonymous caller (never a 401).",
  tags: ["accounts"],
  response: { 200: { type: "object", required: ["user"], properties: { user: { ...USER, type: ["object", "null"] } } } },
} as const;

const GROUP_MEMBERS = {
  summary: "The members of my notification group",
  description: "Who may receive a private notification from the signed-in user (their group; at most 500, by username).",
  tags: ["accounts"],
  response: {
    200: {
      type: "object",
      required: ["group", "members"],
      properties: {
        group: { type: "string" },
        members: { type: "array", items: { type: "object", required: ["id", "username"], properties: { id: { type: "integer" }, username: { type: "string" }, nickname: { type: "string" } } } },
      },
    },
  },
} as const;

const TOKEN = {
  summary: "Sign in for a token",
  description: "Exchanges a username and password for a JWT (send it as `Authorization: Bearer <token>`). Throttled: after repeated failures for an account or address, 429 with `Retry-After`, even for the right password.",
  tags: ["accounts"],
  body: { type: "object", required: ["username", "password"], properties: { username: { type: "string" }, password: { type: "string" } } },
  response: {
    200: {
      type: "object",
      required: ["token", "payload", "refreshExpiresIn"],
      properties: {
        token: { type: "string", description: "The JWT." },
        payload: {
          type: "object",
          description: "Its claims.",
          required: ["uid", "username", "origIat", "exp"],
          properties: {
            uid: { type: "integer" },
            username: { type: "string" },
            nickname: { type: "string" },
            groupName: { type: "string" },
            origIat: { type: "integer", description: "When the first token of this chain was issued (seconds since the epoch)." },
            exp: { type: "integer", description: "Expiry (seconds since the epoch)." },
          },
          additionalProperties: true,
        },
        refreshExpiresIn: { type: "integer", description: "Until when the token may be refreshed (seconds since the epoch)." },
      },
    },
    ...refusals("SB_ERR_INVALID_CREDENTIALS", "SB_ERR_LOGIN_THROTTLED", "SB_ERR_UNSUPPORTED_MEDIA_TYPE", "SB_ERR_BAD_BODY", "SB_ERR_BODY_TOO_LARGE"),
  },
} as const;

/** Only same-site paths may be redirect targets. */
function localPath(next: string | undefined): string {
  return next && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : "/chat/";
}

function field(name: string, label: string, type: string, value = "", extra = ""): string {
  return `    <p><label>${escapeHtml(label)}<br><input name="${name}" type="${type}" value="${escapeHtml(value)}" ${extra}></label></p>`;
}

/** The sign-up fields; the password hint is NIST's rule as configured (`PASSWORD_MIN_LENGTH`). */
function signupFields(lang: Language, minLength: number, b: Record<string, string> = {}): string {
  return [
    field("username", message(lang, "accounts.username"), "text", b.username, 'required maxlength="150" autocomplete="username"'),
    field("email", message(lang, "accounts.email"), "email", b.email, 'required autocomplete="email"'),
    field("nickname", message(lang, "accounts.nickname"), "text", b.nickname, 'maxlength="150"'),
    field("password", message(lang, "accounts.new_password", { min: minLength }), "password", "", `required minlength="${minLength}" maxlength="${PASSWORD_MAX_LENGTH}" autocomplete="new-password"`),
  ].join("\n");
}

function loginFields(lang: Language, username = ""): string {
  return [
    field("username", message(lang, "accounts.username"), "text", username, 'required autocomplete="username"'),
    field("password", message(lang, "accounts.password"), "password", "", 'required autocomplete="current-password"'),
  ].join("\n");
}

/** The form page; its submit button says the page's `title` ("Log in", "登录"). */
function form(reply: FastifyReply, lang: Language, title: string, action: string, csrfToken: string, fields: string, error?: string, button = title): FastifyReply {
  const body = `    <form method="post" action="${escapeHtml(action)}" id="account-form">
      <input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">
${fields}
      ${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
      <p><button type="submit">${escapeHtml(button)}</button></p>
    </form>`;
  return reply.type("text/html; charset=utf-8").send(page(lang, title, body));
}
