import { execFile } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, describe, expect, it, vi } from "vitest";
import { nameProblem, startapp } from "../../src/cli/startapp.js";

const root = join(import.meta.dirname, "../..");
const run = promisify(execFile);
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), "sb-startapp-"));
  temps.push(dir);
  return dir;
}

/**
 * A copy of the project to scaffold into, cheaply: `src/` and the three config files copied
 * (about 1 MB), `node_modules` a symlink to ours. The generated code imports only `src/`.
 */
function projectCopy(): string {
  const dir = temp();
  cpSync(join(root, "src"), join(dir, "src"), { recursive: true });
  for (const file of ["package.json", "tsconfig.json", "vitest.config.ts"]) copyFileSync(join(root, file), join(dir, file));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/** Runs the command in process (its output captured): the CLI's own argument parsing is tested in cli.test.ts. */
async function startappIn(dir: string, name: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void out.push(args.join(" ")));
  const error = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void err.push(args.join(" ")));
  try {
    const code = await startapp.run({ dir }, [name]);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/**
 * Type errors in `files` (of the project at `dir`, with its tsconfig.json), by the TypeScript
 * compiler's API: the whole import graph is parsed, but only these files are checked, so
 * this takes seconds rather than a full `tsc` run's minute on a busy machine.
 */
function typeErrors(dir: string, files: string[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(dir, "tsconfig.json"), { noEmit: true }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error("tsconfig.json did not parse");
  const paths = files.map((f) => join(dir, f));
  const program = ts.createProgram(paths, config.options);
  const diagnostics = paths.flatMap((path) => {
    const source = program.getSourceFile(path);
    if (!source) throw new Error(`${path} is not in the program`);
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  });
  return diagnostics.map((d) => `${d.file?.fileName ?? ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}

// Bounded: the scaffold is written in process, the type check covers only the generated
// files, and the generated test runs in one vitest process with a 60 s kill timer, at the
// same time as the check. About 15 s on an idle machine.
describe("switchboard startapp", { timeout: 90_000 }, () => {
  it("scaffolds a module that type-checks and whose generated test passes", async () => {
    const dir = projectCopy();
    const r = await startappIn(dir, "polls");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const generated = [
      "src/apps/polls/index.ts",
      "src/apps/polls/consumer.ts",
      "src/apps/polls/pages.ts",
      "src/apps/polls/errors.ts",
      "src/web/polls.html",
      "src/web/static/polls.js",
      "test/apps/polls/polls.test.ts",
    ];
    for (const file of generated) {
      expect(r.stdout).toContain(`created ${file}`);
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    // The line for MODULES, and the two lists that check a module once it is in MODULES.
    expect(r.stdout).toContain('import { pollsApp } from "./apps/polls/index.js";');
    expect(r.stdout).toContain("[..., pollsApp]");
    expect(r.stdout).toContain('"GET /polls/" to PUBLIC_HTTP');
    expect(r.stdout).toContain("| `SB_ERR_POLLS_INVALID_MESSAGE` | | | `invalid_message` |");
    const index = readFileSync(join(dir, "src/apps/polls/index.ts"), "utf8");
    expect(index).toContain('route("/ws/polls/", PollsConsumer, { access: "user" })');
    expect(readFileSync(join(dir, "src/apps/polls/pages.ts"), "utf8")).toContain('app.get("/polls/", { config: { access: "public" }, schema: { hide: true } }');
    expect(readFileSync(join(dir, "src/apps/polls/errors.ts"), "utf8")).toContain("defineErrors({");

    const vitest = run(process.execPath, [join(root, "node_modules/vitest/vitest.mjs"), "run", "test/apps/polls/polls.test.ts", "--no-cache"], {
      cwd: dir,
      timeout: 60_000,
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    }).then(
      (ok) => ({ code: 0, output: ok.stdout + ok.stderr }),
      (failed: { code?: number; stdout?: string; stderr?: string }) => ({ code: failed.code ?? 1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` }),
    );
    expect(typeErrors(dir, generated.filter((f) => f.endsWith(".ts")))).toEqual([]);
    const tested = await vitest;
    expect(tested.output).toMatch(/Tests\s+5 passed \(5\)/);
    expect(tested.code).toBe(0);

    // Never overwrites: a second run refuses (the app exists now) and changes nothing.
    writeFileSync(join(dir, "src/apps/polls/consumer.ts"), "// edited by hand\n");
    const again = await startappIn(dir, "polls");
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('an app named "polls" already exists');
    expect(readFileSync(join(dir, "src/apps/polls/consumer.ts"), "utf8")).toBe("// edited by hand\n");
  });

  it("refuses names that are not lowercase identifiers, reserved, or taken", () => {
    const dir = temp();
    mkdirSync(join(dir, "src/apps/chat"), { recursive: true });
    mkdirSync(join(dir, "src/apps/orders"), { recursive: true });
    writeFileSync(join(dir, "src/apps/module.ts"), "");
    writeFileSync(join(dir, "src/apps/orders/index.ts"), 'export const ordersApp = { name: "workflow", start: () => ({}) };\n');
    for (const bad of ["Polls", "1polls", "my-polls", "my__polls", "polls_", "_polls", "pölls", "", "a".repeat(41)]) {
      expect(nameProblem(bad, dir), JSON.stringify(bad)).toMatch(/lowercase identifiers|at most 40/);
    }
    for (const reserved of ["api", "static", "core", "auth", "beat", "module", "healthz"]) expect(nameProblem(reserved, dir), reserved).toContain("is reserved");
    expect(nameProblem("chat", dir)).toContain("already exists");
    expect(nameProblem("orders", dir)).toContain("already exists");
    expect(nameProblem("workflow", dir)).toContain("already exists"); // a module's name:, not only its folder
    for (const good of ["polls", "my_polls", "polls2", "a"]) expect(nameProblem(good, dir), good).toBeNull();
  });

  it("writes nothing when any file it would write exists, or outside a project", async () => {
    const dir = temp();
    mkdirSync(join(dir, "src/apps"), { recursive: true });
    mkdirSync(join(dir, "src/web"), { recursive: true });
    writeFileSync(join(dir, "src/apps/module.ts"), "");
    writeFileSync(join(dir, "src/web/polls.html"), "mine\n");
    const r = await startappIn(dir, "polls");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not overwriting src/web/polls.html; nothing was written");
    expect(readFileSync(join(dir, "src/web/polls.html"), "utf8")).toBe("mine\n");
    expect(readdirSync(join(dir, "src/apps"))).toEqual(["module.ts"]);
    expect(existsSync(join(dir, "test"))).toBe(false);

    const elsewhere = await startappIn(temp(), "polls");
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain("is not a Switchboard project");
  });
});
