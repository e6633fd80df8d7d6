import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { FastifyInstance } from "fastify";
import { sendError } from "../../http/errors.js";
import { readPage } from "../../web/pages.js";

const require = createRequire(import.meta.url);

/** The work-order pages: list, new order, order (diagram); and the ELK layout engine they use. */
export function workOrderPages() {
  const list = readPage("workorders.html");
  const order = readPage("workorder.html");
  const create = readPage("workorder-new.html");
  const admin = readPage("workorders-admin.html");
  const elk = readFileSync(require.resolve("elkjs/lib/elk.bundled.js"), "utf8");
  return async (app: FastifyInstance): Promise<void> => {
    const html = (body: string) => async (_request: unknown, reply: { type(t: string): { send(b: string): unknown } }) => reply.type("text/html; charset=utf-8").send(body);
    // The pages are shells (no data until their socket or API call, which need a user).
    const PUBLIC = { config: { access: "public" } } as const;
    app.get("/workorders/", PUBLIC, html(list));
    app.get("/workorders/new/", PUBLIC, html(create));
    app.get("/workorders/admin/", PUBLIC, html(admin));
    app.get<{ Params: { id: string } }>("/workorders/:id/", PUBLIC, async (request, reply) => {
      if (!/^\d{1,12}$/.test(request.params.id)) return sendError(reply, "SB_ERR_NOT_FOUND");
      return reply.type("text/html; charset=utf-8").send(order);
    });
    app.get("/static/vendor/elk.bundled.js", PUBLIC, async (_request, reply) => reply.type("text/javascript; charset=utf-8").header("cache-control", "public, max-age=86400").send(elk));
  };
}
