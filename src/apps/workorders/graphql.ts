import { GraphQLError } from "graphql";
import type { LayerMessage } from "../../core/index.js";
import { groupEvents, type GraphQLContext, type GraphQLContribution } from "../../graphql/index.js";
import { orderGroup, type OrderEvent, type OrderView, type WorkOrderService } from "./service.js";
import { TransitionError } from "./states.js";
import type { StepRun } from "./store.js";
import { TemplateError } from "./template.js";

/** Maps the work-order service's refusals to GraphQL errors with codes. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TransitionError) throw new GraphQLError(error.message, { extensions: { code: error.kind === "forbidden" ? "FORBIDDEN" : "INVALID_TRANSITION" } });
    if (error instanceof TemplateError) {
      throw new GraphQLError(error.message, { extensions: { code: error.subject === "order" ? "NOT_FOUND" : "BAD_USER_INPUT" } });
    }
    throw error;
  }
}

/**
 * Work orders in GraphQL, for signed-in users: `workOrders` and `workOrder(id)` (an
 * approver or superuser sees every order, anyone else their own), create/approve/reject,
 * and `workOrderUpdated(id)`.
 */
export function workOrdersGraphql(service: WorkOrderService): GraphQLContribution {
  return (builder) => {
    const Step = builder.objectRef<StepRun>("StepRun").implement({
      fields: (t) => ({
        step: t.exposeString("step"),
        state: t.exposeString("state"),
        startedAt: t.float({ nullable: true, resolve: (s) => s.startedAt }),
        finishedAt: t.float({ nullable: true, resolve: (s) => s.finishedAt }),
        exitCode: t.int({ nullable: true, resolve: (s) => s.exitCode }),
        error: t.string({ nullable: true, resolve: (s) => s.error }),
      }),
    });
    const Order = builder.objectRef<OrderView>("WorkOrder").implement({
      fields: (t) => ({
        id: t.id({ resolve: (v) => v.order.id }),
        title: t.string({ resolve: (v) => v.order.title }),
        template: t.string({ resolve: (v) => v.order.templateName }),
        requester: t.string({ resolve: (v) => v.order.requester }),
        state: t.string({ resolve: (v) => v.order.state }),
        reason: t.string({ nullable: true, resolve: (v) => v.order.reason }),
        params: t.field({ type: "GenericScalar", resolve: (v) => v.order.params }),
        steps: t.field({ type: [Step], resolve: (v) => v.steps }),
      }),
    });
    const viewOf = async (id: number): Promise<OrderView> => {
      const v = await service.view(id);
      if (!v) throw new GraphQLError(`no work order ${id}`, { extensions: { code: "NOT_FOUND" } });
      return v;
    };
    // Fields below declare `user` access, so a user is there when they run.
    const actor = (ctx: GraphQLContext) => service.actor(Number(ctx.user!.id));
    /** The order if `ctx`'s user may see it, else null (as if there were none). */
    const visible = async (ctx: GraphQLContext, id: number): Promise<OrderView | null> => {
      const v = await service.view(id);
      return v && service.canSee(await actor(ctx), v.order) ? v : null;
    };

    builder.queryFields((t) => ({
      workOrders: t.field({
        type: [Order],
        authScopes: { user: true },
        args: { state: t.arg.string() },
        resolve: async (_r, args, ctx) => Promise.all((await service.visibleOrders(await actor(ctx), args.state ?? undefined)).map((o) => viewOf(o.id))),
      }),
      workOrder: t.field({
        type: Order,
        nullable: true,
        authScopes: { user: true },
        args: { id: t.arg.id({ required: true }) },
        resolve: (_r, { id }, ctx) => visible(ctx, Number(id)),
      }),
    }));

    builder.mutationFields((t) => ({
      createWorkOrder: t.field({
        type: Order,
        authScopes: { user: true },
        args: { title: t.arg.string({ required: true }), template: t.arg.string({ required: true }), params: t.arg({ type: "GenericScalar" }) },
        resolve: async (_r, args, ctx) => {
          const who = await actor(ctx);
          const template = /^\d+$/.test(args.template) ? Number(args.template) : args.template;
          return guarded(() => service.file(who.id!, { title: args.title, template, params: args.params ?? {} }));
        },
      }),
      approveWorkOrder: t.field({
        type: Order,
        authScopes: { user: true },
        args: { id: t.arg.id({ required: true }) },
        resolve: async (_r, { id }, ctx) => {
          const who = await actor(ctx);
          return guarded(() => service.act(Number(id), "approve", who));
        },
      }),
      rejectWorkOrder: t.field({
        type: Order,
        authScopes: { user: true },
        args: { id: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
        resolve: async (_r, { id, reason }, ctx) => {
          const who = await actor(ctx);
          return guarded(() => service.act(Number(id), "reject", who, reason));
        },
      }),
    }));

    builder.subscriptionFields((t) => ({
      workOrderUpdated: t.field({
        type: Order,
        authScopes: { user: true },
        args: { id: t.arg.id({ required: true }) },
        subscribe: async (_r, { id }, ctx) => {
          if (!(await visible(ctx, Number(id)))) throw new GraphQLError(`no work order ${id}`, { extensions: { code: "NOT_FOUND" } });
          // State changes only; log lines would each cost a database read here.
          return groupEvents(service.layer, orderGroup(Number(id)), ["workorder.event"], (m) => (m.event as OrderEvent).kind !== "log");
        },
        resolve: (event) => viewOf(Number(((event as LayerMessage).event as OrderEvent).id)),
      }),
    }));
  };
}
