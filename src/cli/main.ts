// The CLI entry point: `npx switchboard <command>` (bin/switchboard.js loads the compiled file).
import { run } from "./run.js";

run(process.argv.slice(2)).then(
  (code) => {
    // -1: a long-running command (serve) keeps the process alive and exits by itself.
    if (code !== -1) process.exit(code);
  },
  (error: unknown) => {
    console.error(`switchboard: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
