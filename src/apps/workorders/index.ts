import type { FastifyInstance } from "fastify";
import { SocketRoutes } from "../../auth/index.js";
import type { AppModule } from "../module.js";
import { workOrderConsumer } from "./consumer.js";
import { demoTemplate } from "./demo.js";
import { WORKORDER_ERRORS } from "./errors.js";
import { workOrdersGraphql } from "./graphql.js";
import { workOrdersHttp } from "./http.js";
import * as workorders from "./migrations/0004-workorders.js";
import { workOrderPages } from "./pages.js";
import { WorkOrderService } from "./service.js";
import { WorkOrderStore } from "./store.js";

/** Services of running applications, for {@link workOrderService} (tests and the CLI). */
const services = new WeakMap<object, WorkOrderService>();

/**
 * Work orders: release pipelines filed by users, approved by approvers, run step by step
 * with live logs; the pages, the API, the sockets and the GraphQL fields. Every route and
 * field needs a user; reading an order needs to be its requester, an approver or a superuser.
 */
export const workOrdersApp: AppModule = {
  name: "workorders",
  migrations: { "0004-workorders": workorders },
  errors: WORKORDER_ERRORS,
  async start({ config, db, layer, logger, auth }) {
    const service = new WorkOrderService(new WorkOrderStore(db), auth.users, layer, config.dataDir, logger);
    const interrupted = await service.recoverInterrupted();
    if (interrupted > 0) logger.warn({ interrupted }, "work orders left running by a restart were marked failed (interrupted)");
    await service.defineTemplate(demoTemplate(config.dataDir), "server");
    services.set(db, service);
    const consumer = workOrderConsumer(service);
    return {
      sockets: new SocketRoutes()
        .route("/ws/workorders/", consumer, { access: "user" })
        .route("/ws/workorders/:id/", consumer, { params: { id: /\d{1,12}/ }, access: "user" }),
      http: async (app: FastifyInstance) => {
        await app.register(workOrdersHttp(service));
        await app.register(workOrderPages());
      },
      graphql: workOrdersGraphql(service),
      close: () => service.stopAll(),
    };
  },
};

/** The work-order service of a running application (found by its database handle). */
export function workOrderService(app: { db: object }): WorkOrderService {
  const service = services.get(app.db);
  if (!service) throw new TypeError("this application does not run the workorders module");
  return service;
}

export { WorkOrderService, APPROVER } from "./service.js";
export { WorkOrderStore } from "./store.js";
export { TemplateError, validateTemplate } from "./template.js";
