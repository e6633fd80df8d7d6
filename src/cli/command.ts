import type { ParseArgsConfig } from "node:util";

/** One CLI command. `run` resolves with the exit code (-1: keep running, e.g. `serve`). */
export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}
