// Room page: shows the last 50 lines, then live ones over /ws/chat/<room>/. Reconnects with
// jittered backoff and asks for the lines it missed ({"type": "history", "after": lastId}),
// so a server restart loses the reader nothing. Text is always inserted as text.
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
const members = new Map(); // connection id → user name

let lastId = 0;
let socket = null;
let attempt = 0;
let resuming = null; // lines received while a history replay is in flight

function setState(state, text) {
  stateBadge.dataset.state = state;
  stateBadge.textContent = text;
}

function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = !text;
}

function render(line) {
  if (typeof line.id === "number") {
    if (line.id <= lastId) return; // already shown
    lastId = line.id;
  }
  const item = document.createElement("li");
  item.className = "chat-line";
  if (typeof line.id === "number") item.dataset.id = String(line.id);
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

function renderPresence() {
  presenceList.replaceChildren(
    ...[...members.values()].sort().map((user) => {
      const item = document.createElement("li");
      item.textContent = user;
      return item;
    }),
  );
  presenceCount.textContent = String(members.size);
}

function onPresence(data) {
  if (data.type === "presence") {
    members.clear();
    for (const m of data.members ?? []) members.set(m.id, m.user);
  } else if (data.type === "presence.join" && data.member) {
    members.set(data.member.id, data.member.user);
  } else if (data.type === "presence.leave" && data.member) {
    members.delete(data.member.id);
  }
  renderPresence();
}

function flushResume() {
  const lines = resuming ?? [];
  resuming = null;
  lines.sort((a, b) => a.id - b.id).forEach(render);
}

function onFrame(event) {
  let data;
  try {
    data = JSON.parse(event.data);
  } catch {
    return;
  }
  if (data.error) return showError(`${data.error}: ${data.detail ?? ""}`);
  if (data.type === "history.end") {
    flushResume();
    if (!data.complete) requestHistory();
    return;
  }
  if (typeof data.type === "string" && data.type.startsWith("presence")) return onPresence(data);
  if (typeof data.message !== "string") return; // other events are not lines
  if (resuming) resuming.push(data);
  else render(data);
}

function requestHistory() {
  resuming = [];
  socket.send(JSON.stringify({ type: "history", after: lastId }));
}

function connect() {
  setState("connecting", attempt === 0 ? "connecting…" : "reconnecting…");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/chat/${encodeURIComponent(room)}/`);
  socket = ws;
  ws.addEventListener("open", () => {
    attempt = 0;
    setState("open", "connected");
    showError("");
    requestHistory();
  });
  ws.addEventListener("message", onFrame);
  ws.addEventListener("close", (event) => {
    if (socket !== ws) return;
    flushResume();
    members.clear();
    renderPresence();
    const delay = Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    setState("closed", `disconnected (${event.code}); retrying in ${Math.ceil(delay / 1000)} s`);
    setTimeout(connect, delay);
  });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const message = input.value;
  if (!message.trim()) return;
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    showError("Not connected yet; your text is kept, try again in a moment.");
    return;
  }
  socket.send(JSON.stringify({ message }));
  input.value = "";
  input.focus();
});

async function start() {
  try {
    const response = await fetch(`/api/rooms/${encodeURIComponent(room)}/messages`);
    if (response.ok) (await response.json()).messages.forEach(render);
  } catch {
    // The socket's history request will fill the log once it connects.
  }
  connect();
}

start();
