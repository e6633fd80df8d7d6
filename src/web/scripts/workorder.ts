// Order page (/workorders/<id>/): the pipeline as an SVG diagram laid out by ELK (layered,
// bundled in), redrawn live from /ws/workorders/<id>/; the selected step's log follows
// live; buttons shown by permission.
import ELK from "elkjs/lib/elk.bundled.js";
import type { ElkNode } from "elkjs/lib/elk-api.js";
import { workOrderClient } from "../../client/index.js";
import { showAccount } from "./parts/account-bar.js";
import { apiMessage, byId, type ApiError } from "./parts/dom.js";
import { dateAndTime, t, type MessageKey } from "./parts/i18n.js";
import { stateName, type GateState } from "./parts/states.js";
import type { OrderAction, OrderEvent, OrderState, OrderView, StepState } from "./parts/workorder-api.js";

/** The close code of a socket refused at the handshake (a signed-out visitor's). */
const ABNORMAL_CLOSURE = 1006;
const SVG = "http://www.w3.org/2000/svg";
const ACTIONS: readonly OrderAction[] = ["approve", "reject", "retry", "cancel"];

const id = location.pathname.split("/")[2] ?? "";
const diagram = byId("diagram");
const logBox = byId("step-log");
const errorBox = byId("order-error");
let view: OrderView | null = null;
let graph: ElkNode | null = null;
let selected: string | null = null;

const el = (name: string, attrs: Record<string, string | number> = {}): SVGElement => {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
};
// Two nodes before the pipeline, as release diagrams draw them: the request, then its approval.
const START = "start";
const APPROVAL = "approval";
const GATE_STATES: Partial<Record<OrderState, GateState>> = {
  draft: "pending",
  pending_approval: "waiting",
  rejected: "rejected",
  approved: "approved",
  running: "approved",
  succeeded: "approved",
  failed: "approved",
};
function gateState(current: OrderView, name: string): GateState {
  if (name === START) return "succeeded";
  // A cancelled order was cancelled before or after its approval: the trail tells which.
  if (current.order.state === "cancelled") return current.audit?.some((a) => a.to === "approved") ? "approved" : "cancelled";
  return GATE_STATES[current.order.state] ?? "pending";
}
const isGate = (name: string): boolean => name === START || name === APPROVAL;
const stepState = (current: OrderView, name: string): StepState | GateState =>
  isGate(name) ? gateState(current, name) : (current.steps.find((s) => s.step === name)?.state ?? "pending");

async function layout(current: OrderView): Promise<ElkNode> {
  const steps = current.template.steps;
  return new ELK().layout({
    id: "root",
    layoutOptions: { "elk.algorithm": "layered", "elk.direction": "RIGHT", "elk.spacing.nodeNode": "24", "elk.layered.spacing.nodeNodeBetweenLayers": "56" },
    children: [{ id: START, width: 110, height: 46 }, { id: APPROVAL, width: 140, height: 46 }, ...steps.map((s) => ({ id: s.name, width: 140, height: 46 }))],
    edges: [
      { id: `${START}->${APPROVAL}`, sources: [START], targets: [APPROVAL] },
      // The steps that need nothing start once the order is approved.
      ...steps.filter((s) => (s.needs ?? []).length === 0).map((s) => ({ id: `${APPROVAL}->${s.name}`, sources: [APPROVAL], targets: [s.name] })),
      ...steps.flatMap((s) => (s.needs ?? []).map((n) => ({ id: `${n}->${s.name}`, sources: [n], targets: [s.name] }))),
    ],
  });
}

function draw(laid: ElkNode, current: OrderView): void {
  const svg = el("svg", { width: (laid.width ?? 0) + 20, height: (laid.height ?? 0) + 40, role: "img" });
  const defs = el("defs");
  const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#8a93a3" }));
  defs.append(marker);
  svg.append(defs);
  for (const edge of laid.edges ?? []) {
    const [from = "", to = ""] = edge.id.split("->");
    const g = el("g", { class: "edge", "data-from": from, "data-to": to });
    for (const s of edge.sections ?? []) {
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
      g.append(el("path", { d: pts.map((p, i) => `${i ? "L" : "M"}${p.x + 10},${p.y + 10}`).join(" ") }));
      const mid = pts[Math.floor(pts.length / 2)] ?? s.startPoint;
      g.append(el("text", { x: mid.x + 14, y: mid.y + 4, class: "edge-label" }));
    }
    svg.append(g);
  }
  for (const node of laid.children ?? []) {
    const g = el("g", { class: "node", "data-step": node.id, transform: `translate(${(node.x ?? 0) + 10},${(node.y ?? 0) + 10})`, tabindex: 0 });
    g.append(el("rect", { width: node.width ?? 0, height: node.height ?? 0 }));
    const name = el("text", { x: 10, y: 19 });
    name.textContent = node.id === START ? t("order.node_start") : node.id === APPROVAL ? t("order.node_approval") : node.id;
    const status = el("text", { x: 10, y: 36, class: "node-status" });
    g.append(name, status);
    if (isGate(node.id)) g.classList.add("gate");
    else g.addEventListener("click", () => void select(node.id));
    svg.append(g);
  }
  diagram.replaceChildren(svg);
  paint(current);
}

/** Applies the current states to the drawing without laying it out again. */
function paint(current: OrderView): void {
  for (const g of diagram.querySelectorAll<SVGElement>(".node")) {
    const step = g.dataset.step ?? "";
    const s = current.steps.find((x) => x.step === step);
    const state = stepState(current, step);
    g.dataset.state = state;
    g.classList.toggle("selected", step === selected);
    const status = g.querySelector(".node-status");
    if (status) status.textContent = state === "failed" && s?.error ? t("order.step_failed", { error: s.error }).slice(0, 24) : stateName(state);
    let title = g.querySelector<SVGTitleElement>("title");
    if (!title) g.append((title = el("title") as SVGTitleElement));
    title.textContent = s?.error ? `${step}: ${s.error}` : `${step}: ${stateName(state)}`;
  }
  for (const g of diagram.querySelectorAll<SVGElement>(".edge")) {
    const running = stepState(current, g.dataset.to ?? "") === "running";
    g.classList.toggle("running", running);
    for (const label of g.querySelectorAll(".edge-label")) label.textContent = running ? t("order.edge_running") : "";
  }
  drawAudit(current);
  const badge = byId("order-state");
  badge.dataset.state = current.order.state;
  badge.textContent = stateName(current.order.state);
}

/** What a person did to reach each state, as the audit trail says it ("lead approved"). */
const VERBS: Readonly<Record<OrderState, MessageKey>> = {
  draft: "order.verb_draft",
  pending_approval: "order.verb_pending_approval",
  approved: "order.verb_approved",
  rejected: "order.verb_rejected",
  running: "order.verb_running",
  succeeded: "order.verb_succeeded",
  failed: "order.verb_failed",
  cancelled: "order.verb_cancelled",
};
const verb = (to: string): string => (Object.hasOwn(VERBS, to) ? t(VERBS[to as OrderState]) : to);

/** The audit trail: who filed, who approved or rejected (with the reason), when each step ran. */
function drawAudit(current: OrderView): void {
  const list = byId("order-audit", HTMLOListElement);
  const items = (current.audit ?? []).map((a) => {
    // No actor: the pipeline moved the order itself (started, finished, failed).
    const entry = a.actor ? t("order.audit_entry", { actor: a.actor, verb: verb(a.to) }) : t("order.audit_entry", { actor: t("order.pipeline_actor"), verb: stateName(a.to) });
    return { at: a.at, text: a.note ? t("order.audit_note", { entry, note: a.note }) : entry };
  });
  for (const s of current.steps) {
    if (s.startedAt) items.push({ at: s.startedAt, text: t("order.step_started", { step: s.step }) });
    if (s.finishedAt) {
      const entry = t("order.step_finished", { step: s.step, state: stateName(s.state) });
      items.push({ at: s.finishedAt, text: s.exitCode !== null && s.exitCode !== undefined ? t("order.step_exit", { entry, code: s.exitCode }) : entry });
    }
  }
  items.sort((a, b) => a.at - b.at);
  list.replaceChildren(
    ...items.map((item) => {
      const li = document.createElement("li");
      const time = document.createElement("time");
      time.dateTime = new Date(item.at).toISOString();
      time.textContent = dateAndTime(new Date(item.at));
      li.append(time, " ", item.text);
      return li;
    }),
  );
}

async function select(step: string): Promise<void> {
  selected = step;
  byId("log-step").textContent = step;
  const res = await fetch(`/api/workorders/${id}/steps/${encodeURIComponent(step)}/log`);
  logBox.textContent = res.ok ? ((await res.json()) as { log: string }).log : "";
  if (view) paint(view);
}

async function refreshButtons(): Promise<void> {
  const res = await fetch(`/api/workorders/${id}`);
  if (!res.ok) return;
  const { can } = (await res.json()) as { can: Record<OrderAction, boolean> };
  for (const action of ACTIONS) byId(`action-${action}`).hidden = !can[action];
}

for (const action of ACTIONS) {
  byId(`action-${action}`).addEventListener("click", async () => {
    const body: { reason?: string } = {};
    if (action === "reject") {
      const reason = prompt(t("order.reject_reason"));
      if (!reason) return;
      body.reason = reason;
    }
    const res = await fetch(`/api/workorders/${id}/${action}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) {
      errorBox.textContent = apiMessage((await res.json()) as ApiError);
      errorBox.hidden = false;
    } else errorBox.hidden = true;
    await refreshButtons();
  });
}

async function onFrame(data: { type: string; event?: unknown }): Promise<void> {
  if (data.type === "workorder.state") {
    const current = data as unknown as OrderView;
    view = current;
    byId("order-title").textContent = `#${current.order.id} ${current.order.title}`;
    byId("order-meta").textContent =
      t("order.meta", { template: current.order.templateName, requester: current.order.requester, params: Object.entries(current.order.params).map(([k, v]) => `${k}=${v}`).join(" ") });
    if (!graph) {
      graph = await layout(current);
      draw(graph, view);
    } else paint(current);
    await refreshButtons();
    return;
  }
  const e = data.event as OrderEvent | undefined;
  if (!view || !e) return;
  if (e.kind === "step") {
    const s = view.steps.find((x) => x.step === e.step);
    if (s) Object.assign(s, { state: e.state, error: e.error ?? null, startedAt: e.startedAt ?? s.startedAt, finishedAt: e.finishedAt ?? s.finishedAt, exitCode: e.exitCode ?? s.exitCode });
    paint(view);
  } else if (e.kind === "order") {
    view.order.state = e.state;
    view.order.reason = e.reason;
    // The audit trail names who acted: read it again (one request per state change, not per log line).
    const fresh = await fetch(`/api/workorders/${id}`);
    if (fresh.ok) view.audit = ((await fresh.json()) as OrderView).audit;
    paint(view);
    await refreshButtons();
  } else if (e.kind === "log" && e.step === selected) {
    logBox.textContent += `${e.line}\n`;
    logBox.scrollTop = logBox.scrollHeight;
  }
}

void showAccount();
// The server sends the whole view on every (re)connect, so nothing needs resuming here.
const live = workOrderClient(Number(id), { backoff: { initialMs: 1000 } });
const stateBadge = byId("connection-state");
live.on("message", (data) => void onFrame(data));
live.on("state", (change) => {
  stateBadge.dataset.state = change.state;
  if (change.state === "open") stateBadge.textContent = t("order.live");
  else if (change.state === "closed") stateBadge.textContent = change.code === ABNORMAL_CLOSURE && !view ? t("order.sign_in_watch") : t("common.reconnecting");
});
