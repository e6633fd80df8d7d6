/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A page in the site's frame; `body` must already be escaped. No inline script (CSP-friendly). */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)} — Switchboard</title>
  <link rel="stylesheet" href="/static/style.css">
</head>
<body>
  <main class="lobby">
    <h1>${escapeHtml(title)}</h1>
${body}
    <p><a href="/chat/">Back to the lobby</a></p>
  </main>
</body>
</html>`;
}
