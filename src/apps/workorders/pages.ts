import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ID, PAGE } from "../../http/schemas.js";
import { readLocalizedPage, sendPage, type LocalizedPage } from "../../web/pages.js";

/** The work-order pages: list, new order, order (diagram; its script bundles the ELK layout engine), admin. */
export function workOrderPages() {
  // In every language (English, Simplified Chinese), chosen per request: src/web/pages.ts.
  const list = readLocalizedPage("workorders.html");
  const order = readLocalizedPage("workorder.html");
  const create = readLocalizedPage("workorder-new.html");
  const admin = readLocalizedPage("workorders-admin.html");
  return async (app: FastifyInstance): Promise<void> => {
    const html = (page: LocalizedPage) => async (request: FastifyRequest, reply: FastifyReply) => sendPage(request, reply, page);
    // The pages are shells (no data until their socket or API call, which need a user).
    const PUBLIC = { config: { access: "public" }, schema: PAGE } as const;
    app.get("/workorders/", PUBLIC, html(list));
    app.get("/workorders/new/", PUBLIC, html(create));
    app.get("/workorders/admin/", PUBLIC, html(admin));
    // `/workorders/abc/` names no order: 404.
    const ORDER_PAGE = { config: { access: "public", invalidInput: "SB_ERR_NOT_FOUND" }, schema: { ...PAGE, params: { type: "object", properties: { id: ID } } } } as const;
    app.get<{ Params: { id: string } }>("/workorders/:id/", ORDER_PAGE, async (request, reply) => sendPage(request, reply, order));
  };
}
