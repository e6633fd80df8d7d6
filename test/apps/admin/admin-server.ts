import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MODULES, buildApp, type App } from "../../../src/app.js";
import { createAdminApp } from "../../../src/apps/admin/index.js";
import { loadConfig } from "../../../src/config.js";
import { silentLogger } from "../../../src/core/index.js";
import { UserStore } from "../../../src/auth/users.js";

/** The password of every user {@link addUsers} makes. */
export const PASSWORD = "long-enough-pw";

/** The whole app (every module), with the dashboard sampling every `intervalMs` so tests need not wait 5 s. */
export async function startAdminServer(intervalMs: number, env: Record<string, string> = {}): Promise<{ app: App; url: string; wsUrl: string; close(): Promise<void> }> {
  const keep = env.DATA_DIR !== undefined;
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), "switchboard-admin-"));
  const config = loadConfig({ HOST: "127.0.0.1", PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "silent", ...env });
  const modules = [...MODULES.filter((m) => m.name !== "admin"), createAdminApp({ intervalMs })];
  const app = await buildApp(config, { logger: silentLogger }, modules);
  const url = await app.listen();
  return {
    app,
    url,
    wsUrl: url.replace(/^http/, "ws"),
    async close() {
      await app.close(1012);
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Makes `root` (a superuser) and the plain users `names`. */
export async function addUsers(app: App, names: string[]): Promise<void> {
  const users = new UserStore(app.db);
  await users.create({ username: "root", email: "root@example.com", password: PASSWORD, isSuperuser: true });
  for (const name of names) await users.create({ username: name, email: `${name}@example.com`, password: PASSWORD });
}

/** A JWT for `username` from the real token endpoint. */
export async function tokenOf(url: string, username: string): Promise<string> {
  const res = await fetch(`${url}/api/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password: PASSWORD }) });
  if (res.status !== 200) throw new Error(`token for ${username}: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}
