import { SwitchboardError } from "../../core/index.js";
import "./errors.js";
import type { OrderState, StepState } from "../../protocol/workorders.js";

export type { OrderState, StepState };

/** What a person (or the runner, `system`) does to an order. */
export type OrderAction = "submit" | "approve" | "reject" | "start" | "succeed" | "fail" | "cancel" | "retry";

/** Who acts, and what they may do. */
export interface Actor {
  id: number | null;
  isApprover: boolean;
  isSuperuser: boolean;
  /** The runner itself. */
  system?: boolean;
}

/** An action refused: `code` is what API clients see. */
export class TransitionError extends SwitchboardError {
  constructor(
    readonly kind: "invalid_transition" | "forbidden",
    message: string,
  ) {
    super(kind === "forbidden" ? "SB_ERR_TRANSITION_FORBIDDEN" : "SB_ERR_INVALID_TRANSITION", message);
    this.name = "TransitionError";
  }
}

const MOVES: Record<OrderAction, { from: OrderState[]; to: OrderState }> = {
  submit: { from: ["draft"], to: "pending_approval" },
  approve: { from: ["pending_approval"], to: "approved" },
  reject: { from: ["pending_approval"], to: "rejected" },
  start: { from: ["approved"], to: "running" },
  succeed: { from: ["running"], to: "succeeded" },
  fail: { from: ["running"], to: "failed" },
  cancel: { from: ["draft", "pending_approval", "approved", "running"], to: "cancelled" },
  retry: { from: ["failed"], to: "running" },
};

/**
 * The state an action leads to, or a {@link TransitionError}. Rules: only the requester
 * submits; approving and rejecting need the approver role (or a superuser) and never the
 * requester; `start`/`succeed`/`fail` are the runner's; cancel and retry are the
 * requester's or an approver's.
 */
export function nextState(state: OrderState, action: OrderAction, actor: Actor, requesterId: number): OrderState {
  const move = MOVES[action];
  if (!move.from.includes(state)) throw new TransitionError("invalid_transition", `cannot ${action} an order that is ${state}`);
  const isRequester = actor.id === requesterId;
  const canApprove = actor.isApprover || actor.isSuperuser;
  switch (action) {
    case "submit":
      if (!isRequester) throw new TransitionError("forbidden", "only the requester submits an order");
      break;
    case "approve":
    case "reject":
      if (!canApprove) throw new TransitionError("forbidden", `${action} needs the approver role`);
      if (isRequester) throw new TransitionError("forbidden", `the requester cannot ${action} their own order`);
      break;
    case "start":
    case "succeed":
    case "fail":
      if (!actor.system) throw new TransitionError("forbidden", `${action} is done by the runner`);
      break;
    case "cancel":
    case "retry":
      if (!actor.system && !isRequester && !canApprove) throw new TransitionError("forbidden", `only the requester or an approver may ${action}`);
      break;
  }
  return move.to;
}
