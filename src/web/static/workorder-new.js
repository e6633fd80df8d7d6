// New order form: the template's declared parameters become inputs; the server validates them.
const form = document.getElementById("order-form");
const select = document.getElementById("order-template");
const params = document.getElementById("order-params");
const error = document.getElementById("order-error");
let templates = [];

function showParams() {
  const t = templates.find((x) => String(x.id) === select.value);
  params.replaceChildren(
    ...Object.entries(t?.params ?? {}).map(([name, p]) => {
      const label = document.createElement("label");
      label.append(`${name}${p.description ? ` — ${p.description}` : ""}`, document.createElement("br"));
      const input = document.createElement("input");
      input.type = "text";
      input.name = name;
      input.value = p.default ?? "";
      input.pattern = p.pattern.replace(/^\^|\$$/g, "");
      label.append(input);
      const para = document.createElement("p");
      para.append(label);
      return para;
    }),
  );
}

async function load() {
  templates = (await (await fetch("/api/templates")).json()).templates;
  select.replaceChildren(
    ...templates.map((t) => {
      const o = document.createElement("option");
      o.value = String(t.id);
      o.textContent = t.name;
      return o;
    }),
  );
  showParams();
}

select.addEventListener("change", showParams);
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const values = Object.fromEntries([...params.querySelectorAll("input")].map((i) => [i.name, i.value]));
  const res = await fetch("/api/workorders", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: document.getElementById("order-title").value, template: Number(select.value), params: values }),
  });
  const answer = await res.json();
  if (res.status === 201) {
    location.href = `/workorders/${answer.order.id}/`;
    return;
  }
  error.textContent = res.status === 401 ? "Sign in to file an order." : answer.detail ?? answer.error;
  error.hidden = false;
});

load();
