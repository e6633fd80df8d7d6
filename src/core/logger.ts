import { pino, type Logger as PinoLogger } from "pino";

/** The logging surface the core needs; a pino logger satisfies it. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A pino logger at `level` (default `info`); the server and CLI share it. */
export function createLogger(level = "info"): PinoLogger {
  return pino({ level, base: undefined, redact: ["req.headers.authorization", "req.headers.cookie", "token"] });
}

/** A logger that drops everything, for embedding and tests. */
export const silentLogger: PinoLogger = pino({ level: "silent" });
