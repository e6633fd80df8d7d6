// Work-order list (/workorders/): loads /api/workorders and follows state changes live over
// /ws/workorders/.
import { workOrderClient } from "../../client/index.js";
import { showAccount } from "./parts/account-bar.js";
import { byId, bySelector } from "./parts/dom.js";
import { t } from "./parts/i18n.js";
import { stateName } from "./parts/states.js";
import type { OrderEvent, WorkOrder } from "./parts/workorder-api.js";

/** The close code of a socket refused at the handshake (a signed-out visitor's). */
const ABNORMAL_CLOSURE = 1006;

const body = bySelector("#orders tbody", HTMLTableSectionElement);
const filter = byId("state-filter", HTMLSelectElement);
const awaiting = byId("awaiting-filter", HTMLInputElement);
const error = byId("orders-error");

function row(order: WorkOrder): HTMLTableRowElement {
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
  badge.textContent = stateName(order.state);
  state.append(badge);
  tr.append(state);
  return tr;
}

async function load(): Promise<void> {
  const q = awaiting.checked ? "?awaiting=me" : filter.value ? `?state=${encodeURIComponent(filter.value)}` : "";
  const res = await fetch(`/api/workorders${q}`);
  if (!res.ok) return;
  body.replaceChildren(...((await res.json()) as { orders: WorkOrder[] }).orders.map(row));
}

// Follows every order's state; a state change of an order not on the page reloads the list.
function follow(): void {
  const live = workOrderClient(null, { backoff: { initialMs: 1000 } });
  live.on("message", (frame) => {
    const event = (frame as { event?: OrderEvent }).event;
    if (event?.kind !== "order") return;
    const badge = body.querySelector<HTMLElement>(`tr[data-id="${event.id}"] .state`);
    if (badge) {
      badge.dataset.state = event.state;
      badge.textContent = stateName(event.state);
    } else void load();
  });
  let opened = false;
  live.on("state", (change) => {
    if (change.state === "open") {
      error.hidden = true;
      if (opened) void load(); // a reconnect: catch up on what changed while the socket was down
      opened = true;
    } else if (change.state === "closed" && change.code === ABNORMAL_CLOSURE && !opened) {
      error.textContent = t("orders.sign_in_live");
      error.hidden = false;
    }
  });
}

filter.addEventListener("change", () => void load());
awaiting.addEventListener("change", () => void load());
if (new URLSearchParams(location.search).get("awaiting") === "me") awaiting.checked = true;
void showAccount();
void load();
follow();
