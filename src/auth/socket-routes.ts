import { SocketRouter, type ConsumerClass, type Middleware, type ParamsOf, type RouteOptions } from "../core/index.js";
import type { Access } from "./access.js";
import { requireAccess } from "./socket-auth.js";

/** Options of {@link SocketRoutes.route}: the core's, plus who may connect. */
export type GuardedRouteOptions<P extends string> = Omit<RouteOptions<ParamsOf<P>>, "meta"> & {
  access: Access;
  /**
   * Who the user is on this route, when not a Switchboard user: middleware that replaces
   * `scope.user` (and `scope.state.authReason`) before the access check, e.g.
   * `externalTokenAuth(verifier)` for tokens another service issued. The route's table
   * entry then says `meta.identity: "route"`.
   */
  authenticate?: Middleware;
};

/**
 * An app's socket routes, each declaring who may connect. `access` other than `public`
 * puts {@link requireAccess} in front of the route (401/403 at the handshake), and is kept
 * in the router's table (`meta.access`), where the route sweep test reads it.
 *
 * @example
 * new SocketRoutes().route("/ws/notify/", NotifyConsumer, { access: "user" });
 */
export class SocketRoutes {
  /** The core router the routes live in. */
  readonly router = new SocketRouter();

  route<P extends string>(pattern: P, consumer: ConsumerClass<ParamsOf<P>>, options: GuardedRouteOptions<P>): this {
    const { access, authenticate, middleware = [], ...rest } = options;
    const guard = access === "public" ? [] : [requireAccess(access)];
    const identify = authenticate ? [authenticate] : [];
    const meta = authenticate ? { access, identity: "route" } : { access };
    this.router.route(pattern, consumer, { ...rest, middleware: [...identify, ...guard, ...middleware], meta });
    return this;
  }
}
