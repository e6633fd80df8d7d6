import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "./command.js";
import { appFiles, appNames, nextSteps } from "./startapp-templates.js";

/** App names: a lowercase identifier (letters, digits, single underscores), as Django asks of an app label. */
export const APP_NAME_RULE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 40;

/**
 * Names an app may not take: the paths the project already serves at the top level (the
 * page is `/<name>/`), the layers of the tree (`src/<layer>/` beside `src/apps/`), files of
 * `src/apps/`, and words that read as something else.
 */
export const RESERVED_APP_NAMES: ReadonlySet<string> = new Set([
  // top-level paths served today
  "api", "static", "client", "graphql", "healthz", "readyz", "metrics", "ws", "room", "notify", "gps", "admin", "accounts", "chat", "workorders",
  // layers and folders of the tree
  "core", "auth", "protocol", "storage", "http", "ops", "web", "runtime", "beat", "cli", "apps", "config", "app", "test", "tests", "node_modules", "dist",
  // files of src/apps, and names that would confuse
  "module", "index", "switchboard", "testing", "constructor", "prototype",
]);

/** Why `name` cannot be a new app in the project at `root`, or null when it can. */
export function nameProblem(name: string, root: string): string | null {
  if (!APP_NAME_RULE.test(name)) return `app names are lowercase identifiers: a letter, then letters, digits and single underscores (got ${JSON.stringify(name)})`;
  if (name.length > MAX_NAME_LENGTH) return `app names are at most ${MAX_NAME_LENGTH} characters`;
  if (existingApps(root).has(name)) return `an app named ${JSON.stringify(name)} already exists`;
  if (RESERVED_APP_NAMES.has(name)) return `${JSON.stringify(name)} is reserved (a path, a layer of the tree, or a file of src/apps); choose another name`;
  return null;
}

/** The apps of the project: every folder of `src/apps/` and every module `name:` declared in one's index.ts. */
function existingApps(root: string): Set<string> {
  const apps = new Set<string>();
  const dir = join(root, "src/apps");
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    apps.add(entry.name);
    const index = join(dir, entry.name, "index.ts");
    if (!existsSync(index)) continue;
    for (const m of readFileSync(index, "utf8").matchAll(/\bname:\s*"([^"]+)"/g)) apps.add(m[1]!);
  }
  return apps;
}

/** `switchboard startapp <name> [--dir <root>]`: scaffolds an app module that runs and passes its test as generated. */
export const startapp: Command = {
  summary: "scaffold an app module (consumer, page, errors, test)",
  usage: `usage: switchboard startapp <name> [--dir <project root>]

Writes a new app module in the shape of src/apps/module.ts (nothing is ever overwritten):
  src/apps/<name>/index.ts      the AppModule: /ws/<name>/ (access "user") and GET /<name>/
  src/apps/<name>/consumer.ts   a JSON consumer: {"message": ...} to everyone in group <name>
  src/apps/<name>/pages.ts      GET /<name>/ (access "public": a shell, like every page)
  src/apps/<name>/errors.ts     its code SB_ERR_<NAME>_INVALID_MESSAGE (defineErrors)
  src/web/<name>.html, src/web/static/<name>.js   the page and its script
  test/apps/<name>/<name>.test.ts                 a test that passes as generated
then prints the line to add to MODULES in src/app.ts (and the two lists to update).
<name>: a lowercase identifier (letters, digits, single underscores; at most 40), not an
existing app nor a reserved name. --dir: the project root (default: the working directory).`,
  options: { dir: { type: "string" } },
  async run(values, positionals) {
    const root = resolve(typeof values.dir === "string" ? values.dir : process.cwd());
    if (positionals.length !== 1) {
      console.error(`startapp: name one app\n\n${startapp.usage}`);
      return 2;
    }
    const name = positionals[0]!;
    if (!existsSync(join(root, "src/apps/module.ts"))) {
      console.error(`startapp: ${root} is not a Switchboard project (no src/apps/module.ts); run it at the project root or pass --dir`);
      return 1;
    }
    const problem = nameProblem(name, root);
    if (problem) {
      console.error(`startapp: ${problem}`);
      return 2;
    }
    const names = appNames(name);
    const files = appFiles(names);
    const present = files.filter((f) => existsSync(join(root, f.path))).map((f) => f.path);
    if (present.length > 0) {
      console.error(`startapp: not overwriting ${present.join(", ")}; nothing was written`);
      return 1;
    }
    for (const file of files) {
      const path = join(root, file.path);
      mkdirSync(dirname(path), { recursive: true });
      // "wx": fails instead of replacing a file created since the check above.
      writeFileSync(path, file.text, { flag: "wx" });
      console.log(`created ${file.path}`);
    }
    console.log(`\n${nextSteps(names)}`);
    return 0;
  },
};
