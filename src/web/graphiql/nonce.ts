// The page's style nonce (GET /graphql/ sends a fresh one in its CSP and in
// `<meta property="csp-nonce" nonce>`, as Vite does), given to every `<style>` element this
// page creates: Monaco writes its theme into one, and radix's dialogs their scroll lock. The
// page's policy allows inline `<style>` only with that nonce (src/graphql/explorer.ts).
// Imported first by index.tsx, before any library creates a style element.
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce;

if (nonce) {
  const createElement = document.createElement.bind(document);
  document.createElement = function (tagName: string, options?: ElementCreationOptions): HTMLElement {
    const element = createElement(tagName, options);
    if (element instanceof HTMLStyleElement) element.nonce = nonce;
    return element;
  } as typeof document.createElement;
}

export {};
