import { ID, refusals } from "../../http/schemas.js";
import type { OrderState } from "./states.js";
import "./errors.js";

/**
 * The JSON Schemas of the work-order API (`http.ts`): what Fastify validates requests with,
 * serializes replies with (a field not named here is not sent) and `/api/openapi.json`
 * describes. The semantic checks (a template's DAG, a parameter's pattern, who may do
 * what) stay in the service; these give the shape.
 */

const ORDER_STATES = ["draft", "pending_approval", "approved", "running", "succeeded", "failed", "rejected", "cancelled"] as const satisfies readonly OrderState[];
const STEP_STATES = ["pending", "running", "succeeded", "failed", "skipped", "cancelled"] as const;
const TAGS = ["workorders"];
const nullable = (type: string) => ({ type: [type, "null"] }) as const;

const ORDER = {
  type: "object",
  required: ["id", "title", "templateId", "templateName", "params", "requesterId", "requester", "approverId", "state", "reason", "createdAt", "updatedAt"],
  properties: {
    id: { type: "integer" },
    title: { type: "string" },
    templateId: { type: "integer" },
    templateName: { type: "string" },
    params: { type: "object", additionalProperties: { type: "string" } },
    requesterId: { type: "integer" },
    requester: { type: "string" },
    approverId: nullable("integer"),
    state: { type: "string", enum: ORDER_STATES },
    reason: nullable("string"),
    createdAt: { type: "integer", description: "Milliseconds since the epoch." },
    updatedAt: { type: "integer", description: "Milliseconds since the epoch." },
  },
} as const;

/** A pipeline template as stored (its steps, parameters and commands: see docs/workorders.md). */
const TEMPLATE = {
  type: "object",
  required: ["name", "steps"],
  properties: {
    name: { type: "string" },
    description: { type: "string" },
    params: { type: "object", additionalProperties: { type: "object", additionalProperties: true } },
    steps: { type: "array", items: { type: "object", additionalProperties: true } },
    concurrency: { type: "integer" },
  },
  additionalProperties: true,
} as const;

const VIEW_PROPERTIES = {
  order: ORDER,
  template: { ...TEMPLATE, description: "The order's own pipeline: the template with its fan-outs expanded for this order's parameters." },
  steps: {
    type: "array",
    items: {
      type: "object",
      required: ["step", "state"],
      properties: {
        step: { type: "string" },
        state: { type: "string", enum: STEP_STATES },
        startedAt: nullable("integer"),
        finishedAt: nullable("integer"),
        exitCode: nullable("integer"),
        error: nullable("string"),
      },
    },
  },
  audit: {
    type: "array",
    items: {
      type: "object",
      required: ["to", "at"],
      properties: { actorId: nullable("integer"), actor: nullable("string"), from: nullable("string"), to: { type: "string" }, note: nullable("string"), at: { type: "integer" } },
    },
  },
} as const;

/** Everything a page needs to draw an order. */
const VIEW = { type: "object", required: ["order", "template", "steps", "audit"], properties: VIEW_PROPERTIES } as const;

const ORDER_PARAMS = { type: "object", required: ["id"], properties: { id: ID } } as const;

export const LIST_ORDERS = {
  summary: "List work orders",
  description: "Newest first, at most 200. An approver or superuser sees every order, anyone else their own; `?awaiting=me`: the orders waiting for my approval.",
  tags: TAGS,
  querystring: { type: "object", properties: { state: { type: "string", enum: ORDER_STATES }, awaiting: { type: "string", enum: ["me"] } } },
  response: { 200: { type: "object", required: ["orders"], properties: { orders: { type: "array", items: ORDER } } }, ...refusals("SB_ERR_INVALID_REQUEST") },
} as const;

export const GET_ORDER = {
  summary: "One work order",
  description: "The order, its pipeline, step runs and audit trail, and which actions this user may take (the server checks again on each). The requester, approvers and superusers only; anyone else gets 404, as for a missing order.",
  tags: TAGS,
  params: ORDER_PARAMS,
  response: {
    200: {
      type: "object",
      required: [...VIEW.required, "can"],
      properties: {
        ...VIEW_PROPERTIES,
        can: { type: "object", properties: { approve: { type: "boolean" }, reject: { type: "boolean" }, cancel: { type: "boolean" }, retry: { type: "boolean" } } },
      },
    },
    ...refusals("SB_ERR_NO_SUCH_ORDER"),
  },
} as const;

export const STEP_LOG = {
  summary: "A step's log",
  description: "What the step printed (stdout and stderr, as it ran).",
  tags: TAGS,
  params: { type: "object", required: ["id", "step"], properties: { id: ID, step: { type: "string" } } },
  response: { 200: { type: "object", required: ["log"], properties: { log: { type: "string" } } }, ...refusals("SB_ERR_NO_SUCH_ORDER") },
} as const;

export const LIST_TEMPLATES = {
  summary: "List pipeline templates",
  tags: TAGS,
  response: { 200: { type: "object", required: ["templates"], properties: { templates: { type: "array", items: { ...TEMPLATE, required: ["id", ...TEMPLATE.required], properties: { id: { type: "integer" }, ...TEMPLATE.properties } } } } } },
} as const;

export const DEFINE_TEMPLATE = {
  summary: "Define or replace a pipeline template",
  description: "Superusers only. A template of the same name is replaced. Checked whole (names, argv commands, known dependencies, no cycles) before it is saved.",
  tags: TAGS,
  body: TEMPLATE,
  response: { 200: { type: "object", required: ["id"], properties: { id: { type: "integer" } } }, ...refusals("SB_ERR_INVALID_TEMPLATE", "SB_ERR_TRANSITION_FORBIDDEN") },
} as const;

export const LIST_ROLES = {
  summary: "Who holds which role",
  description: "Superusers only.",
  tags: TAGS,
  response: {
    200: {
      type: "object",
      required: ["roles", "users"],
      properties: {
        roles: { type: "array", items: { type: "string" } },
        users: {
          type: "array",
          items: { type: "object", required: ["id", "username", "isSuperuser", "roles"], properties: { id: { type: "integer" }, username: { type: "string" }, isSuperuser: { type: "boolean" }, roles: { type: "array", items: { type: "string" } } } },
        },
      },
    },
  },
} as const;

export function grantRole(role: string) {
  return {
    summary: "Grant or revoke a role",
    description: "Superusers only.",
    tags: TAGS,
    body: { type: "object", required: ["username", "role", "grant"], properties: { username: { type: "string" }, role: { type: "string", enum: [role] }, grant: { type: "boolean" } } },
    response: {
      200: { type: "object", required: ["username", "role", "granted"], properties: { username: { type: "string" }, role: { type: "string" }, granted: { type: "boolean" } } },
      ...refusals("SB_ERR_INVALID_REQUEST", "SB_ERR_NOT_FOUND"),
    },
  } as const;
}

export const FILE_ORDER = {
  summary: "File a work order",
  description: "Filed and submitted for approval at once. `template` is the template's id or name; `params` are checked against its declared parameters.",
  tags: TAGS,
  body: {
    type: "object",
    required: ["title", "template"],
    properties: {
      title: { type: "string", description: "1–200 characters." },
      template: { type: ["integer", "string"] },
      params: { type: "object", additionalProperties: { type: "string" } },
    },
  },
  response: { 201: VIEW, ...refusals("SB_ERR_INVALID_TEMPLATE") },
} as const;

export function actOnOrder(actions: readonly string[]) {
  return {
    summary: "Approve, reject, cancel or retry an order",
    description: "`reject` needs a `reason`. Who may do what: approvers (not on their own orders) approve and reject; the requester cancels; a failed order is retried by the requester or an approver.",
    tags: TAGS,
    params: { type: "object", required: ["id", "action"], properties: { id: ID, action: { type: "string", enum: actions } } },
    body: { type: ["object", "null"], properties: { reason: { type: "string" } } },
    response: { 200: VIEW, ...refusals("SB_ERR_INVALID_REQUEST", "SB_ERR_INVALID_TEMPLATE", "SB_ERR_NOT_FOUND", "SB_ERR_NO_SUCH_ORDER", "SB_ERR_TRANSITION_FORBIDDEN", "SB_ERR_INVALID_TRANSITION") },
  } as const;
}
