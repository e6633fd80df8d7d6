import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { silentLogger, type ChannelLayer, type Logger } from "../../core/index.js";
import type { UserStore } from "../../auth/index.js";
import { userChannel } from "../../protocol/groups.js";
import { runPipeline, type PipelineRun, type StepChange } from "./runner.js";
import { nextState, TransitionError, type Actor, type OrderAction, type OrderState } from "./states.js";
import type { AuditEntry, StepRun, WorkOrder, WorkOrderStore } from "./store.js";
import { TemplateError, expandTemplate, validateParams, validateTemplate, type PipelineTemplate } from "./template.js";

/** Who work-order notifications come from. */
const WORKORDERS_SENDER = { uid: 0, username: "workorders", nickname: "Work orders" } as const;

/** The role that may approve orders (besides superusers). */
export const APPROVER = "approver";
/** Layer group of one order's watchers, and of the list's. */
export const orderGroup = (id: number): string => `workorder_${id}`;
export const LIST_GROUP = "workorders";

/** Everything a watcher needs to draw an order. */
export interface OrderView {
  order: WorkOrder;
  template: PipelineTemplate;
  steps: StepRun[];
  audit: AuditEntry[];
}

/** A change, as sent to watchers. */
export type OrderEvent =
  | { kind: "order"; id: number; state: OrderState; reason: string | null }
  | ({ kind: "step"; id: number } & StepChange)
  | { kind: "log"; id: number; step: string; stream: "stdout" | "stderr"; line: string };

/**
 * Work orders: filing, approval, the pipeline run, and live events through the channel
 * layer (so watchers on any node see them). Templates come only from superusers or from
 * files on the server; an order only fills a template's declared parameters.
 */
export class WorkOrderService {
  readonly #runs = new Map<number, PipelineRun>();
  readonly #logger: Logger;

  constructor(
    readonly store: WorkOrderStore,
    readonly users: UserStore,
    readonly layer: ChannelLayer,
    readonly dataDir: string,
    logger?: Logger,
  ) {
    this.#logger = logger ?? silentLogger;
  }

  /** The actor behind a user id: approver role and superuser flag from the database. */
  async actor(userId: number): Promise<Actor> {
    const user = await this.users.byId(userId);
    return { id: userId, isSuperuser: user?.isSuperuser ?? false, isApprover: await this.store.hasRole(userId, APPROVER) };
  }

  /** Whether `actor` may see `order`: its requester, an approver or a superuser. */
  canSee(actor: Actor, order: WorkOrder): boolean {
    return actor.isSuperuser || actor.isApprover || order.requesterId === actor.id;
  }

  /** The orders `actor` may see (approvers and superusers: all; others: their own), newest first, at most 200. */
  async visibleOrders(actor: Actor, state?: string): Promise<WorkOrder[]> {
    return this.store.orders({ state, requesterId: actor.isSuperuser || actor.isApprover ? undefined : (actor.id ?? -1) });
  }

  /** Orders waiting for `actor`'s approval: pending, not their own; none for someone who may not approve. */
  async awaitingApproval(actor: Actor): Promise<WorkOrder[]> {
    if (!actor.isSuperuser && !actor.isApprover) return [];
    return (await this.store.orders({ state: "pending_approval" })).filter((o) => o.requesterId !== actor.id);
  }

  /** Defines (or replaces) a template: superusers only, or `server` (a file loaded by the CLI). */
  async defineTemplate(raw: unknown, by: Actor | "server"): Promise<number> {
    if (by !== "server" && !by.isSuperuser) throw new TransitionError("forbidden", "only superusers define pipeline templates");
    return this.store.saveTemplate(validateTemplate(raw));
  }

  /** Files an order (draft, then submitted for approval at once). */
  async file(requesterId: number, input: { title?: unknown; template?: unknown; params?: unknown }): Promise<OrderView> {
    const title = typeof input.title === "string" ? input.title.trim() : "";
    if (title.length === 0 || title.length > 200) throw new TemplateError("title", "must be 1–200 characters");
    const found = typeof input.template === "number" || typeof input.template === "string" ? await this.store.template(input.template) : null;
    if (!found) throw new TemplateError("template", "no such template");
    const values = input.params && typeof input.params === "object" && !Array.isArray(input.params) ? (input.params as Record<string, unknown>) : {};
    const params = validateParams(found.template, values);
    const id = await this.store.createOrder({ title, templateId: found.id, params, requesterId, steps: expandTemplate(found.template, params).steps.map((s) => s.name) });
    await this.act(id, "submit", await this.actor(requesterId));
    return (await this.view(id))!;
  }

  /** Applies a person's action; approving starts the pipeline. */
  async act(id: number, action: OrderAction, actor: Actor, reason?: string): Promise<OrderView> {
    const order = await this.store.order(id);
    if (!order) throw new TemplateError("order", `no work order ${id}`);
    const to = nextState(order.state, action, actor, order.requesterId);
    if (action === "reject" && !reason?.trim()) throw new TemplateError("reason", "a rejection needs a reason");
    await this.store.setState(id, order.state, to, actor.id, {
      ...(action === "approve" ? { approverId: actor.id ?? undefined } : {}),
      ...(action === "reject" || action === "cancel" ? { reason: reason?.trim() || (action === "cancel" ? "cancelled" : null) } : {}),
    });
    await this.#publish(id, { kind: "order", id, state: to, reason: action === "reject" ? reason!.trim() : null });
    if (action === "approve") await this.#start(id, false);
    if (action === "retry") await this.#start(id, true);
    if (action === "cancel") this.#runs.get(id)?.cancel();
    return (await this.view(id))!;
  }

  async view(id: number): Promise<OrderView | null> {
    const order = await this.store.order(id);
    if (!order) return null;
    const found = await this.store.template(order.templateId);
    // The order's own pipeline: the template with its fan-outs expanded for this order's parameters.
    return { order, template: expandTemplate(found!.template, order.params), steps: await this.store.steps(id), audit: await this.store.audit(id) };
  }

  /** A server restart while orders ran leaves them failed ("interrupted"), never stuck in running. */
  async recoverInterrupted(): Promise<number> {
    const stuck = await this.store.orders({ state: "running" });
    for (const order of stuck) {
      for (const step of await this.store.steps(order.id)) {
        if (step.state === "running") await this.store.updateStep(order.id, step.step, { state: "failed", finishedAt: Date.now(), error: "interrupted" });
      }
      await this.store.setState(order.id, "running", "failed", null, { reason: "interrupted" });
    }
    return stuck.length;
  }

  /** Cancels every run in flight (server shutdown) and waits for them. */
  async stopAll(): Promise<void> {
    const runs = [...this.#runs.values()];
    for (const r of runs) r.cancel();
    await Promise.all(runs.map((r) => r.done));
  }

  async #start(id: number, retry: boolean): Promise<void> {
    const order = (await this.store.order(id))!;
    const template = expandTemplate((await this.store.template(order.templateId))!.template, order.params);
    if (!retry) await this.store.setState(id, "approved", "running", null);
    await this.#publish(id, { kind: "order", id, state: "running", reason: null });
    const workdir = join(this.dataDir, "workorders", String(id));
    mkdirSync(workdir, { recursive: true });
    const initial = Object.fromEntries((await this.store.steps(id)).map((s) => [s.step, s.state]));
    // Writes of one order are chained, so step states land in the database in order.
    let chain: Promise<unknown> = Promise.resolve();
    const later = (work: () => Promise<unknown>): void => {
      chain = chain.then(work).catch((error: unknown) => this.#logger.error({ err: error, order: id }, "work order write failed"));
    };
    const run = runPipeline({
      template,
      cwd: workdir,
      env: { ...order.params, ORDER_ID: String(id), WORKDIR: workdir, DATA_DIR: this.dataDir },
      initial: retry ? initial : undefined,
      onChange: (change) =>
        later(async () => {
          await this.store.updateStep(id, change.step, { state: change.state, startedAt: change.startedAt, finishedAt: change.finishedAt, exitCode: change.exitCode, error: change.error });
          await this.#publish(id, { kind: "step", id, ...change });
        }),
      onLog: (step, stream, line) =>
        later(async () => {
          await this.store.appendLog(id, step, `${line}\n`);
          await this.#publish(id, { kind: "log", id, step, stream, line: line.slice(0, 2000) });
        }),
    });
    this.#runs.set(id, run);
    void run.done.then((outcome) =>
      later(async () => {
        this.#runs.delete(id);
        if (outcome === "cancelled") return; // the cancel action already moved the order
        const current = await this.store.order(id);
        if (current?.state !== "running") return;
        const to = nextState("running", outcome === "succeeded" ? "succeed" : "fail", { id: null, isApprover: false, isSuperuser: false, system: true }, current.requesterId);
        const reason = outcome === "failed" ? "a step failed" : null;
        await this.store.setState(id, "running", to, null, { reason });
        await this.#publish(id, { kind: "order", id, state: to, reason });
      }),
    );
  }

  async #publish(id: number, event: OrderEvent): Promise<void> {
    await this.layer.groupSend(orderGroup(id), { type: "workorder.event", event });
    if (event.kind === "order") {
      await this.layer.groupSend(LIST_GROUP, { type: "workorder.event", event });
      await this.#notify(id, event.state, event.reason);
    }
  }

  /**
   * Tells the people an order's change concerns, on their notify sockets (any node): every
   * approver when an order waits for approval; its requester when it is approved, rejected,
   * has succeeded or failed.
   */
  async #notify(id: number, state: OrderState, reason: string | null): Promise<void> {
    const order = await this.store.order(id);
    if (!order) return;
    const tell = async (uid: number, message: string): Promise<void> => {
      const frame = { type: "notify", from: WORKORDERS_SENDER, message, to: uid, workOrder: { id, state, title: order.title } };
      await this.layer.groupSend(userChannel(uid), frame);
    };
    if (state === "pending_approval") {
      for (const uid of await this.store.approverIds(APPROVER)) {
        if (uid !== order.requesterId) await tell(uid, `work order #${id} "${order.title}" by ${order.requester} awaits your approval`);
      }
      return;
    }
    const what: Partial<Record<OrderState, string>> = { approved: "was approved", rejected: `was rejected: ${reason ?? ""}`, succeeded: "succeeded", failed: `failed: ${reason ?? ""}` };
    if (what[state]) await tell(order.requesterId, `your work order #${id} "${order.title}" ${what[state]}`);
  }
}
