import { buildApp } from "../app.js";
import { CONFIG_ERRORS, ConfigError, loadConfig } from "../config.js";
import { CloseCode } from "../core/index.js";
import { USAGE, type Command } from "./command.js";
import { isServeWorker, multiProcessProblem, processCount, superviseWorkers } from "./processes.js";

/** `switchboard serve`: migrates, then serves HTTP and WebSocket on HOST:PORT until SIGTERM/SIGINT. */
export const serve: Command = {
  summary: "run the server (HTTP + WebSocket on one port)",
  usage: `usage: switchboard serve [--processes N|auto]

Migrates the database, then serves every app on HOST:PORT (default 127.0.0.1:8000).
Configuration comes from the environment (HOST, PORT, DATA_DIR, DATABASE_URL, REDIS_URL,
ALLOWED_ORIGINS, SECRET_KEY, LOG_LEVEL); see docs or README. SIGTERM/SIGINT close sockets
with 1012 (service restart) and exit 0.

  --processes N   N worker processes sharing the port (default WEB_CONCURRENCY, else 1;
                  "auto": one per core). Needs the Redis layer (REDIS_URL). A worker that
                  dies is replaced; SIGTERM drains them all.`,
  options: { processes: { type: "string" } },
  async run(values) {
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
    if (!isServeWorker()) {
      const count = processCount(values.processes);
      if (typeof count === "string") {
        console.error(count);
        return USAGE;
      }
      if (count > 1) {
        const problem = multiProcessProblem(config);
        if (problem) {
          console.error(`switchboard serve --processes ${count}: ${problem}`);
          return CONFIG_ERRORS.SB_ERR_INVALID_CONFIG.exitCode;
        }
        await superviseWorkers(config, count, (line) => console.log(line));
        return -1;
      }
    }
    // A worker: the primary migrated already.
    const app = await buildApp(config, isServeWorker() ? { migrate: false } : {});
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
