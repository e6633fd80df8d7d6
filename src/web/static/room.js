// Room page: shows the last 50 lines, then live ones over /ws/chat/<room>/ through the
// switchboard client, which reconnects with jittered backoff, resumes after the last line
// shown (no line lost or shown twice across a server restart), queues what is typed
// while the socket is down, falls back to long-polling when no WebSocket opens, and lists who is here (chatClient offers the subprotocol
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
  stateBadge.dataset.transport = change.transport;
  const queued = change.queued > 0 ? ` · ${change.queued} to send` : "";
  if (change.state === "open") {
    // No WebSocket opened (none in this browser, or a proxy refused it): the client long-polls.
    stateBadge.textContent = change.transport === "longpoll" ? "connected (long-polling)" : "connected";
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

/**
 * The tutorial's first chapters: the same room over HTTP. `?transport=poll` asks for new
 * lines every 1.5 s, `?transport=longpoll` holds a request open until a line comes (or 25 s
 * pass); lines are posted as JSON. Both interoperate with WebSocket users of the room, and
 * each line shows once (`after` only moves forward).
 */
async function startHttp(mode) {
  const base = `/api/rooms/${encodeURIComponent(room)}`;
  let after = 0;
  const show = (messages) => {
    for (const line of messages) {
      if (line.id <= after) continue;
      render(line);
      after = line.id;
    }
  };
  const first = await fetch(`${base}/messages`).catch(() => null);
  if (first?.ok) show((await first.json()).messages);
  stateBadge.dataset.state = "open";
  stateBadge.textContent = mode === "poll" ? "polling" : "long-polling";

  const presence = async () => {
    const answer = await fetch(`${base}/presence`).catch(() => null);
    if (answer?.ok) renderPresence((await answer.json()).members);
  };
  void presence();
  setInterval(presence, 5000);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = input.value;
    if (!message.trim()) return;
    const answer = await fetch(`${base}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message }) }).catch(() => null);
    if (!answer?.ok) {
      showError(answer ? `${(await answer.json()).error}: could not send` : "Not connected: try again.");
      return;
    }
    showError("");
    input.value = "";
    input.focus();
    // The poster sees its line at once (the next poll would bring it too; `after` keeps it single).
    show([await answer.json()]);
  });

  for (;;) {
    const url = mode === "poll" ? `${base}/messages?after=${after}` : `${base}/messages?after=${after}&wait=25`;
    const answer = await fetch(url).catch(() => null);
    if (answer?.ok) {
      show((await answer.json()).messages);
      stateBadge.dataset.state = "open";
    } else {
      stateBadge.dataset.state = "closed";
      stateBadge.textContent = "disconnected; retrying…";
      await new Promise((resolve) => setTimeout(resolve, 2000));
      stateBadge.textContent = mode === "poll" ? "polling" : "long-polling";
      continue;
    }
    if (mode === "poll") await new Promise((resolve) => setTimeout(resolve, 1500));
  }
}

const transport = new URLSearchParams(location.search).get("transport");
if (transport === "poll" || transport === "longpoll") void startHttp(transport);
else start();
