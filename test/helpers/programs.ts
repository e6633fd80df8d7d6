import { execFileSync } from "node:child_process";

/** Whether an outside program a suite needs is here, and where. */
export interface Program {
  available: boolean;
  path: string;
}

/**
 * Looks for `program` on PATH for the suite `suite`. Missing: prints one line naming the
 * Debian package and the suite skips (`describe.skipIf(!p.available)`); under
 * `REQUIRE_ALL_SUITES=1` (CI) a missing program throws instead, failing the run.
 */
export function findProgram(suite: string, program: string, debianPackage: string): Program {
  let path = "";
  try {
    path = execFileSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" }).trim();
  } catch {
    path = "";
  }
  if (path) return { available: true, path };
  const line = `${suite} needs ${program} (apt-get install -y ${debianPackage})`;
  if (process.env.REQUIRE_ALL_SUITES === "1") throw new Error(`REQUIRE_ALL_SUITES=1: ${line}`);
  process.stderr.write(`skipped: ${line}\n`);
  return { available: false, path: "" };
}
