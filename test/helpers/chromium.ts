import { chromium, type Browser } from "playwright-core";
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
