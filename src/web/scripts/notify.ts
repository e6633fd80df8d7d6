// Notify page (/notify/): the signed-in user's group notifications over /ws/notify/ (the
// session cookie authenticates the socket), sent to the whole group or to one member.
import { notifyClient, type ConnectionState, type NotifyFrame, type NotifySend } from "../../client/index.js";
import { showAccount } from "./parts/account-bar.js";
import { byId } from "./parts/dom.js";
import { t, type MessageKey } from "./parts/i18n.js";

/** What GET /api/group/members answers a signed-in user (src/apps/accounts). */
interface GroupMembers {
  group: string;
  members: { id: number; username: string; nickname: string | null }[];
}

/** What the badge says in each state of the connection (a closed one is retried). */
const STATE_TEXT = { connecting: "common.connecting", open: "common.connected", closed: "common.reconnecting", stopped: "common.stopped" } as const satisfies Record<ConnectionState, MessageKey>;

const log = byId("notify-log", HTMLOListElement);
const form = byId("notify-form", HTMLFormElement);
const to = byId("notify-to", HTMLSelectElement);
const input = byId("notify-message", HTMLInputElement);
const stateBadge = byId("connection-state");
const errorBox = byId("notify-error");

function showError(text: string): void {
  errorBox.textContent = text;
  errorBox.hidden = !text;
}

function render(frame: NotifyFrame): void {
  const item = document.createElement("li");
  item.className = "notify-line";
  item.dataset.private = String(frame.to !== null);
  const from = document.createElement("span");
  from.className = "user";
  from.textContent = frame.from.nickname || frame.from.username;
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = frame.message;
  item.append(from, text);
  if (frame.to !== null) {
    const badge = document.createElement("em");
    badge.className = "private";
    badge.textContent = t("notify.private");
    item.append(badge);
  }
  log.append(item);
}

async function start(): Promise<void> {
  const answer = await fetch("/api/group/members");
  if (answer.status === 401) {
    byId("notify-signin").hidden = false;
    form.hidden = true;
    stateBadge.textContent = t("notify.signed_out");
    return;
  }
  const { group, members } = (await answer.json()) as GroupMembers;
  byId("group-name").textContent = group;
  for (const member of members) {
    const option = document.createElement("option");
    option.value = String(member.id);
    option.textContent = member.nickname || member.username;
    to.append(option);
  }
  const notify = notifyClient({ backoff: { initialMs: 1000 } });
  notify.on("message", (frame) => {
    if (frame.type === "notify") render(frame);
  });
  notify.on("error", (frame) => showError(frame.detail ?? frame.error));
  notify.on("state", (change) => {
    stateBadge.dataset.state = change.state;
    stateBadge.textContent = t(STATE_TEXT[change.state]);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!input.value.trim()) return;
    const frame: NotifySend = to.value ? { to: Number(to.value), message: input.value } : { message: input.value };
    if (notify.send(frame) === "rejected") return showError(t("notify.too_many_waiting"));
    showError("");
    input.value = "";
  });
}

void showAccount();
void start();
