import { buildApp } from "../app.js";
import { CONFIG_ERRORS, ConfigError, loadConfig } from "../config.js";
import { CloseCode } from "../core/index.js";
import type { Command } from "./command.js";

/** `switchboard serve`: migrates, then serves HTTP and WebSocket on HOST:PORT until SIGTERM/SIGINT. */
export const serve: Command = {
  summary: "run the server (HTTP + WebSocket on one port)",
  usage: `usage: switchboard serve

Migrates the database, then serves every app on HOST:PORT (default 127.0.0.1:8000).
Configuration comes from the environment (HOST, PORT, DATA_DIR, DATABASE_URL, REDIS_URL,
ALLOWED_ORIGINS, SECRET_KEY, LOG_LEVEL); see docs or README. SIGTERM/SIGINT close sockets
with 1012 (service restart) and exit 0.`,
  options: {},
  async run() {
    let config;
    try {
      config = loadConfig();
    } catch (error) {
      if (error instanceof ConfigError) {
        console.error(error.message);
        return CONFIG_ERRORS.SB_ERR_INVALID_CONFIG.exitCode;
      }
      throw error;
    }
    const app = await buildApp(config);
    const url = await app.listen();
    app.logger.info({ url }, `switchboard serving on ${url}`);
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      app.logger.info({ signal }, "shutting down");
      const force = setTimeout(() => {
        app.logger.error({}, "shutdown timed out; exiting");
        process.exit(1);
      }, config.shutdownTimeout * 1000);
      force.unref();
      app.close(CloseCode.SERVICE_RESTART).then(
        () => process.exit(0),
        (error: unknown) => {
          app.logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
    return -1;
  },
};
