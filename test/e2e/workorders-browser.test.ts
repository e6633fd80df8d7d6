import { workOrderService } from "../../src/apps/workorders/index.js";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserStore } from "../../src/auth/users.js";
import { WorkOrderStore } from "../../src/apps/workorders/store.js";
import { findChromium, launchChromium, signedInPage } from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const chromiumBin = findChromium("work-order browser test");
const ARTIFACTS = join(import.meta.dirname, "../../.ci/out");

describe.skipIf(!chromiumBin.available)("work-order board in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium(chromiumBin.path);
    const users = new UserStore(server.app.db);
    for (const name of ["dev", "lead"]) await users.create({ username: name, email: `${name}@example.com`, password: "long-enough-pw" });
    await users.create({ username: "root", email: "root@example.com", password: "long-enough-pw", isSuperuser: true });
    await new WorkOrderStore(server.app.db).grant((await users.byUsername("lead"))!.id, "approver");
    await workOrderService(server.app).defineTemplate(
      {
        name: "slow-demo",
        params: {},
        steps: [
          { name: "fetch", command: ["sleep", "0.7"] },
          { name: "build", command: ["sleep", "0.7"], needs: ["fetch"] },
          { name: "upload-1", command: ["sleep", "0.7"], needs: ["build"] },
          { name: "upload-2", command: ["sleep", "0.7"], needs: ["build"] },
        ],
      },
      "server",
    );
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  async function signedIn(username: string): Promise<Page> {
    const { context, page } = await signedInPage(browser, server.url, username, "long-enough-pw", "/workorders/", { viewport: { width: 1200, height: 800 } });
    contexts.push(context);
    return page;
  }

  it("one page approves; another page on the same order sees the nodes go pending → running → succeeded live", async () => {
    const dev = await signedIn("dev");
    await dev.goto(`${server.url}/workorders/new/`);
    await dev.fill("#order-title", "ship it");
    await dev.selectOption("#order-template", { label: "slow-demo" });
    await dev.click("#order-submit");
    await dev.waitForURL(/\/workorders\/\d+\/$/);
    await dev.waitForSelector('.node[data-step="build"][data-state="pending"]');
    // The requester sees no approve button; the server would refuse anyway.
    expect(await dev.isHidden("#action-approve")).toBe(true);
    // Record every state each node passes through, as the page draws it.
    await dev.evaluate(() => {
      const seen: Record<string, string[]> = {};
      (window as unknown as { seen: typeof seen }).seen = seen;
      const record = () => {
        for (const n of document.querySelectorAll<SVGGElement>(".node")) {
          const list = (seen[n.dataset.step!] ??= []);
          if (list.at(-1) !== n.dataset.state) list.push(n.dataset.state!);
        }
      };
      record();
      new MutationObserver(record).observe(document.getElementById("diagram")!, { attributes: true, subtree: true, attributeFilter: ["data-state"] });
    });

    const lead = await signedIn("lead");
    await lead.goto(dev.url());
    await lead.waitForSelector("#action-approve:not([hidden])");
    await lead.click("#action-approve");

    await dev.waitForFunction(() => document.getElementById("order-state")?.dataset.state === "succeeded", null, { timeout: 15_000 });
    const seen = await dev.evaluate(() => (window as unknown as { seen: Record<string, string[]> }).seen);
    for (const step of ["fetch", "build", "upload-1", "upload-2"]) expect(seen[step]).toEqual(["pending", "running", "succeeded"]);
    // The request and its approval come first in the diagram, as in a release pipeline.
    expect(seen.approval).toEqual(["waiting", "approved"]);
    expect(await dev.$$eval(".node", (nodes) => nodes.map((n) => `${(n as SVGGElement).dataset.step}:${(n as SVGGElement).dataset.state}`))).toEqual([
      "start:succeeded",
      "approval:approved",
      "fetch:succeeded",
      "build:succeeded",
      "upload-1:succeeded",
      "upload-2:succeeded",
    ]);
    // The audit trail: who filed, who approved, when each step ran.
    await dev.waitForFunction(() => (document.getElementById("order-audit")?.textContent ?? "").includes("lead approved"));
    const audit = await dev.$$eval("#order-audit li", (items) => items.map((li) => li.textContent ?? ""));
    expect(audit.some((t) => t.includes("dev filed"))).toBe(true);
    expect(audit.some((t) => t.includes("step upload-2 succeeded"))).toBe(true);
    expect(audit.findIndex((t) => t.includes("lead approved"))).toBeLessThan(audit.findIndex((t) => t.includes("step fetch started")));
    await dev.click('.node[data-step="build"]');
    mkdirSync(ARTIFACTS, { recursive: true });
    await dev.screenshot({ path: join(ARTIFACTS, "workorder.png"), fullPage: true });
  }, 40_000);

  it("a superuser grants the approver role and loads a template from a page; others are told they may not", async () => {
    const root = await signedIn("root");
    await root.goto(`${server.url}/workorders/admin/`);
    const box = root.locator('tr[data-user="dev"] .role-approver');
    await box.waitFor();
    expect(await box.isChecked()).toBe(false);
    await box.check();
    const store = new WorkOrderStore(server.app.db);
    const dev = (await new UserStore(server.app.db).byUsername("dev"))!;
    await expect.poll(() => store.hasRole(dev.id, "approver"), { timeout: 5000 }).toBe(true);
    await root.fill("#template-json", JSON.stringify({ name: "from-the-page", params: {}, steps: [{ name: "hello", command: ["echo", "hi"] }] }));
    await root.click("#template-submit");
    await root.waitForFunction(() => (document.getElementById("template-result")?.textContent ?? "").startsWith("Saved as template"));
    expect(await root.locator("#templates li", { hasText: "from-the-page" }).count()).toBe(1);
    await box.uncheck();
    await expect.poll(() => store.hasRole(dev.id, "approver"), { timeout: 5000 }).toBe(false);

    const lead = await signedIn("lead");
    await lead.goto(`${server.url}/workorders/admin/`);
    await lead.waitForSelector("#admin-error:not([hidden])");
    expect(await lead.textContent("#admin-error")).toContain("Only superusers");
  }, 40_000);
});
