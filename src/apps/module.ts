import type { FastifyPluginAsync } from "fastify";
import type { Kysely, Migration } from "kysely";
import type { Auth } from "../auth/index.js";
import type { SocketRoutes } from "../auth/socket-routes.js";
import type { BeatStatus } from "../beat/beat.js";
import type { Schedule } from "../beat/schedule.js";
import type { Config } from "../config.js";
import type { CatalogEntry, ChannelConsumerClass, ChannelLayer, Logger, SocketServer } from "../core/index.js";
import type { GraphQLContribution } from "../graphql/builder.js";
import type { Database } from "../storage/schema.js";

/** What a module gets when the application starts it: the services below the apps. */
export interface AppContext {
  config: Config;
  db: Kysely<Database>;
  layer: ChannelLayer;
  logger: Logger;
  /** Users, sessions, tokens and the one identifier (see `auth/`). */
  auth: Auth;
  /**
   * The running server's parts, for modules that watch it (the admin dashboard): filled in
   * by `buildApp` once it has made them, so read them when serving, not in `start`.
   */
  runtime?: AppRuntime;
}

/** What {@link AppContext.runtime} holds: null where this process does not run that part. */
export interface AppRuntime {
  readonly sockets: SocketServer | null;
  /** The scheduler, when this process runs one (`BEAT=1`). */
  readonly beat: { status(): BeatStatus } | null;
  /** The background worker, when `WORKERS` names channels for this process. */
  readonly worker: { readonly channels: readonly string[]; readonly counts: { readonly handled: number; readonly failed: number } } | null;
  /** Every started module's {@link AppParts.report}, by module name. */
  reports(): Promise<Record<string, ModuleReport>>;
}

/** A room (or group) as its module reports it: members on this node, lines published here since start. */
export interface RoomReport {
  name: string;
  members: number;
  messages: number;
}

/** What a module tells the admin dashboard about itself, on this node (plain JSON). */
export interface ModuleReport {
  rooms?: RoomReport[];
}

/** A started module: what it serves while the application runs. */
export interface AppParts {
  /** Its socket routes, each declaring its access. */
  sockets?: SocketRoutes;
  /**
   * Its HTTP routes, registered in a context of their own with the auth plugin in front:
   * every route sets `config.access` (a route without it fails to register).
   */
  http?: FastifyPluginAsync;
  /** Its part of the GraphQL schema: types and root fields added on the shared builder, each field with `authScopes`. */
  graphql?: GraphQLContribution;
  /** What it tells the admin dashboard, read every few seconds: keep it cheap (no database read). */
  report?(): ModuleReport | Promise<ModuleReport>;
  /** Stops what the module started (runners, stores); called in reverse order of start. */
  close?(): Promise<void>;
}

/**
 * One app: everything it brings, declared in one object, like a Django app (models, urls,
 * schema) or a Fastify plugin. The application is a list of modules (`buildApp(config,
 * modules)`); no module imports another, and what two modules share lives below them
 * (`auth/`, `graphql/`, `protocol/`, `storage/`, `core/`).
 *
 * The static parts (migrations, errors, workers, schedules) are read without starting the
 * module, so the CLI (`migrate`, `runworker`, `beat`) uses them without an HTTP server.
 *
 * @example
 * export const clock: AppModule = {
 *   name: "clock",
 *   schedules: { clock: { group: "clock", type: "server.time", every: "1s" } },
 *   start: () => ({ sockets: new SocketRoutes().route("/ws/clock/", ClockConsumer, { access: "public" }) }),
 * };
 */
export interface AppModule {
  /** Unique, lower-case: used in logs and by `dumpdata <app>`. */
  readonly name: string;
  /** Its migrations by name; names are ordered across all modules (`0001-…`), so keep the numbering global. */
  readonly migrations?: Readonly<Record<string, Migration>>;
  /** Its error codes (`SB_ERR_*`), added to the catalog when the application is built. */
  readonly errors?: Readonly<Record<string, CatalogEntry>>;
  /** Background consumers by channel name (`WORKERS=<channel>` in serve, or `runworker <channel>`). */
  readonly workers?: Readonly<Record<string, ChannelConsumerClass>>;
  /** Beat entries this module needs (added to the built-in schedule; `BEAT_SCHEDULE` may override by name). */
  readonly schedules?: Schedule;
  /** Starts the module on the shared services. */
  start(context: AppContext): AppParts | Promise<AppParts>;
}
