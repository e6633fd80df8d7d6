/**
 * `text` escaped for HTML element content and attribute values (the catalog's text keys are
 * text: `<` in a translation shows as `<`). Attribute values are always double-quoted here, so
 * `'` stays as it is.
 *
 * @example
 * escapeText('a < b & "c"') // 'a &lt; b &amp; &quot;c&quot;'
 */
export function escapeText(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}
