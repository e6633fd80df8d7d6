import { GraphQLError } from "graphql";
import type { LayerMessage, ScopeUser } from "../../core/index.js";
import { orderGroup, type OrderEvent, type OrderView, type WorkOrderService } from "../workorders/service.js";
import { TransitionError } from "../workorders/states.js";
import type { StepRun } from "../workorders/store.js";
import { TemplateError } from "../workorders/template.js";
import { groupEvents } from "./layer-events.js";
import type { Builder, GraphQLContext } from "./schema.js";

/** Maps the work-order service's refusals to GraphQL errors with codes. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TransitionError) throw new GraphQLError(error.message, { extensions: { code: error.code === "forbidden" ? "FORBIDDEN" : "INVALID_TRANSITION" } });
    if (error instanceof TemplateError) throw new GraphQLError(error.message, { extensions: { code: "BAD_USER_INPUT" } });
    throw error;
  }
}

/** Adds work orders to the schema: `workOrders`, `workOrder`, create/approve/reject, and `workOrderUpdated(id)`. */
export function addWorkOrders(service: WorkOrderService) {
  return (builder: Builder, requireUser: (ctx: GraphQLContext) => ScopeUser): void => {
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
    const actor = (ctx: GraphQLContext) => service.actor(Number(requireUser(ctx).id));

    builder.queryFields((t) => ({
      workOrders: t.field({
        type: [Order],
        args: { state: t.arg.string() },
        resolve: async (_r, args) => Promise.all((await service.store.orders({ state: args.state ?? undefined })).map((o) => viewOf(o.id))),
      }),
      workOrder: t.field({ type: Order, nullable: true, args: { id: t.arg.id({ required: true }) }, resolve: (_r, { id }) => service.view(Number(id)) }),
    }));

    builder.mutationFields((t) => ({
      createWorkOrder: t.field({
        type: Order,
        args: { title: t.arg.string({ required: true }), template: t.arg.string({ required: true }), params: t.arg({ type: "GenericScalar" }) },
        resolve: async (_r, args, ctx) => {
          const who = await actor(ctx);
          const template = /^\d+$/.test(args.template) ? Number(args.template) : args.template;
          return guarded(() => service.file(who.id!, { title: args.title, template, params: args.params ?? {} }));
        },
      }),
      approveWorkOrder: t.field({
        type: Order,
        args: { id: t.arg.id({ required: true }) },
        resolve: async (_r, { id }, ctx) => {
          const who = await actor(ctx);
          return guarded(() => service.act(Number(id), "approve", who));
        },
      }),
      rejectWorkOrder: t.field({
        type: Order,
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
        args: { id: t.arg.id({ required: true }) },
        subscribe: (_r, { id }, ctx) => {
          requireUser(ctx);
          // State changes only; log lines would each cost a database read here.
          return groupEvents(ctx.layer, orderGroup(Number(id)), ["workorder.event"], (m) => (m.event as OrderEvent).kind !== "log");
        },
        resolve: (event) => viewOf(Number(((event as LayerMessage).event as OrderEvent).id)),
      }),
    }));
  };
}
