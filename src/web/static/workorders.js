// Work-order list: loads /api/workorders and follows state changes live over /ws/workorders/.
const body = document.querySelector("#orders tbody");
const filter = document.getElementById("state-filter");
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
  const q = filter.value ? `?state=${encodeURIComponent(filter.value)}` : "";
  const res = await fetch(`/api/workorders${q}`);
  if (!res.ok) return;
  body.replaceChildren(...(await res.json()).orders.map(row));
}

function follow(attempt = 0) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/workorders/`);
  ws.addEventListener("open", () => (attempt = 0));
  ws.addEventListener("message", (m) => {
    const { event } = JSON.parse(m.data);
    if (event?.kind !== "order") return;
    const badge = body.querySelector(`tr[data-id="${event.id}"] .state`);
    if (badge) {
      badge.dataset.state = event.state;
      badge.textContent = event.state;
    } else void load();
  });
  ws.addEventListener("close", (e) => {
    if (e.code === 1006 && attempt === 0) {
      error.textContent = "Sign in to follow work orders live.";
      error.hidden = false;
    }
    setTimeout(() => follow(attempt + 1), Math.min(30_000, 1000 * 2 ** attempt));
  });
}

filter.addEventListener("change", load);
load();
follow();
