import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium, signedInPage } from "../helpers/chromium.js";
import { addUsers, PASSWORD, startAdminServer } from "../apps/admin/admin-server.js";

const chromiumBin = findChromium("admin dashboard browser test");

/** A page with no socket of its own (the 404 page), signed in as `username`, that opens notify sockets on demand. */
interface SocketPage {
  page: Page;
  /** Opens a /ws/notify/ socket in the page; its close code and reason land in `window.closes[n]`. */
  open(): Promise<number>;
}

describe.skipIf(!chromiumBin.available)("admin dashboard in a real browser", () => {
  let server: Awaited<ReturnType<typeof startAdminServer>>;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startAdminServer(400);
    await addUsers(server.app, ["alice", "bob"]);
    browser = await launchChromium(chromiumBin.path);
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  async function signedIn(username: string, next: string): Promise<Page> {
    const { context, page } = await signedInPage(browser, server.url, username, PASSWORD, next, { viewport: { width: 1300, height: 900 } });
    contexts.push(context);
    return page;
  }

  async function socketPage(username: string): Promise<SocketPage> {
    const page = await signedIn(username, "/chat/");
    await page.goto(`${server.url}/no-such-page/`);
    return {
      page,
      open: () =>
        page.evaluate(
          (url) =>
            new Promise<number>((resolve, reject) => {
              const w = window as unknown as { sockets?: WebSocket[]; closes?: Record<number, { code: number; reason: string }> };
              const sockets = (w.sockets ??= []);
              w.closes ??= {};
              const ws = new WebSocket(url);
              const n = sockets.push(ws) - 1;
              ws.onclose = (e) => (w.closes![n] = { code: e.code, reason: e.reason });
              ws.onopen = () => resolve(n);
              ws.onerror = () => reject(new Error("socket refused"));
            }),
          `${server.wsUrl}/ws/notify/`,
        ),
    };
  }

  const total = (page: Page) => page.locator("#total-sockets").textContent().then(Number);

  it("shows a non-superuser that only superusers see it", async () => {
    const page = await signedIn("alice", "/chat/");
    await page.goto(`${server.url}/admin/`);
    await expect.poll(() => page.locator("#admin-error").textContent(), { timeout: 10_000 }).toMatch(/superusers/);
    expect(await page.locator("#nodes tbody tr").count()).toBe(0);
  });

  it("counts sockets opened and closed in another page, closes exactly the chosen one with its reason, and lists the audit entry", async () => {
    const admin = await signedIn("root", "/admin/");
    const problems: string[] = [];
    admin.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
    admin.on("pageerror", (e) => problems.push(e.message));
    await admin.reload();
    await admin.waitForSelector("#nodes tbody tr");
    await expect.poll(() => admin.locator("#admin-status").getAttribute("data-state")).toBe("open");
    const alice = await socketPage("alice");
    const bob = await socketPage("bob");
    // Settle: the sign-in pages' own sockets are gone once their pages were left.
    await new Promise((r) => setTimeout(r, 1500));
    const base = await total(admin);
    const a = await alice.open();
    await expect.poll(() => total(admin), { timeout: 10_000 }).toBe(base + 1);
    const b = await bob.open();
    await expect.poll(() => total(admin), { timeout: 10_000 }).toBe(base + 2);
    // The charts drew the samples (uPlot's canvas in each figure).
    expect(await admin.locator(".admin-charts canvas").count()).toBeGreaterThanOrEqual(4);

    await admin.fill("#close-reason", "closed in the e2e test");
    const row = admin.locator("#sockets tbody tr", { has: admin.locator("td:nth-child(4)", { hasText: /^alice$/ }) });
    await row.locator("button.close-socket").click();
    await expect.poll(() => alice.page.evaluate((n) => (window as unknown as { closes: Record<number, unknown> }).closes[n], a), { timeout: 10_000 }).toEqual({
      code: 4001,
      reason: "closed in the e2e test",
    });
    expect(await bob.page.evaluate((n) => (window as unknown as { sockets: WebSocket[] }).sockets[n]!.readyState, b)).toBe(1);
    await expect.poll(() => total(admin), { timeout: 10_000 }).toBe(base + 1);
    const audit = admin.locator("#audit tbody tr").first();
    await expect.poll(() => audit.textContent(), { timeout: 10_000 }).toMatch(/root.*close socket.*closed in the e2e test.*closed/);
    const rows = await server.app.db.selectFrom("admin_audit").selectAll().execute();
    expect(rows).toHaveLength(1);
    // Under the site's CSP (script-src 'self', no inline style) the page and uPlot ran cleanly.
    expect(problems).toEqual([]);
    expect(rows[0]).toMatchObject({ actor: "root", action: "close_socket", detail: "closed in the e2e test", outcome: "closed" });
  });
});
