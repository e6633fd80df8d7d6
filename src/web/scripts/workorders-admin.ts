// Superusers (/workorders/admin/): grant or revoke the approver role, load pipeline
// templates (the CLI's `roles` and `workorders load`, as a page). The server checks the
// superuser on every request.
import { showAccount } from "./parts/account-bar.js";
import { byId, bySelector } from "./parts/dom.js";
import { t } from "./parts/i18n.js";
import { api, ApiAnswerError, type PipelineTemplate } from "./parts/workorder-api.js";

const UNAUTHORIZED = 401;
const FORBIDDEN = 403;

/** A user as GET /api/roles lists them. */
interface RoleUser {
  username: string;
  isSuperuser: boolean;
  roles: string[];
}

const errorBox = byId("admin-error");
const rolesBody = bySelector("#roles tbody", HTMLTableSectionElement);
const templates = byId("templates", HTMLUListElement);
const result = byId("template-result");
const templateJson = byId("template-json", HTMLTextAreaElement);

function fail(text: string): void {
  errorBox.textContent = text;
  errorBox.hidden = false;
}

/** {@link api}, with a signed-out or non-superuser answer said as what to do. */
async function json<T>(url: string, body?: unknown): Promise<T> {
  try {
    return await api<T>(url, body);
  } catch (error) {
    if (error instanceof ApiAnswerError && (error.status === UNAUTHORIZED || error.status === FORBIDDEN)) {
      throw new Error(t("roles.superusers_only"));
    }
    throw error;
  }
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function loadRoles(): Promise<void> {
  const { users } = await json<{ users: RoleUser[] }>("/api/roles");
  rolesBody.replaceChildren(
    ...users.map((u) => {
      const tr = document.createElement("tr");
      tr.dataset.user = u.username;
      const name = document.createElement("td");
      name.textContent = u.username;
      const sup = document.createElement("td");
      sup.textContent = u.isSuperuser ? t("roles.yes") : "";
      const cell = document.createElement("td");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.className = "role-approver";
      box.checked = u.roles.includes("approver");
      box.setAttribute("aria-label", t("roles.is_approver", { user: u.username }));
      box.addEventListener("change", async () => {
        try {
          await json("/api/roles", { username: u.username, role: "approver", grant: box.checked });
          errorBox.hidden = true;
        } catch (e) {
          box.checked = !box.checked;
          fail(message(e));
        }
      });
      cell.append(box);
      tr.append(name, sup, cell);
      return tr;
    }),
  );
}

async function loadTemplates(): Promise<void> {
  const list = (await json<{ templates: PipelineTemplate[] }>("/api/templates")).templates;
  templates.replaceChildren(
    ...list.map((template) => {
      const li = document.createElement("li");
      const line = t("roles.template_line", { name: template.name, count: template.steps.length });
      li.textContent = template.description ? t("roles.template_described", { line, description: template.description }) : line;
      return li;
    }),
  );
}

byId("template-form", HTMLFormElement).addEventListener("submit", async (event) => {
  event.preventDefault();
  let template: unknown;
  try {
    template = JSON.parse(templateJson.value);
  } catch {
    result.textContent = t("roles.not_json");
    return;
  }
  try {
    const { id } = await json<{ id: number }>("/api/templates", template);
    result.textContent = t("roles.saved", { id });
    await loadTemplates();
  } catch (e) {
    result.textContent = message(e);
  }
});

void showAccount();
Promise.all([loadRoles(), loadTemplates()]).catch((e: unknown) => fail(message(e)));
