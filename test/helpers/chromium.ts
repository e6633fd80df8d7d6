import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { findProgram, type Program } from "./programs.js";

/** Debian's Chromium, if installed (`apt-get install -y chromium`). */
export function findChromium(suite: string): Program {
  return findProgram(suite, "chromium", "chromium");
}

/** Launches headless Chromium with the flags this machine needs (no network, no sandbox as root). */
export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/**
 * A new browser context signed in as `username` through the real login form, left on
 * `next`. The caller closes the context.
 */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  username: string,
  password: string,
  next: string,
  contextOptions: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/accounts/login/?next=${next}`);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await page.click('#account-form button[type="submit"]');
  await page.waitForURL(`${baseUrl}${next}`);
  return { context, page };
}
