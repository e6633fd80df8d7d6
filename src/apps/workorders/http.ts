import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { TransitionError, nextState, type Actor, type OrderAction, type OrderState } from "./states.js";
import type { WorkOrderService } from "./service.js";
import { TemplateError } from "./template.js";

const ACTIONS: OrderAction[] = ["approve", "reject", "cancel", "retry"];

/**
 * The work-order API (JSON only, so cookies cannot be ridden by a cross-site form):
 * `GET /api/workorders[?state=]`, `POST /api/workorders` `{title, template, params}`,
 * `GET /api/workorders/:id`, `POST /api/workorders/:id/{approve,reject,cancel,retry}`
 * (`reject` takes `{reason}`), `GET /api/workorders/:id/steps/:step/log`,
 * `GET /api/templates`, `POST /api/templates` (superusers). Errors: 401 not signed in,
 * 403 `forbidden`, 404, 409 `invalid_transition`, 400 `invalid_request` naming the field.
 */
export function workOrdersHttp(service: WorkOrderService) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Querystring: { state?: string } }>("/api/workorders", async (request) => ({ orders: await service.store.orders({ state: request.query.state }) }));
    app.get<{ Params: { id: string } }>("/api/workorders/:id", async (request, reply) => {
      const view = await service.view(Number(request.params.id));
      if (!view) return reply.code(404).send({ error: "not_found" });
      // Which buttons this user may press (the server checks again on every action).
      const actor = request.user ? await service.actor(Number(request.user.id)) : null;
      const can = Object.fromEntries(ACTIONS.map((a) => [a, actor !== null && allowed(view.order.state, a, actor, view.order.requesterId)]));
      return { ...view, can };
    });
    app.get<{ Params: { id: string; step: string } }>("/api/workorders/:id/steps/:step/log", async (request) => ({
      log: await service.store.log(Number(request.params.id), request.params.step),
    }));
    app.get("/api/templates", async () => ({ templates: (await service.store.templates()).map(({ id, template }) => ({ id, ...template })) }));

    app.post<{ Body: Record<string, unknown> }>("/api/templates", async (request, reply) =>
      guarded(request, reply, async (uid) => ({ id: await service.defineTemplate(request.body, await service.actor(uid)) })),
    );
    app.post<{ Body: { title?: unknown; template?: unknown; params?: unknown } }>("/api/workorders", async (request, reply) =>
      guarded(request, reply, async (uid) => {
        reply.code(201);
        return service.file(uid, request.body ?? {});
      }),
    );
    app.post<{ Params: { id: string; action: string }; Body: { reason?: unknown } | null }>("/api/workorders/:id/:action", async (request, reply) => {
      const action = request.params.action as OrderAction;
      if (!ACTIONS.includes(action)) return reply.code(404).send({ error: "not_found" });
      return guarded(request, reply, async (uid) => {
        const reason = typeof request.body?.reason === "string" ? request.body.reason : undefined;
        return service.act(Number(request.params.id), action, await service.actor(uid), reason);
      });
    });
  };
}

/** Runs `work` for a signed-in user with a JSON body, mapping refusals to HTTP answers. */
async function guarded(request: FastifyRequest, reply: FastifyReply, work: (uid: number) => Promise<unknown>): Promise<unknown> {
  if (!request.user) return reply.code(401).send({ error: "authentication_required" });
  if (!request.headers["content-type"]?.startsWith("application/json")) return reply.code(415).send({ error: "send application/json" });
  try {
    return await work(Number(request.user.id));
  } catch (error) {
    if (error instanceof TransitionError) return reply.code(error.code === "forbidden" ? 403 : 409).send({ error: error.code, detail: error.message });
    if (error instanceof TemplateError) return reply.code(error.subject === "order" ? 404 : 400).send({ error: "invalid_request", detail: error.message });
    throw error;
  }
}

function allowed(state: OrderState, action: OrderAction, actor: Actor, requesterId: number): boolean {
  try {
    nextState(state, action, actor, requesterId);
    return true;
  } catch {
    return false;
  }
}
