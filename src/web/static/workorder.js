// Order page: the pipeline as an SVG diagram laid out by ELK (layered), redrawn live from
// /ws/workorders/<id>/; the selected step's log follows live; buttons shown by permission.
/* global ELK */
import { workOrderClient } from "/client/index.js";

const id = location.pathname.split("/")[2];
const SVG = "http://www.w3.org/2000/svg";
const diagram = document.getElementById("diagram");
const logBox = document.getElementById("step-log");
const errorBox = document.getElementById("order-error");
let view = null;
let graph = null;
let selected = null;

const el = (name, attrs = {}) => {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
};
// Two nodes before the pipeline, as release diagrams draw them: the request, then its approval.
const START = "start";
const APPROVAL = "approval";
const GATE_STATES = { draft: "pending", pending_approval: "waiting", rejected: "rejected", approved: "approved", running: "approved", succeeded: "approved", failed: "approved" };
function gateState(name) {
  if (name === START) return "succeeded";
  // A cancelled order was cancelled before or after its approval: the trail tells which.
  if (view.order.state === "cancelled") return view.audit?.some((a) => a.to === "approved") ? "approved" : "cancelled";
  return GATE_STATES[view.order.state] ?? "pending";
}
const isGate = (name) => name === START || name === APPROVAL;
const stepState = (name) => (isGate(name) ? gateState(name) : (view.steps.find((s) => s.step === name)?.state ?? "pending"));

async function layout() {
  const steps = view.template.steps;
  graph = await new ELK().layout({
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

function draw() {
  const svg = el("svg", { width: graph.width + 20, height: graph.height + 40, role: "img" });
  const defs = el("defs");
  const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#8a93a3" }));
  defs.append(marker);
  svg.append(defs);
  for (const edge of graph.edges) {
    const [from, to] = edge.id.split("->");
    const g = el("g", { class: "edge", "data-from": from, "data-to": to });
    for (const s of edge.sections ?? []) {
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
      g.append(el("path", { d: pts.map((p, i) => `${i ? "L" : "M"}${p.x + 10},${p.y + 10}`).join(" ") }));
      const mid = pts[Math.floor(pts.length / 2)];
      const label = el("text", { x: mid.x + 14, y: mid.y + 4, class: "edge-label" });
      g.append(label);
    }
    svg.append(g);
  }
  for (const node of graph.children) {
    const g = el("g", { class: "node", "data-step": node.id, transform: `translate(${node.x + 10},${node.y + 10})`, tabindex: 0 });
    g.append(el("rect", { width: node.width, height: node.height }));
    const name = el("text", { x: 10, y: 19 });
    name.textContent = node.id;
    const status = el("text", { x: 10, y: 36, class: "node-status" });
    g.append(name, status);
    if (isGate(node.id)) g.classList.add("gate");
    else g.addEventListener("click", () => select(node.id));
    svg.append(g);
  }
  diagram.replaceChildren(svg);
  paint();
}

/** Applies the current states to the drawing without laying it out again. */
function paint() {
  for (const g of diagram.querySelectorAll(".node")) {
    const s = view.steps.find((x) => x.step === g.dataset.step);
    const state = stepState(g.dataset.step);
    g.dataset.state = state;
    g.classList.toggle("selected", g.dataset.step === selected);
    const status = g.querySelector(".node-status");
    status.textContent = state === "failed" && s?.error ? `failed: ${s.error}`.slice(0, 24) : state;
    let title = g.querySelector("title");
    if (!title) g.append((title = el("title")));
    title.textContent = s?.error ? `${g.dataset.step}: ${s.error}` : `${g.dataset.step}: ${state}`;
  }
  for (const g of diagram.querySelectorAll(".edge")) {
    const running = stepState(g.dataset.to) === "running";
    g.classList.toggle("running", running);
    for (const t of g.querySelectorAll(".edge-label")) t.textContent = running ? "running…" : "";
  }
  drawAudit();
  const badge = document.getElementById("order-state");
  badge.dataset.state = view.order.state;
  badge.textContent = view.order.state.replace("_", " ");
}

const VERBS = { draft: "filed", pending_approval: "submitted for approval", approved: "approved", rejected: "rejected", running: "started", succeeded: "finished", failed: "failed", cancelled: "cancelled" };

/** The audit trail: who filed, who approved or rejected (with the reason), when each step ran. */
function drawAudit() {
  const list = document.getElementById("order-audit");
  const items = (view.audit ?? []).map((a) => ({
    at: a.at,
    // No actor: the pipeline moved the order itself (started, finished, failed).
    text: `${a.actor ?? "pipeline"} ${a.actor ? (VERBS[a.to] ?? a.to) : a.to}${a.note ? `: ${a.note}` : ""}`,
  }));
  for (const s of view.steps) {
    if (s.startedAt) items.push({ at: s.startedAt, text: `step ${s.step} started` });
    if (s.finishedAt) items.push({ at: s.finishedAt, text: `step ${s.step} ${s.state}${s.exitCode !== null && s.exitCode !== undefined ? ` (exit ${s.exitCode})` : ""}` });
  }
  items.sort((a, b) => a.at - b.at);
  list.replaceChildren(
    ...items.map((item) => {
      const li = document.createElement("li");
      const time = document.createElement("time");
      time.dateTime = new Date(item.at).toISOString();
      time.textContent = new Date(item.at).toLocaleString();
      li.append(time, " ", item.text);
      return li;
    }),
  );
}

async function select(step) {
  selected = step;
  document.getElementById("log-step").textContent = step;
  const res = await fetch(`/api/workorders/${id}/steps/${encodeURIComponent(step)}/log`);
  logBox.textContent = res.ok ? (await res.json()).log : "";
  paint();
}

async function refreshButtons() {
  const res = await fetch(`/api/workorders/${id}`);
  if (!res.ok) return;
  const { can } = await res.json();
  for (const action of ["approve", "reject", "retry", "cancel"]) document.getElementById(`action-${action}`).hidden = !can[action];
}

for (const action of ["approve", "reject", "retry", "cancel"]) {
  document.getElementById(`action-${action}`).addEventListener("click", async () => {
    const body = {};
    if (action === "reject") {
      const reason = prompt("Why is this order rejected?");
      if (!reason) return;
      body.reason = reason;
    }
    const res = await fetch(`/api/workorders/${id}/${action}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) {
      const answer = await res.json();
      errorBox.textContent = answer.detail ?? answer.error;
      errorBox.hidden = false;
    } else errorBox.hidden = true;
    await refreshButtons();
  });
}

async function onFrame(data) {
  if (data.type === "workorder.state") {
    view = data;
    document.getElementById("order-title").textContent = `#${view.order.id} ${view.order.title}`;
    document.getElementById("order-meta").textContent =
      `${view.order.templateName} · requested by ${view.order.requester} · ${Object.entries(view.order.params).map(([k, v]) => `${k}=${v}`).join(" ")}`;
    if (!graph) {
      await layout();
      draw();
    } else paint();
    await refreshButtons();
    return;
  }
  const e = data.event;
  if (!view || !e) return;
  if (e.kind === "step") {
    const s = view.steps.find((x) => x.step === e.step);
    if (s) Object.assign(s, { state: e.state, error: e.error ?? null, startedAt: e.startedAt ?? s.startedAt, finishedAt: e.finishedAt ?? s.finishedAt, exitCode: e.exitCode ?? s.exitCode });
    paint();
  } else if (e.kind === "order") {
    view.order.state = e.state;
    view.order.reason = e.reason;
    // The audit trail names who acted: read it again (one request per state change, not per log line).
    const fresh = await fetch(`/api/workorders/${id}`);
    if (fresh.ok) view.audit = (await fresh.json()).audit;
    paint();
    await refreshButtons();
  } else if (e.kind === "log" && e.step === selected) {
    logBox.textContent += `${e.line}\n`;
    logBox.scrollTop = logBox.scrollHeight;
  }
}

// The server sends the whole view on every (re)connect, so nothing needs resuming here.
const live = workOrderClient(Number(id), { backoff: { initialMs: 1000 } });
const stateBadge = document.getElementById("connection-state");
live.on("message", (data) => void onFrame(data));
live.on("state", (change) => {
  stateBadge.dataset.state = change.state;
  if (change.state === "open") stateBadge.textContent = "live";
  else if (change.state === "closed") stateBadge.textContent = change.code === 1006 && !view ? "sign in to watch" : "reconnecting…";
});
