// Room page (/chat/<room>/): shows the last 50 lines, then live ones over /ws/chat/<room>/
// through the switchboard client, which reconnects with jittered backoff, resumes after the
// last line shown (no line lost or shown twice across a server restart), queues what is
// typed while the socket is down, falls back to long-polling when no WebSocket opens, and
// lists who is here (chatClient offers the subprotocol switchboard.v1, which asks the room
// for presence frames). Text is always inserted as text.
import { chatClient, type ChatLine, type Member, type StateChange } from "../../client/index.js";
import { showAccount } from "./parts/account-bar.js";
import { byId } from "./parts/dom.js";
import { t, timeOfDay } from "./parts/i18n.js";

/** What GET /api/rooms/<room>/messages answers (src/apps/chat). */
interface Messages {
  messages: ChatLine[];
}
/** What GET /api/rooms/<room>/presence answers: a sample of `members` in a large room, and the room's size. */
interface Presence {
  members: Member[];
  count: number;
}
/** HTTP transports of the tutorial's first chapters (`?transport=`). */
type HttpMode = "poll" | "longpoll";

const room = decodeURIComponent(location.pathname.split("/")[2] ?? "");
const log = byId("chat-log", HTMLOListElement);
const input = byId("chat-message-input", HTMLInputElement);
const form = byId("chat-form", HTMLFormElement);
const stateBadge = byId("connection-state");
const errorBox = byId("chat-error");
byId("room-title").textContent = room;
document.title = t("room.document_title", { room });

const presenceList = byId("presence", HTMLUListElement);
const presenceCount = byId("presence-count");

function showError(text: string): void {
  errorBox.textContent = text;
  errorBox.hidden = !text;
}

/** Lines typed here and not yet back from the server, by client id: shown greyed until then. */
const pending = new Map<string, HTMLLIElement>();

function renderPending(cid: string, message: string): void {
  const item = document.createElement("li");
  item.className = "chat-pending";
  item.dataset.cid = cid;
  item.dataset.state = "sending";
  item.title = t("room.sending");
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = message;
  item.append(text);
  pending.set(cid, item);
  log.append(item);
  log.scrollTop = log.scrollHeight;
}

/** The server stored it (`stored`), or refused it for good (`refused`: it will not be sent again). */
function settlePending(cid: string, state: "stored" | "refused", note: string): void {
  const item = pending.get(cid);
  if (!item) return;
  item.dataset.state = state;
  item.title = note;
  if (state === "refused") pending.delete(cid);
}

function render(line: ChatLine): void {
  // The line itself is here: it takes the place of its pending copy.
  if (line.cid !== undefined) {
    pending.get(line.cid)?.remove();
    pending.delete(line.cid);
  }
  const item = document.createElement("li");
  item.className = "chat-line";
  item.dataset.id = String(line.id);
  const time = document.createElement("time");
  const when = new Date(typeof line.ts === "number" ? line.ts : Date.now());
  time.dateTime = when.toISOString();
  time.textContent = timeOfDay(when);
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

// `count` is the room's size as the server counts it: in a large room `members` is a sample.
function renderPresence(members: Member[], count = members.length): void {
  presenceList.replaceChildren(
    ...members.map((member) => {
      const item = document.createElement("li");
      item.textContent = member.user;
      return item;
    }),
  );
  presenceCount.textContent = String(count);
}

function showState(change: StateChange): void {
  stateBadge.dataset.state = change.state;
  stateBadge.dataset.transport = change.transport;
  const queued = change.queued > 0 ? t("room.queued", { count: change.queued }) : "";
  if (change.state === "open") {
    // No WebSocket opened (none in this browser, or a proxy refused it): the client long-polls.
    stateBadge.textContent = change.transport === "longpoll" ? t("room.connected_longpoll") : t("common.connected");
    showError("");
  } else if (change.state === "closed") {
    stateBadge.textContent = t("room.disconnected_retry", { code: change.code ?? "", seconds: Math.ceil((change.retryInMs ?? 0) / 1000) }) + queued;
  } else stateBadge.textContent = (change.attempt === 0 ? t("common.connecting") : t("common.reconnecting")) + queued;
}

async function start(): Promise<void> {
  let after = 0;
  try {
    const response = await fetch(`/api/rooms/${encodeURIComponent(room)}/messages`);
    if (response.ok) {
      const { messages } = (await response.json()) as Messages;
      messages.forEach(render);
      after = messages.at(-1)?.id ?? 0;
    }
  } catch {
    // The client's first resume fills the log once it connects.
  }
  const chat = chatClient(room, { after });
  chat.on("message", render);
  chat.on("presence", (members) => renderPresence(members, chat.memberCount));
  chat.on("state", showState);
  chat.on("error", (frame) => {
    showError(`${frame.error}: ${frame.detail ?? ""}`);
    if (typeof frame.cid === "string") settlePending(frame.cid, "refused", t("room.not_sent", { code: frame.error }));
  });
  chat.on("pending", ({ cid, frame }) => renderPending(cid, String(frame.message ?? "")));
  chat.on("ack", ({ cid, id }) => settlePending(cid, "stored", t("room.stored_as", { id })));
  chat.on("resume", (result) => {
    if (!result.complete) showError(t("room.resume_incomplete", { id: result.lastId }));
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const message = input.value;
    if (!message.trim()) return;
    const sent = chat.send({ message });
    if (sent === "rejected") {
      showError(t("room.too_many_waiting"));
      return;
    }
    if (sent === "queued") showError(t("room.queued_offline"));
    input.value = "";
    input.focus();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The tutorial's first chapters: the same room over HTTP. `?transport=poll` asks for new
 * lines every 1.5 s, `?transport=longpoll` holds a request open until a line comes (or 25 s
 * pass); lines are posted as JSON. Both interoperate with WebSocket users of the room, and
 * each line shows once (`after` only moves forward).
 */
async function startHttp(mode: HttpMode): Promise<void> {
  const base = `/api/rooms/${encodeURIComponent(room)}`;
  let after = 0;
  const show = (messages: ChatLine[]): void => {
    for (const line of messages) {
      if (line.id <= after) continue;
      render(line);
      after = line.id;
    }
  };
  const first = await fetch(`${base}/messages`).catch(() => null);
  if (first?.ok) show(((await first.json()) as Messages).messages);
  stateBadge.dataset.state = "open";
  stateBadge.textContent = mode === "poll" ? t("room.polling") : t("room.long_polling");

  const presence = async (): Promise<void> => {
    const answer = await fetch(`${base}/presence`).catch(() => null);
    if (!answer?.ok) return;
    const { members, count } = (await answer.json()) as Presence;
    renderPresence(members, count);
  };
  void presence();
  setInterval(() => void presence(), 5000);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = input.value;
    if (!message.trim()) return;
    const answer = await fetch(`${base}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message }) }).catch(() => null);
    if (!answer?.ok) {
      showError(answer ? t("room.could_not_send", { code: ((await answer.json()) as { error: string }).error }) : t("room.not_connected"));
      return;
    }
    showError("");
    input.value = "";
    input.focus();
    // The poster sees its line at once (the next poll would bring it too; `after` keeps it single).
    show([(await answer.json()) as ChatLine]);
  });

  for (;;) {
    const url = mode === "poll" ? `${base}/messages?after=${after}` : `${base}/messages?after=${after}&wait=25`;
    const answer = await fetch(url).catch(() => null);
    if (answer?.ok) {
      show(((await answer.json()) as Messages).messages);
      stateBadge.dataset.state = "open";
    } else {
      stateBadge.dataset.state = "closed";
      stateBadge.textContent = t("room.disconnected_retrying");
      await sleep(2000);
      stateBadge.textContent = mode === "poll" ? t("room.polling") : t("room.long_polling");
      continue;
    }
    if (mode === "poll") await sleep(1500);
  }
}

void showAccount();
const transport = new URLSearchParams(location.search).get("transport");
if (transport === "poll" || transport === "longpoll") void startHttp(transport);
else void start();
