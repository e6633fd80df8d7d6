import type { FastifyInstance } from "fastify";
import { PAGE } from "../../http/schemas.js";
import { readLocalizedPage, sendPage } from "../../web/pages.js";
import type { AdminCluster } from "./cluster.js";

const OBJECTS = { type: "array", items: { type: "object", additionalProperties: true } } as const;

/** `GET /api/admin/state`: what the dashboard's socket sends first. */
const STATE = {
  summary: "The admin dashboard's state: every node's snapshot, the charts' samples, the audit trail, orders awaiting approval",
  // Its 401 and 403 come from the route's access (src/http/openapi.ts).
  description: "Superusers only. The same object as the `admin.state` frame of `/ws/admin/` (docs/admin.md).",
  tags: ["admin"],
  response: {
    200: {
      type: "object",
      required: ["nodes", "history", "audit", "awaiting"],
      properties: {
        nodes: OBJECTS,
        history: { type: "object", additionalProperties: OBJECTS },
        audit: OBJECTS,
        awaiting: OBJECTS,
      },
    },
  },
} as const;

/** The dashboard page (`/admin/`, a shell: its data needs a superuser) and its HTTP API. */
export function adminHttp(cluster: AdminCluster) {
  const page = readLocalizedPage("admin.html");
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/admin/", { config: { access: "public" }, schema: PAGE }, async (request, reply) => sendPage(request, reply, page));
    app.get("/api/admin/state", { config: { access: "superuser" }, schema: STATE }, async () => cluster.state());
  };
}
