import type { Connection } from "./handshake.js";
import { stack, type Middleware } from "./middleware.js";
import type { Kwargs, Scope } from "./scope.js";
import type { SocketApp } from "./server.js";
import { kRun, type kKwargs } from "./websocket-consumer.js";

/**
 * The kwargs a route pattern captures: `"/ws/chat/:roomName/"` → `{ roomName: string }`.
 */
export type ParamsOf<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [Key in Name | keyof ParamsOf<`/${Rest}`>]: string }
  : P extends `${string}:${infer Name}`
    ? { [Key in Name]: string }
    : Record<never, string>;

/**
 * A consumer class usable where the route captures the kwargs `K`: its instances need at
 * most those kwargs (a consumer needing `{ roomName }` fits `/ws/chat/:roomName/`, not
 * `/ws/lobby/`), checked through a phantom member.
 */
export type ConsumerClass<K extends Kwargs> = new () => {
  readonly [kKwargs]?: (kwargs: K) => void;
  [kRun](scope: Scope, connection: Connection): Promise<void>;
};

/** Per-route options. */
export interface RouteOptions<K extends Kwargs> {
  /** A pattern each kwarg must match whole; a path that fails it is a 404. Default `[^/]+`. */
  params?: { [Key in keyof K]?: RegExp };
  /** Middleware for this route only, outermost first (e.g. `[requireUser()]`); it sees the kwargs. */
  middleware?: Middleware[];
  /**
   * What the application wants to know about the route later (e.g. who may use it); kept
   * as given and listed by {@link SocketRouter.routes}. The core does not read it.
   */
  meta?: Readonly<Record<string, unknown>>;
}

/** One entry of {@link SocketRouter.routes}. */
export interface RouteEntry {
  /** The full pattern, prefixes included, e.g. `/ws/chat/:roomName/`. */
  readonly pattern: string;
  /** The kwarg names the pattern captures, in order. */
  readonly names: readonly string[];
  readonly meta: Readonly<Record<string, unknown>>;
}

interface CompiledRoute {
  pattern: string;
  meta: Readonly<Record<string, unknown>>;
  regex: RegExp;
  names: string[];
  consumer: ConsumerClass<Kwargs>;
  /** Runs the consumer behind the route's own middleware. */
  run: SocketApp;
}

/** A route lookup result. */
export interface RouteMatch {
  pattern: string;
  kwargs: Kwargs;
  consumer: ConsumerClass<Kwargs>;
  run: SocketApp;
}

/**
 * Socket URL routing with typed kwargs and nesting (Channels' `URLRouter`).
 *
 * @example
 * const router = new SocketRouter()
 *   .route("/ws/chat/:roomName/", ChatConsumer, { params: { roomName: /[\w-]{1,80}/ } })
 *   .include("/ws/admin", adminRouter);
 * new SocketServer({ app: router.app(), layer }).attach(httpServer);
 */
export class SocketRouter {
  readonly #routes: CompiledRoute[] = [];

  /** Routes `pattern` (`:name` captures one path segment) to `consumer`. */
  route<P extends string>(pattern: P, consumer: ConsumerClass<ParamsOf<P>>, options: RouteOptions<ParamsOf<P>> = {}): this {
    const params = (options.params ?? {}) as Record<string, RegExp | undefined>;
    this.#routes.push(compile(pattern, consumer as unknown as ConsumerClass<Kwargs>, params, options.middleware ?? [], options.meta ?? {}));
    return this;
  }

  /** Every route, in matching order: the router's own table, for listings and audits. */
  routes(): RouteEntry[] {
    return this.#routes.map((r) => ({ pattern: r.pattern, names: [...r.names], meta: r.meta }));
  }

  /** Mounts every route of `router` under `prefix`. */
  include(prefix: string, router: SocketRouter): this {
    const base = prefix.replace(/\/+$/, "");
    for (const r of router.#routes) {
      // Keep the nested route's own kwarg rules and middleware: only the prefix is added.
      const inner = r.regex.source.replace(/^\^/, "");
      this.#routes.push({ ...r, pattern: base + r.pattern, regex: new RegExp("^" + escape(base) + inner) });
    }
    return this;
  }

  /** The route matching `path`, or `null`. */
  resolve(path: string): RouteMatch | null {
    for (const r of this.#routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      const kwargs: Kwargs = {};
      r.names.forEach((name, i) => (kwargs[name] = m[i + 1]!));
      return { pattern: r.pattern, kwargs, consumer: r.consumer, run: r.run };
    }
    return null;
  }

  /** This router as a socket app: unknown paths are refused with HTTP 404 at the handshake. */
  app(): SocketApp {
    return async (scope: Scope, connection: Connection) => {
      const match = this.resolve(scope.path);
      if (!match) {
        connection.refuse("SB_ERR_ROUTE_NOT_FOUND", scope.path);
        return;
      }
      scope.kwargs = match.kwargs;
      scope.route = match.pattern;
      await match.run(scope, connection);
    };
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function compile(
  pattern: string,
  consumer: ConsumerClass<Kwargs>,
  params: Record<string, RegExp | undefined>,
  middleware: Middleware[],
  meta: Readonly<Record<string, unknown>>,
): CompiledRoute {
  if (!pattern.startsWith("/")) throw new TypeError(`route pattern must start with "/": ${pattern}`);
  const names: string[] = [];
  const source = pattern
    .split(/(:[A-Za-z_][A-Za-z0-9_]*)/)
    .map((part) => {
      if (!part.startsWith(":")) return escape(part);
      const name = part.slice(1);
      if (names.includes(name)) throw new TypeError(`route ${pattern} captures ${name} twice`);
      names.push(name);
      const rule = params[name];
      return rule ? `((?:${rule.source.replace(/^\^/, "").replace(/\$$/, "")}))` : "([^/]+)";
    })
    .join("");
  for (const name of Object.keys(params)) {
    if (!names.includes(name)) throw new TypeError(`route ${pattern} has no kwarg ${name}`);
  }
  const start: SocketApp = (scope, connection) => new consumer()[kRun](scope, connection);
  return { pattern, meta, regex: new RegExp(`^${source}$`), names, consumer, run: stack(start, ...middleware) };
}
