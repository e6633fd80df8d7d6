// Account bar (`<nav id="account">` of every page): who is signed in, with log in / sign up
// / log out links, from GET /api/me, and the language switch (English / 简体中文).
import { byId } from "./dom.js";
import { LANGUAGES, chooseLanguage, pageLanguage, t, type Language } from "./i18n.js";

/** Each language by its own name (as language pickers write them: a reader finds theirs). */
const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { en: "English", "zh-CN": "简体中文" };

/** What GET /api/me answers (src/apps/accounts): the signed-in user, or null. */
interface Me {
  user: { username: string; isSuperuser?: boolean } | null;
}

function link(href: string, text: string): HTMLAnchorElement {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

/** `<select id="language">`: choosing a language sets the `lang` cookie and reloads the page. */
function languageSwitch(): HTMLSelectElement {
  const select = document.createElement("select");
  select.id = "language";
  select.setAttribute("aria-label", t("account.language"));
  for (const language of LANGUAGES) {
    const option = document.createElement("option");
    option.value = language;
    option.lang = language;
    option.textContent = LANGUAGE_NAMES[language];
    option.selected = language === pageLanguage;
    select.append(option);
  }
  select.addEventListener("change", () => {
    const chosen = LANGUAGES.find((language) => language === select.value);
    if (chosen && chosen !== pageLanguage) chooseLanguage(chosen);
  });
  return select;
}

/** Fills the bar; a failed request leaves the language switch alone (the page works without the rest). */
export async function showAccount(): Promise<void> {
  const bar = byId("account");
  let user: Me["user"] = null;
  try {
    user = ((await (await fetch("/api/me")).json()) as Me).user;
  } catch {
    bar.replaceChildren(languageSwitch());
    return;
  }
  const next = encodeURIComponent(location.pathname);
  if (user) {
    const name = document.createElement("span");
    name.id = "account-name";
    name.textContent = t("account.signed_in_as", { user: user.username });
    bar.replaceChildren(
      name,
      " · ",
      link("/workorders/", t("account.work_orders")),
      " · ",
      link("/notify/", t("account.notifications")),
      " · ",
      link("/graphql/", t("account.graphql")),
      ...(user.isSuperuser ? [" · ", link("/workorders/admin/", t("account.roles_templates"))] : []),
      " · ",
      link("/accounts/logout/", t("account.log_out")),
      " · ",
      languageSwitch(),
    );
  } else {
    bar.replaceChildren(
      link(`/accounts/login/?next=${next}`, t("account.log_in")),
      " · ",
      link("/accounts/signup/", t("account.sign_up")),
      " · ",
      link("/graphql/", t("account.graphql")),
      " · ",
      languageSwitch(),
    );
  }
}
