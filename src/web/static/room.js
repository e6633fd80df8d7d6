// Room page: shows the last 50 lines, then live ones over /ws/chat/<room>/ through the
// switchboard client, which reconnects with jittered backoff, resumes after the last line
// shown (no line lost or shown twice across a server restart), and queues what is typed
// while the socket is down, and lists who is here (chatClient offers the subprotocol
// switchboard.v1, which asks the room for presence frames). Text is always inserted as text.
import { chatClient } from "/client/index.js";

const room = decodeURIComponent(location.pathname.split("/")[2] ?? "");
const log = document.getElementById("chat-log");
const input = document.getElementById("chat-message-input");
const form = document.getElementById("chat-form");
const stateBadge = document.getElementById("connection-state");
const errorBox = document.getElementById("chat-error");
document.getElementById("room-title").textContent = room;
document.title = `${room} — Switchboard chat`;

const presenceList = document.getElementById("presence");
const presenceCount = document.getElementById("presence-count");

function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = !text;
}

function render(line) {
  const item = document.createElement("li");
  item.className = "chat-line";
  item.dataset.id = String(line.id);
  const time = document.createElement("time");
  const when = new Date(typeof line.ts === "number" ? line.ts : Date.now());
  time.dateTime = when.toISOString();
  time.textContent = when.toLocaleTimeString();
  const user = document.createElement("span");
  user.className = "user";
  user.textContent = line.user ?? "";
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = line.message;
  item.append(time, user, text);
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.append(item);
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function renderPresence(members) {
  presenceList.replaceChildren(
    ...members.map((member) => {
      const item = document.createElement("li");
      item.textContent = member.user;
      return item;
    }),
  );
  presenceCount.textContent = String(members.length);
}

function showState(change) {
  stateBadge.dataset.state = change.state;
  const queued = change.queued > 0 ? ` · ${change.queued} to send` : "";
  if (change.state === "open") {
    stateBadge.textContent = "connected";
    showError("");
  } else if (change.state === "closed") {
    stateBadge.textContent = `disconnected (${change.code}); retrying in ${Math.ceil(change.retryInMs / 1000)} s${queued}`;
  } else stateBadge.textContent = (change.attempt === 0 ? "connecting…" : "reconnecting…") + queued;
}

async function start() {
  let after = 0;
  try {
    const response = await fetch(`/api/rooms/${encodeURIComponent(room)}/messages`);
    if (response.ok) {
      const { messages } = await response.json();
      messages.forEach(render);
      after = messages.at(-1)?.id ?? 0;
    }
  } catch {
    // The client's first resume fills the log once it connects.
  }
  const chat = chatClient(room, { after });
  chat.on("message", render);
  chat.on("presence", renderPresence);
  chat.on("state", showState);
  chat.on("error", (frame) => showError(`${frame.error}: ${frame.detail ?? ""}`));
  chat.on("resume", (result) => {
    if (!result.complete) showError(`Some lines after #${result.lastId} were not loaded; reload the page to see them.`);
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const message = input.value;
    if (!message.trim()) return;
    const sent = chat.send({ message });
    if (sent === "rejected") {
      showError("Too many lines are waiting for the connection; your text is kept, try again in a moment.");
      return;
    }
    if (sent === "queued") showError("Not connected: the line is sent as soon as the connection is back.");
    input.value = "";
    input.focus();
  });
}

start();
