// New order form (/workorders/new/): the template's declared parameters become inputs; the
// server validates them.
import { showAccount } from "./parts/account-bar.js";
import { apiMessage, byId, type ApiError } from "./parts/dom.js";
import { t } from "./parts/i18n.js";
import type { PipelineTemplate, WorkOrder } from "./parts/workorder-api.js";

/** Not an error: the order was filed. */
const CREATED = 201;
const UNAUTHORIZED = 401;

const form = byId("order-form", HTMLFormElement);
const select = byId("order-template", HTMLSelectElement);
const params = byId("order-params");
const error = byId("order-error");
const title = byId("order-title", HTMLInputElement);
let templates: PipelineTemplate[] = [];

function showParams(): void {
  const t = templates.find((x) => String(x.id) === select.value);
  params.replaceChildren(
    ...Object.entries(t?.params ?? {}).map(([name, p]) => {
      const label = document.createElement("label");
      label.append(`${name}${p.description ? ` — ${p.description}` : ""}`, document.createElement("br"));
      const input = document.createElement("input");
      input.type = "text";
      input.name = name;
      input.value = p.default ?? "";
      // The browser anchors `pattern` itself.
      input.pattern = p.pattern.replace(/^\^|\$$/g, "");
      label.append(input);
      const para = document.createElement("p");
      para.append(label);
      return para;
    }),
  );
}

async function load(): Promise<void> {
  templates = ((await (await fetch("/api/templates")).json()) as { templates: PipelineTemplate[] }).templates;
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
    body: JSON.stringify({ title: title.value, template: Number(select.value), params: values }),
  });
  const answer = (await res.json()) as { order: WorkOrder } | ApiError;
  if (res.status === CREATED && "order" in answer) {
    location.href = `/workorders/${answer.order.id}/`;
    return;
  }
  error.textContent = res.status === UNAUTHORIZED ? t("order_new.sign_in") : apiMessage(answer as ApiError);
  error.hidden = false;
});

void showAccount();
void load();
