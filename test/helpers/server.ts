import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/core/index.js";

/** A running app on an ephemeral loopback port with its own data dir. */
export interface TestServer {
  app: App;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `ws://127.0.0.1:<port>` */
  wsUrl: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Starts the whole system in process; `env` overrides the configuration variables. A
 * `DATA_DIR` given in `env` is kept on close (so a test can restart on the same data).
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const keep = env.DATA_DIR !== undefined;
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), "switchboard-test-"));
  const config = loadConfig({ HOST: "127.0.0.1", PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "silent", ...env });
  const app = await buildApp(config, { logger: silentLogger });
  const url = await app.listen();
  return {
    app,
    url,
    wsUrl: url.replace(/^http/, "ws"),
    dataDir,
    async close() {
      await app.close(1012);
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
