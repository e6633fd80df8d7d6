import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PipelineTemplate } from "./template.js";

/** How many servers the demo deploys to unless the order says (SERVERS, 1–20). */
const SERVERS = 3;
/** The demo repository, under DATA_DIR. */
const REPO_DIR = "demo-repo";

/**
 * Creates (once) a local git repository to deploy, and returns the demo template: fetch
 * (clone `$DATA_DIR/$REPO` at $COMMIT) → build → package → upload to servers 1..3 (copies
 * into `$DATA_DIR/servers/<n>/`) → restart each (writes a marker file). Every command is a
 * constant argv; the order's parameters arrive as environment variables, quoted inside the
 * script, so a value is data, never code. Replace the commands with rsync/ssh/systemctl
 * for real servers (see the README).
 *
 * The template holds no path of this server: everyone who may file an order reads it
 * (`GET /api/templates`), so places are the runner's variables (`$DATA_DIR`, `$WORKDIR`,
 * the step's working directory), which only the step's process sees expanded.
 */
export function demoTemplate(dataDir: string): PipelineTemplate {
  const repo = join(dataDir, REPO_DIR);
  if (!existsSync(join(repo, ".git"))) createDemoRepo(dataDir, repo);
  const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repo, encoding: "utf8" }).trim();
  return {
    name: "demo-deploy",
    description: `Deploys the demo repository ($DATA_DIR/${REPO_DIR}) to SERVERS (1–20, default ${SERVERS}) local 'servers' under $DATA_DIR/servers, in parallel.`,
    params: {
      COMMIT: { pattern: "^[0-9a-f]{7,40}$", description: "the commit to deploy", default: head },
      // Relative to $DATA_DIR, without `..`: the default names no server path, and no value leaves DATA_DIR.
      SERVERS: { pattern: "^([1-9]|1[0-9]|20)$", description: "how many servers to deploy to (1–20), one parallel branch each", default: String(SERVERS) },
      REPO: { pattern: "^(?!.*\\.\\.)[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}$", description: "the repository to clone, a path under $DATA_DIR", default: REPO_DIR },
    },
    concurrency: 4,
    steps: [
      { name: "fetch", command: ["sh", "-c", 'rm -rf src && git clone --quiet "$DATA_DIR/$REPO" src && git -C src checkout --quiet "$COMMIT" && git -C src log --oneline -1'] },
      { name: "build", command: ["sh", "-c", "cd src && ./build.sh"], needs: ["fetch"] },
      { name: "package", command: ["tar", "-czf", "app.tgz", "-C", "src/dist", "."], needs: ["build"] },
      {
        name: "upload",
        forEach: "SERVERS",
        command: ["sh", "-c", 'mkdir -p "$DATA_DIR/servers/$ITEM" && cp app.tgz "$DATA_DIR/servers/$ITEM/app-$ORDER_ID.tgz" && echo "uploaded to server $ITEM"'],
        needs: ["package"],
      },
      {
        name: "restart",
        forEach: "SERVERS",
        command: ["sh", "-c", 'date -u +%Y-%m-%dT%H:%M:%SZ > "$DATA_DIR/servers/$ITEM/restarted" && echo "restarted server $ITEM"'],
        needs: ["upload"],
      },
    ],
  };
}

/**
 * Makes the demo repository with its one commit in a directory of its own, then renames it
 * into place: the workers of `serve --processes N` start together on one DATA_DIR, and one
 * must never read HEAD from a repository another is still making. A worker that loses the
 * race drops its copy and uses the winner's.
 */
function createDemoRepo(dataDir: string, repo: string): void {
  mkdirSync(dataDir, { recursive: true });
  const draft = mkdtempSync(join(dataDir, `.${REPO_DIR}-`));
  try {
    writeFileSync(join(draft, "app.txt"), "hello from the demo app\n");
    writeFileSync(join(draft, "build.sh"), '#!/bin/sh\nset -e\nmkdir -p dist\ncp app.txt dist/\necho "built $(cat app.txt | wc -c) bytes"\n', { mode: 0o755 });
    const git = (...args: string[]): string =>
      execFileSync("git", args, {
        cwd: draft,
        encoding: "utf8",
        env: { ...process.env, GIT_AUTHOR_NAME: "switchboard", GIT_AUTHOR_EMAIL: "demo@localhost", GIT_COMMITTER_NAME: "switchboard", GIT_COMMITTER_EMAIL: "demo@localhost" },
      });
    git("init", "--quiet");
    git("add", ".");
    git("commit", "--quiet", "-m", "demo app");
    try {
      renameSync(draft, repo);
    } catch (error) {
      // Another process put its repository there first: use it. Anything else in the way is an error.
      if (!existsSync(join(repo, ".git"))) throw error;
    }
  } finally {
    rmSync(draft, { recursive: true, force: true });
  }
}
