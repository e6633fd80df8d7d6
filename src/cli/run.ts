import { parseArgs } from "node:util";
import type { Command } from "./command.js";
import { commands } from "./commands.js";

/** Exit code for bad arguments (usage errors), as in BSD sysexits' convention for CLIs. */
export const USAGE = 2;

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`);
  return `usage: switchboard <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun "switchboard <command> --help" for a command's options.`;
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : USAGE;
  }
  const command: Command | undefined = commands[name];
  if (!command) {
    console.error(`switchboard: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return USAGE;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { help: { type: "boolean", short: "h" }, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`switchboard ${name}: ${(error as Error).message}\n\n${command.usage}`);
    return USAGE;
  }
  if (parsed.values.help) {
    console.log(command.usage);
    return 0;
  }
  return command.run(parsed.values as Record<string, unknown>, parsed.positionals);
}
