import type { ParseArgsConfig } from "node:util";

/** One CLI command. `run` resolves with the exit code (-1: keep running, e.g. `serve`). */
export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

/** Exit code for bad arguments (usage errors), as in BSD sysexits' convention for CLIs. */
export const USAGE = 2;
