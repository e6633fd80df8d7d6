// The admin dashboard (/admin/, superusers): every node's snapshot over /ws/admin/, merged
// here (one row per node, sums across nodes), charts of the last 15 minutes (uPlot), and the
// two actions, close a socket and send a notice, which the server audits. Frames:
// src/protocol/admin.ts; what each table means: docs/admin.md.
import uPlot from "uplot";
// One stylesheet for the page (as every page has): the site's, uPlot's and the dashboard's.
import "../static/style.css";
import "uplot/dist/uPlot.min.css";
import "./admin.css";
import { SwitchboardClient, socketUrl } from "../../client/index.js";
import type { AdminAuditEntry, AdminAwaitingOrder, AdminClientFrame, AdminSample, AdminServerFrame, NodeSnapshot } from "../../protocol/admin.js";
import { showAccount } from "./parts/account-bar.js";
import { byId, bySelector } from "./parts/dom.js";
import { dateAndTime, t, timeOfDay, type MessageKey } from "./parts/i18n.js";

/** Every string this script writes (the page's own are in admin.html), from the catalogs (src/web/i18n/). */
const STRINGS = {
  connecting: t("common.connecting"),
  live: t("dashboard.live"),
  down: (code: number) => t("dashboard.down", { code }),
  signIn: t("dashboard.sign_in"),
  none: t("dashboard.none"),
  healthy: t("dashboard.healthy"),
  unhealthy: t("dashboard.unhealthy"),
  close: t("dashboard.close"),
  closing: t("dashboard.closing"),
  sent: t("dashboard.outcome_sent"),
  secondsAgo: (seconds: number) => t("dashboard.seconds_ago", { seconds }),
  outcome: (o: string) => pick(o, { closed: "dashboard.outcome_closed", not_found: "dashboard.outcome_not_found", no_answer: "dashboard.outcome_no_answer", no_such_node: "dashboard.outcome_no_such_node", sent: "dashboard.outcome_sent" }) ?? o,
  action: (a: string) => pick(a, { close_socket: "dashboard.action_close_socket", notice: "dashboard.action_notice" }) ?? a,
  refusal: (status: string) =>
    pick(status, { "400": "dashboard.refusal_400", "401": "dashboard.refusal_401", "403": "dashboard.refusal_403", "404": "dashboard.refusal_404", "408": "dashboard.refusal_408", "426": "dashboard.refusal_426", "429": "dashboard.refusal_429", "500": "dashboard.refusal_500", "503": "dashboard.refusal_503" }) ?? "",
  series: {
    sockets: t("dashboard.series_sockets"),
    framesIn: t("dashboard.series_frames_in"),
    framesOut: t("dashboard.series_frames_out"),
    refused: t("dashboard.series_refused"),
    rateLimited: t("dashboard.series_rate_limited"),
    slow: t("dashboard.series_slow"),
    groupDropped: t("dashboard.series_group_dropped"),
    messages: t("dashboard.series_messages"),
  },
} as const;

/** The message for a code the server sends (`not_found`, `429`), or undefined for one this page does not know. */
function pick(code: string, keys: Readonly<Record<string, MessageKey>>): string | undefined {
  return Object.hasOwn(keys, code) ? t(keys[code]!) : undefined;
}

/** Close code of a handshake the server refused (what a browser reports for a 401 or 403). */
const ABNORMAL_CLOSURE = 1006;
const HISTORY_MS = 15 * 60_000;

const status = byId("admin-status");
const errorBox = byId("admin-error");
const reason = byId("close-reason", HTMLInputElement);
const noticeForm = byId("notice-form", HTMLFormElement);
const noticeResult = byId("notice-result");

const nodes = new Map<string, NodeSnapshot>();
const history = new Map<string, AdminSample[]>();
let audit: AdminAuditEntry[] = [];
let awaiting: AdminAwaitingOrder[] = [];
let requests = 0;
/** What each pending action's button or line says when its `admin.result` comes. */
const pending = new Map<string, (outcome: string) => void>();

function cells(row: (string | Node)[]): HTMLTableRowElement {
  const tr = document.createElement("tr");
  for (const c of row) {
    const td = document.createElement("td");
    td.append(c);
    tr.append(td);
  }
  return tr;
}

function fill(table: string, rows: HTMLTableRowElement[]): void {
  bySelector(`#${table} tbody`, HTMLTableSectionElement).replaceChildren(...rows);
}

const time = (ms: number | null): string => (ms === null ? "" : timeOfDay(new Date(ms)));
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

function render(): void {
  const all = [...nodes.values()].sort((a, b) => a.node.localeCompare(b.node));
  byId("total-sockets").textContent = String(sum(all.map((n) => n.sockets.open)));
  byId("total-nodes").textContent = String(all.length);
  byId("beat-leader").textContent = all.find((n) => n.beat?.leader)?.node ?? STRINGS.none;
  const now = Date.now();
  fill(
    "nodes",
    all.map((n) => {
      const c = n.counters;
      const tr = cells([n.node, String(n.sockets.open), String(n.sockets.pendingHandshakes), String(c.framesIn), String(c.framesOut), String(c.rateLimited), String(c.slowConsumersDropped), String(c.deadPeersDropped), String(c.overloaded), n.layer.healthy ? STRINGS.healthy : STRINGS.unhealthy, String(n.layer.groupSendDropped), String(n.layer.groupSendFailed), STRINGS.secondsAgo(Math.max(0, Math.round((now - n.at) / 1000)))]);
      tr.dataset.node = n.node;
      return tr;
    }),
  );
  fill("routes", all.flatMap((n) => Object.entries(n.sockets.byRoute).sort().map(([route, count]) => Object.assign(cells([route, n.node, String(count)]), { title: route }))));
  fill(
    "sockets",
    all.flatMap((n) =>
      [...n.sockets.recent].reverse().map((s) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "close-socket";
        button.textContent = STRINGS.close;
        button.addEventListener("click", () => {
          button.disabled = true;
          button.textContent = STRINGS.closing;
          act({ type: "close_socket", request: "", node: n.node, connection_id: s.connectionId, reason: reason.value }, (outcome) => {
            button.textContent = STRINGS.outcome(outcome);
          });
        });
        const tr = cells([s.connectionId, n.node, s.route, s.user ?? "", time(s.openedAt), button]);
        tr.dataset.connection = s.connectionId;
        return tr;
      }),
    ),
  );
  const rooms = new Map<string, { members: number; perMinute: number; messages: number }>();
  for (const n of all) {
    for (const r of n.rooms) {
      const room = rooms.get(r.name) ?? { members: 0, perMinute: 0, messages: 0 };
      rooms.set(r.name, { members: room.members + r.members, perMinute: room.perMinute + r.perMinute, messages: room.messages + r.messages });
    }
  }
  fill("rooms", [...rooms].sort((a, b) => b[1].members - a[1].members).map(([name, r]) => Object.assign(cells([name, String(r.members), r.perMinute.toFixed(1), String(r.messages)]), { dataset: { room: name } })));
  const refused = new Map<string, number>();
  for (const n of all) for (const [code, count] of Object.entries(n.counters.refused)) refused.set(code, (refused.get(code) ?? 0) + count);
  fill("refusals", [...refused].sort().map(([code, count]) => cells([code, STRINGS.refusal(code), String(count)])));
  const leader = all.find((n) => n.beat?.leader) ?? all.find((n) => n.beat);
  fill("beat", (leader?.beat?.entries ?? []).map((e) => cells([e.name, e.target, e.type, time(e.next)])));
  fill("workers", all.flatMap((n) => (n.workers ? [cells([n.node, n.workers.channels.join(", "), String(n.workers.handled), String(n.workers.failed)])] : [])));
  fill(
    "awaiting",
    awaiting.map((o) => {
      const link = document.createElement("a");
      link.href = `/workorders/${o.id}/`;
      link.textContent = o.title;
      return cells([String(o.id), link, o.requester, time(o.since)]);
    }),
  );
  fill("audit", audit.map((e) => cells([dateAndTime(new Date(e.at)), e.actor, STRINGS.action(e.action), e.target, e.detail, STRINGS.outcome(e.outcome)])));
  drawCharts();
}

// ---- charts: each node's samples, bucketed by sample time and summed across nodes ----

type Pick = (s: AdminSample) => number;
interface Chart {
  plot: uPlot;
  lines: { pick: Pick; rate: boolean }[];
}
const charts: Chart[] = [];

function chart(id: string, lines: { label: string; pick: Pick; rate: boolean; stroke: string }[]): void {
  const target = byId(id);
  const options: uPlot.Options = {
    width: 520,
    height: 180,
    scales: { x: { time: true } },
    series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.stroke, width: 2 }))],
  };
  charts.push({ plot: new uPlot(options, [[], ...lines.map(() => [])], target), lines });
}

function bucketSize(): number {
  return Math.min(5000, ...[...nodes.values()].map((n) => n.interval));
}

function drawCharts(): void {
  const size = bucketSize();
  const since = Date.now() - HISTORY_MS;
  for (const { plot, lines } of charts) {
    const buckets = new Map<number, number[]>();
    for (const samples of history.values()) {
      const recent = samples.filter((s) => s.at >= since);
      recent.forEach((s, i) => {
        const previous = recent[i - 1];
        const bucket = Math.round(s.at / size) * size;
        const values = buckets.get(bucket) ?? lines.map(() => 0);
        lines.forEach((line, j) => {
          if (!line.rate) values[j]! += line.pick(s);
          else if (previous) values[j]! += Math.max(0, line.pick(s) - line.pick(previous)) / Math.max(0.001, (s.at - previous.at) / 1000);
        });
        buckets.set(bucket, values);
      });
    }
    const xs = [...buckets.keys()].sort((a, b) => a - b);
    plot.setData([xs.map((x) => x / 1000), ...lines.map((_l, j) => xs.map((x) => buckets.get(x)![j]!))]);
  }
}

chart("chart-sockets", [{ label: STRINGS.series.sockets, pick: (s) => s.sockets, rate: false, stroke: "#2859c5" }]);
chart("chart-frames", [
  { label: STRINGS.series.framesIn, pick: (s) => s.framesIn, rate: true, stroke: "#2859c5" },
  { label: STRINGS.series.framesOut, pick: (s) => s.framesOut, rate: true, stroke: "#1e8a4c" },
]);
chart("chart-drops", [
  { label: STRINGS.series.refused, pick: (s) => s.refused, rate: true, stroke: "#b3261e" },
  { label: STRINGS.series.rateLimited, pick: (s) => s.rateLimited, rate: true, stroke: "#c77700" },
  { label: STRINGS.series.slow, pick: (s) => s.slowConsumersDropped, rate: true, stroke: "#6b3fa0" },
  { label: STRINGS.series.groupDropped, pick: (s) => s.groupSendDropped, rate: true, stroke: "#555" },
]);
chart("chart-messages", [{ label: STRINGS.series.messages, pick: (s) => s.messages, rate: true, stroke: "#1e8a4c" }]);

// ---- the socket ----

const live = new SwitchboardClient<AdminServerFrame, AdminClientFrame>({ url: socketUrl("/ws/admin/"), backoff: { initialMs: 1000 } });

/** Sends an action with a fresh request id; `done` gets its outcome. */
function act(frame: AdminClientFrame, done: (outcome: string) => void): void {
  const request = `r${++requests}`;
  pending.set(request, done);
  live.send({ ...frame, request });
}

live.on("message", (frame) => {
  switch (frame.type) {
    case "admin.state":
      nodes.clear();
      history.clear();
      for (const n of frame.nodes) nodes.set(n.node, n);
      for (const [node, samples] of Object.entries(frame.history)) history.set(node, samples);
      audit = frame.audit;
      awaiting = frame.awaiting;
      break;
    case "admin.node": {
      nodes.set(frame.snapshot.node, frame.snapshot);
      const samples = history.get(frame.snapshot.node) ?? [];
      samples.push(frame.sample);
      while (samples.length > 0 && samples[0]!.at < Date.now() - HISTORY_MS) samples.shift();
      history.set(frame.snapshot.node, samples);
      break;
    }
    case "admin.node_gone":
      nodes.delete(frame.node);
      history.delete(frame.node);
      break;
    case "admin.awaiting":
      awaiting = frame.orders;
      break;
    case "admin.audit":
      audit = [frame.entry, ...audit.filter((e) => e.id !== frame.entry.id)].slice(0, 50);
      break;
    case "admin.result":
      pending.get(frame.request)?.(frame.outcome);
      pending.delete(frame.request);
      return;
    default:
      return;
  }
  render();
});
live.on("error", (e) => {
  errorBox.textContent = e.detail ?? e.error;
  errorBox.hidden = false;
});
live.on("state", ({ state, code }) => {
  status.dataset.state = state;
  status.textContent = state === "open" ? STRINGS.live : state === "connecting" ? STRINGS.connecting : STRINGS.down(code ?? 0);
  if (state !== "open" && code === ABNORMAL_CLOSURE && nodes.size === 0) {
    errorBox.textContent = STRINGS.signIn;
    errorBox.hidden = false;
  } else if (state === "open") errorBox.hidden = true;
});

noticeForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const group = byId("notice-group", HTMLInputElement).value.trim();
  const input = byId("notice-message", HTMLInputElement);
  act({ type: "notice", request: "", group, message: input.value }, (outcome) => {
    noticeResult.textContent = STRINGS.outcome(outcome);
    input.value = "";
  });
});

void showAccount();
