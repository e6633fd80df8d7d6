import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import { requireUser } from "../../auth/socket-auth.js";
import { SocketRouter, type ChannelLayer, type Logger } from "../../core/index.js";
import type { Database } from "../../storage/schema.js";
import type { UserStore } from "../accounts/users.js";
import { workOrderConsumer } from "./consumer.js";
import { demoTemplate } from "./demo.js";
import { workOrdersHttp } from "./http.js";
import { workOrderPages } from "./pages.js";
import { WorkOrderService } from "./service.js";
import { WorkOrderStore } from "./store.js";

/** The work-order app: service, API, and the live sockets. */
export async function workOrdersApp(db: Kysely<Database>, layer: ChannelLayer, users: UserStore, dataDir: string, logger?: Logger) {
  const service = new WorkOrderService(new WorkOrderStore(db), users, layer, dataDir, logger);
  const interrupted = await service.recoverInterrupted();
  if (interrupted > 0) logger?.warn({ interrupted }, "work orders left running by a restart were marked failed (interrupted)");
  await service.defineTemplate(demoTemplate(dataDir), "server");
  const consumer = workOrderConsumer(service);
  return {
    service,
    sockets: new SocketRouter()
      .route("/ws/workorders/", consumer, { middleware: [requireUser()] })
      .route("/ws/workorders/:id/", consumer, { params: { id: /\d{1,12}/ }, middleware: [requireUser()] }),
    http: async (app: FastifyInstance) => {
      await app.register(workOrdersHttp(service));
      await app.register(workOrderPages());
    },
  };
}

export { WorkOrderService, APPROVER } from "./service.js";
export { WorkOrderStore } from "./store.js";
export { validateTemplate } from "./template.js";
