// Work-order list: loads /api/workorders and follows state changes live over /ws/workorders/.
import { workOrderClient } from "/client/index.js";

const body = document.querySelector("#orders tbody");
const filter = document.getElementById("state-filter");
const awaiting = document.getElementById("awaiting-filter");
const error = document.getElementById("orders-error");

function row(order) {
  const tr = document.createElement("tr");
  tr.dataset.id = String(order.id);
  const link = document.createElement("a");
  link.href = `/workorders/${order.id}/`;
  link.textContent = order.title;
  const cells = [String(order.id), link, order.templateName, order.requester];
  for (const c of cells) {
    const td = document.createElement("td");
    td.append(c);
    tr.append(td);
  }
  const state = document.createElement("td");
  state.className = "order-state";
  const badge = document.createElement("span");
  badge.className = "state";
  badge.dataset.state = order.state;
  badge.textContent = order.state;
  state.append(badge);
  tr.append(state);
  return tr;
}

async function load() {
  const q = awaiting.checked ? "?awaiting=me" : filter.value ? `?state=${encodeURIComponent(filter.value)}` : "";
  const res = await fetch(`/api/workorders${q}`);
  if (!res.ok) return;
  body.replaceChildren(...(await res.json()).orders.map(row));
}

// Follows every order's state; a state change of an order not on the page reloads the list.
function follow() {
  const live = workOrderClient(null, { backoff: { initialMs: 1000 } });
  live.on("message", ({ event }) => {
    if (event?.kind !== "order") return;
    const badge = body.querySelector(`tr[data-id="${event.id}"] .state`);
    if (badge) {
      badge.dataset.state = event.state;
      badge.textContent = event.state;
    } else void load();
  });
  let opened = false;
  live.on("state", (change) => {
    if (change.state === "open") {
      error.hidden = true;
      if (opened) void load(); // a reconnect: catch up on what changed while the socket was down
      opened = true;
    } else if (change.state === "closed" && change.code === 1006 && !opened) {
      error.textContent = "Sign in to follow work orders live.";
      error.hidden = false;
    }
  });
}

filter.addEventListener("change", load);
awaiting.addEventListener("change", load);
if (new URLSearchParams(location.search).get("awaiting") === "me") awaiting.checked = true;
load();
follow();
