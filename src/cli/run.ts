import { parseArgs } from "node:util";
import { USAGE, type Command } from "./command.js";
import { commands } from "./commands.js";

export { USAGE } from "./command.js";

/** Width the command list is wrapped to (a terminal's, when stdout is one; else 80). */
function helpWidth(): number {
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  return Math.max(60, Math.min(columns ?? 80, 120));
}

/**
 * The command list: names in one column as wide as the longest name plus two spaces,
 * summaries wrapped at word boundaries to `width`, continuation lines under the summary.
 */
export function commandList(entries: ReadonlyArray<readonly [string, string]>, width = 80): string[] {
  const indent = 2;
  const column = indent + Math.max(...entries.map(([name]) => name.length)) + 2;
  const room = Math.max(20, width - column);
  const lines: string[] = [];
  for (const [name, summary] of entries) {
    const wrapped = wrap(summary, room);
    lines.push(`${" ".repeat(indent)}${name.padEnd(column - indent)}${wrapped[0] ?? ""}`.trimEnd());
    for (const rest of wrapped.slice(1)) lines.push(`${" ".repeat(column)}${rest}`);
  }
  return lines;
}

/** Splits `text` into lines of at most `width` characters at spaces (a longer word keeps a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function usage(): string {
  const lines = commandList(Object.entries(commands).map(([name, c]) => [name, c.summary] as const), helpWidth());
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
