import { message, type Language } from "../../web/i18n/messages.js";

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/**
 * A page in the site's frame, in `language` (its `<html lang>`, its title's suffix and its
 * link back); `title` is already in that language and `body` already escaped. No inline
 * script (CSP-friendly).
 */
export function page(language: Language, title: string, body: string): string {
  return `<!doctype html>
<html lang="${language}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(message(language, "site.title", { title }))}</title>
  <link rel="stylesheet" href="/static/style.css">
</head>
<body>
  <main class="lobby">
    <h1>${escapeHtml(title)}</h1>
${body}
    <p><a href="/chat/">${escapeHtml(message(language, "common.back_to_lobby_link"))}</a></p>
  </main>
</body>
</html>`;
}
