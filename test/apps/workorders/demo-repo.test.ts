import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Runs demoTemplate(dataDir) in a process of its own, as each worker of `serve --processes N` does; resolves with its COMMIT default. */
function inProcess(dataDir: string): Promise<string> {
  const script = `import { demoTemplate } from ${JSON.stringify(join(root, "src/apps/workorders/demo.ts"))}; process.stdout.write(demoTemplate(process.argv[1]).params.COMMIT.default);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, dataDir], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (err += d));
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

describe("the demo repository", () => {
  it("is made once when several processes start on one fresh DATA_DIR at the same moment", async () => {
    for (let round = 0; round < 3; round++) {
      const dataDir = mkdtempSync(join(tmpdir(), "sb-demo-"));
      const heads = await Promise.all([inProcess(dataDir), inProcess(dataDir), inProcess(dataDir), inProcess(dataDir)]);
      expect(heads[0]).toMatch(/^[0-9a-f]{40}$/);
      expect(new Set(heads).size).toBe(1);
      // No draft left behind: only the repository itself.
      expect(readdirSync(dataDir)).toEqual(["demo-repo"]);
    }
  }, 60_000);
});
