// Superusers: grant or revoke the approver role, load pipeline templates (the CLI's `roles`
// and `workorders load`, as a page). The server checks the superuser on every request.
const errorBox = document.getElementById("admin-error");
const rolesBody = document.querySelector("#roles tbody");
const templates = document.getElementById("templates");
const result = document.getElementById("template-result");

function fail(text) {
  errorBox.textContent = text;
  errorBox.hidden = false;
}

async function json(url, body) {
  const res = await fetch(url, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const answer = await res.json();
  if (res.status === 401 || res.status === 403) throw new Error("Only superusers manage roles and templates: sign in as one.");
  if (!res.ok) throw new Error(answer.detail ?? answer.error);
  return answer;
}

async function loadRoles() {
  const { users } = await json("/api/roles");
  rolesBody.replaceChildren(
    ...users.map((u) => {
      const tr = document.createElement("tr");
      tr.dataset.user = u.username;
      const name = document.createElement("td");
      name.textContent = u.username;
      const sup = document.createElement("td");
      sup.textContent = u.isSuperuser ? "yes" : "";
      const cell = document.createElement("td");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.className = "role-approver";
      box.checked = u.roles.includes("approver");
      box.setAttribute("aria-label", `${u.username} is an approver`);
      box.addEventListener("change", async () => {
        try {
          await json("/api/roles", { username: u.username, role: "approver", grant: box.checked });
          errorBox.hidden = true;
        } catch (e) {
          box.checked = !box.checked;
          fail(e.message);
        }
      });
      cell.append(box);
      tr.append(name, sup, cell);
      return tr;
    }),
  );
}

async function loadTemplates() {
  const list = (await json("/api/templates")).templates;
  templates.replaceChildren(
    ...list.map((t) => {
      const li = document.createElement("li");
      li.textContent = `${t.name} — ${t.steps.length} steps${t.description ? `: ${t.description}` : ""}`;
      return li;
    }),
  );
}

document.getElementById("template-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  let template;
  try {
    template = JSON.parse(document.getElementById("template-json").value);
  } catch {
    result.textContent = "That is not JSON.";
    return;
  }
  try {
    const { id } = await json("/api/templates", template);
    result.textContent = `Saved as template ${id}.`;
    await loadTemplates();
  } catch (e) {
    result.textContent = e.message;
  }
});

Promise.all([loadRoles(), loadTemplates()]).catch((e) => fail(e.message));
