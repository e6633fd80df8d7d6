import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { ScopeUser } from "../core/index.js";
import { sendError } from "../http/errors.js";
import { ACCESS_LEVELS, refusal, type Access } from "./access.js";
import { readCredentials } from "./credentials.js";
import type { AuthReason, Identifier } from "./identify.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Who sent the request (session cookie or `Authorization: Bearer|JWT`, token header); null when anonymous. */
    user: ScopeUser | null;
    /** Why `user` is null (`missing`, `token_expired`, `invalid_token`); null when there is a user. */
    authReason: AuthReason | null;
  }
  interface FastifyContextConfig {
    /** Who may call this route; every route declares it (see `Access`). */
    access?: Access;
  }
}

/** Options of {@link httpAuth}. */
export interface HttpAuthOptions {
  identifier: Identifier;
  /**
   * The access of routes that do not declare one, for third-party plugins that cannot (the
   * static files). Unset: a route without `config.access` fails to register.
   */
  defaultAccess?: Access;
}

const plugin: FastifyPluginAsync<HttpAuthOptions> = async (app, { identifier, defaultAccess }) => {
  app.decorateRequest("user", null);
  app.decorateRequest("authReason", null);
  app.addHook("onRoute", (route) => {
    const access = route.config?.access ?? defaultAccess;
    if (!access || !ACCESS_LEVELS.includes(access)) {
      throw new TypeError(`route ${[route.method].flat().join(",")} ${route.url} declares no access: set config.access to ${ACCESS_LEVELS.join(" | ")}`);
    }
    route.config = { ...route.config, access };
  });
  app.addHook("onRequest", async (request, reply) => {
    const credentials = readCredentials({ headers: request.headers });
    if (credentials.token || credentials.session) {
      const identity = await identifier.identify(credentials);
      request.user = identity.user;
      request.authReason = identity.reason;
    } else {
      request.authReason = "missing";
    }
    const code = refusal(request.routeOptions.config.access ?? "user", request.user, request.authReason);
    if (code) {
      if (request.authReason) reply.header("X-Auth-Error", request.authReason);
      return sendError(reply, code);
    }
  });
};

/**
 * Identifies the sender of every request in the context it is registered in (the
 * {@link Identifier}, as sockets do) and enforces each route's `config.access`: 401 with
 * `X-Auth-Error` when a user is needed, 403 for a missing role. A route that declares no
 * access refuses to register, so none is open by omission. Registered once per app module's
 * own context (see `buildApp`), not at the root: a module's routes are guarded by the plugin
 * instance of their own context, whatever the registration order elsewhere.
 */
export const httpAuth = fp(plugin, { name: "switchboard-http-auth", fastify: "5.x" });
