// Typed element lookups for the page scripts: a page whose HTML lacks an element its script
// needs is a bug in this repository, said at once and by name rather than as a TypeError
// at the first property read.

/** An element class: `HTMLInputElement`, `HTMLFormElement`, `SVGElement`, … */
type ElementClass<T extends Element> = { new (): T; prototype: T };

/**
 * The element with id `id`, checked to be a `type` (default `HTMLElement`).
 *
 * @example
 * const input = byId("chat-message-input", HTMLInputElement); // HTMLInputElement
 */
export function byId<T extends Element = HTMLElement>(id: string, type?: ElementClass<T>): T {
  const element = document.getElementById(id);
  const want = type ?? (HTMLElement as unknown as ElementClass<T>);
  if (!(element instanceof want)) throw new Error(`page: #${id} is missing or not a ${want.name}`);
  return element;
}

/** The first element matching `selector`, checked to be a `type` (as {@link byId}). */
export function bySelector<T extends Element = HTMLElement>(selector: string, type?: ElementClass<T>): T {
  const element = document.querySelector(selector);
  const want = type ?? (HTMLElement as unknown as ElementClass<T>);
  if (!(element instanceof want)) throw new Error(`page: ${selector} is missing or not a ${want.name}`);
  return element;
}

/** An error answer of the HTTP API (src/http/errors.ts): `{error, code, detail?}`. */
export interface ApiError {
  error: string;
  code?: string;
  detail?: string;
}

/** The message to show for an error answer: its detail when it has one. */
export function apiMessage(answer: ApiError): string {
  return answer.detail ?? answer.error;
}
