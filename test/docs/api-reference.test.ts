import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

describe("npm run docs", () => {
  it("generates the API reference of both entry points with no warning", async () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.docs).toBe("typedoc");
    const out = mkdtempSync(join(tmpdir(), "sb-typedoc-"));
    try {
      // typedoc.json sets treatWarningsAsErrors: an undocumented export or a broken link fails here.
      await promisify(execFile)(process.execPath, [join(root, "node_modules/typedoc/bin/typedoc"), "--out", out], { cwd: root });
      for (const page of ["index.html", "classes/client.SwitchboardClient.html", "classes/core.SocketServer.html", "classes/core.JsonWebsocketConsumer.html"]) {
        expect(existsSync(join(out, page)), page).toBe(true);
      }
      expect(readFileSync(join(out, "classes/client.SwitchboardClient.html"), "utf8")).toMatch(/jittered\s+backoff/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
