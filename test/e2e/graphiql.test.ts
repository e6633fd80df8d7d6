import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserStore } from "../../src/auth/users.js";
import { assetEntries } from "../../src/web/manifest.js";
import { TUTORIAL } from "../graphql/tutorial-operations.js";
import { findChromium, launchChromium } from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { ensureWebBundle } from "../helpers/web-bundle.js";

const chromiumBin = findChromium("GraphiQL browser test");
const PASSWORD = "long-enough-pw";

/** The text of one of GraphiQL's Monaco editors (its model), by the model's file name. */
function editorText(page: Page, file: "operation.graphql" | "response.json" | "request-headers.json"): Promise<string> {
  return page.evaluate((name) => {
    const monaco = (globalThis as { __MONACO?: { editor: { getModels(): { uri: { path: string }; getValue(): string }[] } } }).__MONACO;
    return monaco?.editor.getModels().find((m) => m.uri.path.endsWith(name))?.getValue() ?? "";
  }, file);
}

/** Waits until the response pane shows `text` on screen (Monaco draws spaces as no-break spaces). */
async function waitForShown(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (want) => (document.querySelector<HTMLElement>(".graphiql-response .monaco-editor .view-lines")?.innerText ?? "").replace(/\u00a0/g, " ").includes(want),
    text,
  );
}

/**
 * Pastes `text` into the focused editor, as a reader copying a tutorial's block does: the
 * `paste` event a browser fires for Ctrl+V, with the text on its clipboard data (headless
 * Chromium has no system clipboard to paste from).
 */
async function paste(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => {
    const data = new DataTransfer();
    data.setData("text/plain", t);
    document.activeElement!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);

}

/**
 * Replaces the operation: clicks into the editor, selects all, deletes, and types `text` key
 * by key, or (`paste`) pastes it, as a reader copying the tutorial's multi-line block does
 * (typed, its newlines would meet the editor's automatic indentation and closing brackets).
 */
async function enterOperation(page: Page, text: string, pasted = false): Promise<void> {
  await page.click(".graphiql-query-editor .monaco-editor .view-lines");
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  if (pasted) await paste(page, text);
  else await page.keyboard.type(text);
  await page.waitForFunction(
    (want) => {
      const monaco = (globalThis as { __MONACO?: { editor: { getModels(): { uri: { path: string }; getValue(): string }[] } } }).__MONACO;
      return monaco?.editor.getModels().find((m) => m.uri.path.endsWith("operation.graphql"))?.getValue() === want;
    },
    text,
    { timeout: 5000 },
  );
  await page.keyboard.press("Escape"); // close the completion list, if open
  expect(await editorText(page, "operation.graphql")).toBe(text);
}

/** Waits until the response pane's text holds `expected`, and returns that text. */
async function responseWith(page: Page, expected: string): Promise<string> {
  await page.waitForFunction(
    (want) => {
      const monaco = (globalThis as { __MONACO?: { editor: { getModels(): { uri: { path: string }; getValue(): string }[] } } }).__MONACO;
      return monaco?.editor.getModels().find((m) => m.uri.path.endsWith("response.json"))?.getValue().includes(want) ?? false;
    },
    expected,
  );
  return editorText(page, "response.json");
}

/** Clicks GraphiQL's run button and waits until the response pane holds `expected`. */
async function run(page: Page, expected: string): Promise<string> {
  await page.click(".graphiql-execute-button");
  return responseWith(page, expected);
}

describe.skipIf(!chromiumBin.available)("the GraphQL tutorial in GraphiQL, in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Every request any page made (documents, scripts, workers, fetches), and every socket. */
  const requests: string[] = [];
  const sockets: string[] = [];
  const problems: string[] = [];

  /** A new browser context that records its requests, CSP violations and page errors. */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    context.on("request", (request) => requests.push(request.url()));
    await context.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on("websocket", (ws) => sockets.push(ws.url()));
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("response", (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    page.on("console", (message) => {
      // The sign-in page has no icon: Chromium's /favicon.ico 404 is not the explorer's.
      if (message.type() === "error" && !message.location().url.endsWith("/favicon.ico")) problems.push(`console: ${message.text()} (${message.location().url})`);
    });
    return page;
  }

  async function openExplorer(page: Page): Promise<void> {
    await page.waitForURL(`${server.url}/graphql/`);
    await page.waitForSelector(".graphiql-query-editor .monaco-editor .view-lines");
    // The schema arrived (introspection over POST /graphql/): the docs and completion have it.
    await page.waitForFunction(() => !document.querySelector(".graphiql-spinner"));
  }

  let signedIn: Page;

  beforeAll(async () => {
    await ensureWebBundle();
    server = await startTestServer();
    browser = await launchChromium(chromiumBin.path);
    await new UserStore(server.app.db).create({ username: "reader", email: "reader@example.com", password: PASSWORD });
    // Sign in through the real form, which sends the reader on to the explorer.
    signedIn = await newPage();
    await signedIn.goto(`${server.url}/accounts/login/?next=/graphql/`);
    await signedIn.fill('input[name="username"]', "reader");
    await signedIn.fill('input[name="password"]', PASSWORD);
    await signedIn.click('#account-form button[type="submit"]');
    await openExplorer(signedIn);
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  }, 60_000);

  it("runs allBooks, typed key by key, and the tutorial's createBook as the signed-in reader", async () => {
    const page = signedIn;
    expect(await page.textContent("#account-name")).toBe("Signed in as reader");
    await enterOperation(page, "query { allBooks { id title { id name } author { id name } } }");
    expect(JSON.parse(await run(page, "allBooks"))).toEqual({ data: { allBooks: [] } });

    // The tutorial's mutation, pasted as written: the session cookie is the credential.
    await enterOperation(page, TUTORIAL.createBook, true);
    const created = JSON.parse(await run(page, "createBook"));
    expect(created).toEqual({ data: { createBook: { book: { id: expect.any(String), title: { id: expect.any(String), name: "Dune" }, author: { id: expect.any(String), name: "Frank Herbert" } }, ok: true } } });
    await waitForShown(page, '"name": "Dune"');
    await waitForShown(page, '"ok": true');

    await enterOperation(page, TUTORIAL.allBooks, true);
    expect(JSON.parse(await run(page, "Frank Herbert")).data.allBooks).toEqual([created.data.createBook.book]);
    await waitForShown(page, '"name": "Frank Herbert"');
  }, 60_000);

  it("has the schema docs, autocomplete and the history", async () => {
    const page = signedIn;
    await page.click('button[aria-label="Show Documentation Explorer"]');
    await page.click('.graphiql-doc-explorer a:text-is("Query")');
    await page.waitForSelector('.graphiql-doc-explorer a:text-is("allBooks")');
    await page.click('.graphiql-doc-explorer a:text-is("allBooks")');
    await page.waitForSelector('.graphiql-doc-explorer-title:text-is("allBooks")');

    await page.click(".graphiql-query-editor .monaco-editor .view-lines");
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.press("Delete");
    await page.keyboard.type("{ allB");
    await page.waitForSelector('.suggest-widget .monaco-list-row[aria-label*="allBooks"]', { timeout: 10_000 });
    await page.keyboard.press("Escape");

    await page.click('button[aria-label="Show History"]');
    const history = await page.locator(".graphiql-history-item").allInnerTexts();
    expect(history.length).toBeGreaterThanOrEqual(3);
    expect(history.join("\n")).toContain("createBook");
  }, 60_000);

  it("runs a subscription over graphql-ws on /graphql/ and shows each event", async () => {
    const page = signedIn;
    await enterOperation(page, "subscription { bookAdded { id title { name } author { name } } }");
    await page.click(".graphiql-execute-button");
    await page.waitForFunction(() => document.querySelector(".graphiql-execute-button")?.getAttribute("aria-label")?.startsWith("Stop") ?? false);
    // Someone else adds a book, with a token in the tutorial's header; again until the event
    // shows (the subscription is live a moment after the button turns to Stop), at most 20 times.
    const users = new UserStore(server.app.db);
    await users.create({ username: "writer", email: "writer@example.com", password: PASSWORD });
    const writer = (await users.byUsername("writer"))!;
    const { token } = await server.app.auth.tokens.issue({ uid: writer.id, username: "writer", nickname: "writer", groupName: "default" });
    for (let attempt = 0; attempt < 20 && !(await editorText(page, "response.json")).includes("Children of Dune"); attempt++) {
      const add = await fetch(`${server.url}/graphql/`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `JWT ${token}` },
        body: JSON.stringify({ query: 'mutation { createBook(bookData: {title: "Children of Dune", author: "Frank Herbert"}) { ok } }' }),
      });
      expect((await add.json()).data.createBook.ok).toBe(true);
      await new Promise((r) => setTimeout(r, 250));
    }
    const event = JSON.parse(await responseWith(page, "Children of Dune"));
    expect(event.data.bookAdded).toMatchObject({ title: { name: "Children of Dune" }, author: { name: "Frank Herbert" } });
    await waitForShown(page, '"name": "Children of Dune"');
    await page.click('.graphiql-execute-button[aria-label^="Stop"]');
    await page.waitForSelector('.graphiql-execute-button[aria-label^="Execute"]');
    expect(sockets).toContain(`${server.wsUrl}/graphql/`);
  }, 60_000);

  it("lets a reader without a session use tokenAuth and Authorization: JWT in the headers editor", async () => {
    const page = await newPage();
    await page.goto(`${server.url}/graphql/`);
    await openExplorer(page);
    await enterOperation(page, TUTORIAL.createBook, true);
    expect(JSON.parse(await run(page, "UNAUTHENTICATED")).errors[0].extensions.code).toBe("UNAUTHENTICATED");

    await enterOperation(page, 'mutation { tokenAuth(username: "reader", password: "long-enough-pw") { token } }');
    const { token } = JSON.parse(await run(page, "token")).data.tokenAuth as { token: string };
    await page.click('button:text-is("Headers")');
    await page.locator(".graphiql-editor-tool .monaco-editor .view-lines:visible").click();
    await paste(page, `{"Authorization": "JWT ${token}"}`);
    expect(JSON.parse(await editorText(page, "request-headers.json"))).toEqual({ Authorization: `JWT ${token}` });

    await enterOperation(page, TUTORIAL.createBook, true);
    expect(JSON.parse(await run(page, '"ok"')).data.createBook).toMatchObject({ ok: true, book: { title: { name: "Dune" } } });
  }, 60_000);

  it("loaded everything from this server: no other host, no CSP violation, no page error", () => {
    expect(requests.length).toBeGreaterThan(20);
    const built = assetEntries();
    for (const file of ["graphiql.js", "graphiql.css", "editor.worker.js", "graphql.worker.js", "json.worker.js"]) {
      expect(requests, file).toContain(`${server.url}/assets/${built[file]}`);
    }
    const foreign = [...requests, ...sockets].filter((url) => {
      const { protocol, host } = new URL(url);
      return !(["http:", "ws:"].includes(protocol) && host === new URL(server.url).host) && protocol !== "data:";
    });
    expect(foreign).toEqual([]);
    // The anonymous page's refusal is a GraphQL answer, not a console error; nothing else may log one.
    expect(problems).toEqual([]);
  });
});
