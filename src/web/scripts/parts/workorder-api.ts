// The work-order HTTP API and socket views as the pages read them. The states and step runs
// come from src/protocol (shared with the server); the rest (store.ts WorkOrder,
// AuditEntry; template.ts PipelineTemplate; service.ts OrderView, OrderEvent) is restated
// here, narrowed to what a page reads, because those modules run on Node (storage,
// processes) and the page scripts are checked with the DOM's types only (tsconfig.web.json).
import type { OrderState, StepRun, StepState } from "../../../protocol/workorders.js";
import { apiMessage, type ApiError } from "./dom.js";

export type { OrderState, StepRun, StepState };
export type OrderAction = "approve" | "reject" | "retry" | "cancel";

export interface WorkOrder {
  id: number;
  title: string;
  templateName: string;
  params: Record<string, string>;
  requester: string;
  state: OrderState;
  reason: string | null;
}


export interface AuditEntry {
  actor: string | null;
  to: string;
  note: string | null;
  at: number;
}

export interface ParamDefinition {
  pattern: string;
  description?: string;
  default?: string;
}

export interface PipelineTemplate {
  id: number;
  name: string;
  description?: string;
  params: Record<string, ParamDefinition>;
  steps: { name: string; needs?: string[] }[];
}

/** `workorder.state` on /ws/workorders/<id>/: the whole view, on every (re)connect. */
export interface OrderView {
  order: WorkOrder;
  template: PipelineTemplate;
  steps: StepRun[];
  audit?: AuditEntry[];
}

/** `workorder.event`'s `event`: a change to the order, to one step, or a log line. */
export type OrderEvent =
  | { kind: "order"; id: number; state: OrderState; reason: string | null }
  | { kind: "step"; id: number; step: string; state: StepState; error?: string | null; startedAt?: number; finishedAt?: number; exitCode?: number | null }
  | { kind: "log"; id: number; step: string; line: string };

/**
 * GET (no `body`) or POST `body` as JSON to `url`, answering the parsed reply; an error
 * answer throws its message (`detail`, else `error`).
 */
export async function api<T>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const answer = (await res.json()) as T | ApiError;
  if (!res.ok) throw new ApiAnswerError(res.status, apiMessage(answer as ApiError));
  return answer as T;
}

/** An error answer of {@link api}: its HTTP status and message. */
export class ApiAnswerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiAnswerError";
  }
}
