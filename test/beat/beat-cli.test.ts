import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const main = join(import.meta.dirname, "../../src/cli/main.ts");

async function beatList(schedule: unknown): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "sb-beat-cli-"));
  const file = join(dir, "beat.json");
  writeFileSync(file, JSON.stringify(schedule));
  try {
    const env = { ...process.env, LOG_LEVEL: "silent", DATA_DIR: dir, BEAT_SCHEDULE: file };
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", main, "beat", "--list"], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("switchboard beat --list with beatserver's shape", { timeout: 60_000 }, () => {
  it("lists the tutorial's entry as testing-print#0 with its channel, timing, next fire and the message it sends", async () => {
    const r = await beatList({
      "testing-print": [
        { type: "test.print", message: { testing: "one" }, schedule: 5 },
        { type: "test.print", message: { testing: "two" }, schedule: "0 3 * * 1" },
      ],
      report: { group: "ops", type: "report.due", every: "10s" },
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^clock: server\.time → group clock, every 1s; next \S+; sends \{"type":"server\.time","name":"clock","ts":\d+,"payload":\{\}\}$/m);
    expect(r.stdout).toMatch(/^testing-print#0: test\.print → channel testing-print, every 5s; next \d{4}-\d\d-\d\dT\d\d:\d\d:[0-5][05]\.000Z; sends \{"type":"test\.print","message":\{"testing":"one"\}\}$/m);
    expect(r.stdout).toMatch(/^testing-print#1: test\.print → channel testing-print, cron 0 3 \* \* 1; next \S+; sends \{"type":"test\.print","message":\{"testing":"two"\}\}$/m);
    expect(r.stdout).toMatch(/^report: report\.due → group ops, every 10s; next \S+; sends \{"type":"report\.due","name":"report","ts":\d+0000,"payload":\{\}\}$/m);
  });

  it("refuses a bad beatserver entry with exit 1, naming the entry and the problem", async () => {
    const r = await beatList({ "testing-print": [{ type: "test.print", message: { testing: "one" }, schedule: "5" }] });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('beat schedule: entry "testing-print#0": `schedule` "5" is a string: write seconds as a number (5) or a duration ("5s")');
    expect(r.stdout).toBe("");
  });
});
