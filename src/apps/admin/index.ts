import type { FastifyInstance } from "fastify";
import { SocketRoutes } from "../../auth/index.js";
import type { AppModule } from "../module.js";
import { AdminCluster } from "./cluster.js";
import { adminConsumer } from "./consumer.js";
import { ADMIN_ERRORS } from "./errors.js";
import { adminHttp } from "./http.js";
import * as adminAudit from "./migrations/0006-admin-audit.js";

/** Options of {@link createAdminApp}. */
export interface AdminAppOptions {
  /** Milliseconds between each node's snapshots (default 5000; the charts keep 15 minutes of them). */
  intervalMs?: number;
}

/**
 * The admin dashboard for superusers: the page `/admin/`, its socket `/ws/admin/` and
 * `GET /api/admin/state`. Every node reports itself to every node over the layer (see
 * {@link AdminCluster}); actions (close a socket, send a notice to a user group) are
 * audited in `admin_audit`. See docs/admin.md.
 *
 * @example
 * buildApp(config, {}, [...MODULES.filter((m) => m.name !== "admin"), createAdminApp({ intervalMs: 1000 })]);
 */
export function createAdminApp(options: AdminAppOptions = {}): AppModule {
  return {
    name: "admin",
    migrations: { "0006-admin-audit": adminAudit },
    errors: ADMIN_ERRORS,
    async start({ db, layer, logger, runtime }) {
      if (!runtime) throw new TypeError("the admin module needs the application's runtime (buildApp provides it)");
      const cluster = new AdminCluster({ db, layer, runtime, logger, intervalMs: options.intervalMs });
      await cluster.start();
      return {
        sockets: new SocketRoutes().route("/ws/admin/", adminConsumer(cluster), { access: "superuser" }),
        http: async (app: FastifyInstance) => {
          await app.register(adminHttp(cluster));
        },
        close: () => cluster.close(),
      };
    },
  };
}

/** The dashboard with its defaults (a snapshot every 5 s). */
export const adminApp: AppModule = createAdminApp();

export { AdminCluster, NODES_GROUP } from "./cluster.js";
export { AuditLog } from "./audit.js";
