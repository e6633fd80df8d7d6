// The work-order and step states as the pages show them (the wire keeps the codes:
// `pending_approval`, `succeeded`; `data-state` attributes keep them too, for the styles).
import { t, type MessageKey } from "./i18n.js";
import type { OrderState, StepState } from "./workorder-api.js";

/** The order's approval gate in the diagram (src/web/scripts/workorder.ts). */
export type GateState = "pending" | "waiting" | "rejected" | "approved" | "succeeded" | "cancelled";

const STATE_KEYS: Readonly<Record<OrderState | StepState | GateState, MessageKey>> = {
  draft: "state.draft",
  pending_approval: "state.pending_approval",
  approved: "state.approved",
  running: "state.running",
  succeeded: "state.succeeded",
  failed: "state.failed",
  rejected: "state.rejected",
  cancelled: "state.cancelled",
  pending: "state.pending",
  skipped: "state.skipped",
  waiting: "state.waiting",
};

/** A state's name in the page's language; a state this page does not know shows as its code. */
export function stateName(state: string): string {
  const key = Object.hasOwn(STATE_KEYS, state) ? STATE_KEYS[state as keyof typeof STATE_KEYS] : undefined;
  return key ? t(key) : state;
}
