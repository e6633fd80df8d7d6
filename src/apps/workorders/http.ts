import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { SwitchboardError } from "../../core/index.js";
import { sendError } from "../../http/errors.js";
import { jsonOnly } from "../../http/json-only.js";
import { nextState, type Actor, type OrderAction, type OrderState } from "./states.js";
import { actOnOrder, DEFINE_TEMPLATE, FILE_ORDER, GET_ORDER, grantRole, LIST_ORDERS, LIST_ROLES, LIST_TEMPLATES, STEP_LOG } from "./schemas.js";
import { APPROVER, type WorkOrderService } from "./service.js";

const ACTIONS: OrderAction[] = ["approve", "reject", "cancel", "retry"];
const USER = { config: { access: "user" } } as const;
/** A path that names no order (`/api/workorders/abc`) is 404, as a missing order is. */
const ONE_ORDER = { config: { access: "user", invalidInput: { params: "SB_ERR_NO_SUCH_ORDER" } } } as const;

/**
 * The work-order API, for signed-in users only (JSON only, so cookies cannot be ridden by a
 * cross-site form): `GET /api/workorders[?state=]` (an approver or superuser sees every
 * order, anyone else their own), `POST /api/workorders` `{title, template, params}`,
 * `GET /api/workorders/:id` and `GET /api/workorders/:id/steps/:step/log` (the requester,
 * approvers and superusers; others get 404, as for a missing order),
 * `POST /api/workorders/:id/{approve,reject,cancel,retry}` (`reject` takes `{reason}`),
 * `GET /api/templates`, `POST /api/templates` (superusers), `GET /api/roles` and
 * `POST /api/roles` `{username, role: "approver", grant}` (superusers). Errors: 401 not signed in,
 * 403 `forbidden`, 404 `not_found`, 409 `invalid_transition`, 400 `invalid_request`, 415.
 */
export function workOrdersHttp(service: WorkOrderService) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", jsonOnly);
    const actorOf = (request: FastifyRequest): Promise<Actor> => service.actor(Number(request.user!.id));

    // `?awaiting=me`: the orders waiting for this user's approval.
    app.get<{ Querystring: { state?: string; awaiting?: "me" } }>("/api/workorders", { ...USER, schema: LIST_ORDERS }, async (request) => {
      const actor = await actorOf(request);
      return { orders: request.query.awaiting === "me" ? await service.awaitingApproval(actor) : await service.visibleOrders(actor, request.query.state) };
    });
    app.get<{ Params: { id: string } }>("/api/workorders/:id", { ...ONE_ORDER, schema: GET_ORDER }, async (request, reply) => {
      const actor = await actorOf(request);
      const view = await service.view(Number(request.params.id));
      if (!view || !service.canSee(actor, view.order)) return sendError(reply, "SB_ERR_NO_SUCH_ORDER");
      // Which buttons this user may press (the server checks again on every action).
      const can = Object.fromEntries(ACTIONS.map((a) => [a, allowed(view.order.state, a, actor, view.order.requesterId)]));
      return { ...view, can };
    });
    app.get<{ Params: { id: string; step: string } }>("/api/workorders/:id/steps/:step/log", { ...ONE_ORDER, schema: STEP_LOG }, async (request, reply) => {
      const order = await service.store.order(Number(request.params.id));
      if (!order || !service.canSee(await actorOf(request), order)) return sendError(reply, "SB_ERR_NO_SUCH_ORDER");
      return { log: await service.store.log(order.id, request.params.step) };
    });
    app.get("/api/templates", { ...USER, schema: LIST_TEMPLATES }, async () => ({ templates: (await service.store.templates()).map(({ id, template }) => ({ id, ...template })) }));

    // Superusers: who holds which role, and granting or revoking one (the CLI's `roles`, as a page).
    const SUPERUSER = { config: { access: "superuser" } } as const;
    app.get("/api/roles", { ...SUPERUSER, schema: LIST_ROLES }, async () => ({ roles: [APPROVER], users: await service.store.usersWithRoles() }));
    app.post<{ Body: { username: string; role: typeof APPROVER; grant: boolean } }>("/api/roles", { ...SUPERUSER, schema: grantRole(APPROVER) }, async (request, reply) => {
      const { username, role, grant } = request.body;
      const user = await service.users.byUsername(username);
      if (!user) return sendError(reply, "SB_ERR_NOT_FOUND", `no user ${username}`);
      if (grant) await service.store.grant(user.id, role);
      else await service.store.revoke(user.id, role);
      return { username, role, granted: grant };
    });

    // A body of the wrong shape is an invalid template (400), as the service's own checks answer.
    const INVALID_TEMPLATE = { invalidInput: { body: "SB_ERR_INVALID_TEMPLATE" } } as const;
    app.post<{ Body: Record<string, unknown> }>("/api/templates", { config: { access: "superuser", ...INVALID_TEMPLATE }, schema: DEFINE_TEMPLATE }, async (request, reply) =>
      guarded(request, reply, async () => ({ id: await service.defineTemplate(request.body, await actorOf(request)) })),
    );
    app.post<{ Body: { title: string; template: number | string; params?: Record<string, string> } }>("/api/workorders", { config: { access: "user", ...INVALID_TEMPLATE }, schema: FILE_ORDER }, async (request, reply) =>
      guarded(request, reply, async () => {
        reply.code(201);
        return service.file(Number(request.user!.id), request.body);
      }),
    );
    // An unknown action (or an id that is not a number) names nothing: 404.
    const ACTION = { config: { access: "user", invalidInput: { params: "SB_ERR_NOT_FOUND" } }, schema: actOnOrder(ACTIONS) } as const;
    app.post<{ Params: { id: string; action: OrderAction }; Body: { reason?: string } | null }>("/api/workorders/:id/:action", ACTION, async (request, reply) => {
      const { action } = request.params;
      return guarded(request, reply, async () => {
        return service.act(Number(request.params.id), action, await actorOf(request), request.body?.reason);
      });
    });
  };
}

/** Runs `work` (the body is JSON: see the hook above), answering the service's coded refusals with their status. */
async function guarded(request: FastifyRequest, reply: FastifyReply, work: () => Promise<unknown>): Promise<unknown> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SwitchboardError && error.status !== undefined) return sendError(reply, error.code, error.detail ?? error.message);
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
