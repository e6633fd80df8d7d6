import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** The repository: what `npm pack` packs, and whose node_modules lends tsc and esbuild. */
export const REPO = join(import.meta.dirname, "../..");

/**
 * The environment for npm and the installed package's processes: ours without the
 * `npm_*` variables `npx vitest` sets (npm_config_*, npm_package_*), so the child npm
 * reads its configuration as a user's shell would, not as a lifecycle script of this repo.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== "INIT_CWD") env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs `command` in `cwd` (bounded by `timeoutMs`); rejects with its output on a non-zero exit. */
export async function run(command: string, args: string[], cwd: string, timeoutMs: number, env = userEnv()): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { message: string; stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

/** What `npm pack --json` says of the tarball. */
export interface Packed {
  filename: string;
  /** Bytes of the .tgz. */
  size: number;
  unpackedSize: number;
  files: string[];
}

/**
 * `npm pack` of the repository into `dir`, as publishing does: npm runs the `prepare`
 * script (`npm run build`) first, so the tarball holds a fresh dist/.
 */
export async function pack(dir: string): Promise<Packed> {
  const out = await run("npm", ["pack", "--json", "--pack-destination", dir], REPO, 300_000);
  // The build's own output comes first on stdout; the JSON report is the last thing printed.
  const start = out.search(/^\[\s*\{/m);
  if (start < 0) throw new Error(`npm pack printed no JSON report:\n${out}`);
  const [report] = JSON.parse(out.slice(start)) as [{ filename: string; size: number; unpackedSize: number; files: { path: string }[] }];
  return { filename: join(dir, report.filename), size: report.size, unpackedSize: report.unpackedSize, files: report.files.map((f) => f.path) };
}

/**
 * `npm install <tarball> ...extra` into the project at `app`, resolving every dependency
 * from the package's own ranges (no lockfile of ours) through the registry, answered from
 * npm's cache where it can.
 *
 * Install scripts are skipped and stood in for: the only dependency with one is
 * better-sqlite3, whose script downloads a prebuilt binary (this machine reaches no such
 * host) or compiles SQLite for two minutes. The binary the repository's own install built,
 * for the same version and the same Node, is put where that script would have put it. Any
 * other package with an install script fails here, so it cannot go unnoticed.
 */
export async function installTarball(app: string, tarball: string, extra: string[] = []): Promise<void> {
  await run("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", tarball, ...extra], app, 240_000);
  const scripted = JSON.parse(
    await run("npm", ["query", ":attr(scripts, [install]), :attr(scripts, [preinstall]), :attr(scripts, [postinstall])"], app, 60_000),
  ) as { name: string; version: string }[];
  const names = [...new Set(scripted.map((p) => p.name))];
  // @scarf/scarf (swagger-ui-dist's) only reports installs to its vendor: skipping it loses nothing.
  const unexpected = names.filter((n) => n !== "better-sqlite3" && n !== "@scarf/scarf");
  if (unexpected.length > 0 || !names.includes("better-sqlite3")) throw new Error(`dependencies with install scripts: ${names.join(", ")} (this test stands in only for better-sqlite3's)`);
  const version = (dir: string): string => (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
  const ours = join(REPO, "node_modules/better-sqlite3");
  const theirs = join(app, "node_modules/better-sqlite3");
  if (version(ours) !== version(theirs)) throw new Error(`better-sqlite3 ${version(theirs)} installed, the repository has ${version(ours)}: no binary to stand in`);
  const binary = "build/Release/better_sqlite3.node";
  if (!existsSync(join(ours, binary))) throw new Error(`${join(ours, binary)} is missing: run npm ci in the repository`);
  mkdirSync(join(theirs, "build/Release"), { recursive: true });
  copyFileSync(join(ours, binary), join(theirs, binary));
}
