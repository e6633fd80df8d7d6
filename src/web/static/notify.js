// Notify page: the signed-in user's group notifications over /ws/notify/ (the session
// cookie authenticates the socket), sent to the whole group or to one member.
import { notifyClient } from "/client/index.js";

const log = document.getElementById("notify-log");
const form = document.getElementById("notify-form");
const to = document.getElementById("notify-to");
const input = document.getElementById("notify-message");
const stateBadge = document.getElementById("connection-state");
const errorBox = document.getElementById("notify-error");

function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = !text;
}

function render(frame) {
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
    badge.textContent = "private";
    item.append(badge);
  }
  log.append(item);
}

async function start() {
  const answer = await fetch("/api/group/members");
  if (answer.status === 401) {
    document.getElementById("notify-signin").hidden = false;
    form.hidden = true;
    stateBadge.textContent = "signed out";
    return;
  }
  const { group, members } = await answer.json();
  document.getElementById("group-name").textContent = group;
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
    stateBadge.textContent = change.state === "open" ? "connected" : change.state === "closed" ? "reconnecting…" : change.state;
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!input.value.trim()) return;
    const frame = to.value ? { to: Number(to.value), message: input.value } : { message: input.value };
    if (notify.send(frame) === "rejected") return showError("Too many notifications are waiting for the connection.");
    showError("");
    input.value = "";
  });
}

start();
