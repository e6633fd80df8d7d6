import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runPipeline, type StepChange } from "../../../src/apps/workorders/runner.js";
import { validateTemplate, type PipelineTemplate } from "../../../src/apps/workorders/template.js";

function run(template: PipelineTemplate, env: Record<string, string> = {}, initial?: Record<string, never>) {
  const changes: StepChange[] = [];
  const logs: string[] = [];
  const r = runPipeline({
    template,
    cwd: mkdtempSync(join(tmpdir(), "sb-run-")),
    env,
    initial,
    killGraceSeconds: 1,
    onChange: (c) => changes.push(c),
    onLog: (step, _s, line) => logs.push(`${step}: ${line}`),
  });
  return { r, changes, logs, final: () => Object.fromEntries(changes.map((c) => [c.step, c.state])) };
}

describe("pipeline runner (real child processes)", () => {
  it("runs independent branches in parallel, in dependency order", async () => {
    const t = validateTemplate({
      name: "par",
      params: {},
      steps: [
        { name: "a", command: ["sh", "-c", "echo a"] },
        { name: "b1", command: ["sh", "-c", "sleep 0.3; echo b1"], needs: ["a"] },
        { name: "b2", command: ["sh", "-c", "sleep 0.3; echo b2"], needs: ["a"] },
        { name: "c", command: ["sh", "-c", "echo c"], needs: ["b1", "b2"] },
      ],
    });
    const started = Date.now();
    const { r, final, logs, changes } = run(t);
    expect(await r.done).toBe("succeeded");
    expect(Date.now() - started).toBeLessThan(1500); // b1 and b2 overlapped
    expect(final()).toEqual({ a: "succeeded", b1: "succeeded", b2: "succeeded", c: "succeeded" });
    const order = changes.filter((c) => c.state === "running").map((c) => c.step);
    expect(order[0]).toBe("a");
    expect(order.at(-1)).toBe("c");
    expect(logs).toContain("b2: b2");
  });

  it("passes parameters as environment variables, inert even with shell metacharacters", async () => {
    const t = validateTemplate({ name: "env", params: {}, steps: [{ name: "show", command: ["printenv", "NAME"] }] });
    const { r, logs } = run(t, { NAME: "$(touch /tmp/pwned-by-switchboard); `id`" });
    expect(await r.done).toBe("succeeded");
    expect(logs).toEqual(["show: $(touch /tmp/pwned-by-switchboard); `id`"]);
  });

  it("fails a step on a non-zero exit and skips its dependants", async () => {
    const t = validateTemplate({
      name: "fail",
      params: {},
      steps: [
        { name: "ok", command: ["true"] },
        { name: "boom", command: ["sh", "-c", "echo bad >&2; exit 3"], needs: ["ok"] },
        { name: "after", command: ["true"], needs: ["boom"] },
      ],
    });
    const { r, final, changes } = run(t);
    expect(await r.done).toBe("failed");
    expect(final()).toEqual({ ok: "succeeded", boom: "failed", after: "skipped" });
    expect(changes.find((c) => c.step === "boom" && c.state === "failed")).toMatchObject({ exitCode: 3, error: "exited with code 3" });
  });

  it("stops a step at its timeout, and reports a command that cannot start", async () => {
    const t = validateTemplate({
      name: "slow",
      params: {},
      steps: [
        { name: "slow", command: ["sleep", "30"], timeoutSeconds: 1 },
        { name: "missing", command: ["/nonexistent/binary"] },
      ],
    });
    const { r, changes } = run(t);
    expect(await r.done).toBe("failed");
    expect(changes.find((c) => c.step === "slow" && c.state === "failed")!.error).toBe("timed out after 1 s");
    expect(changes.find((c) => c.step === "missing" && c.state === "failed")!.error).toMatch(/could not start/);
  });

  it("cancel stops a long step (SIGTERM, then SIGKILL) and cancels what has not started", async () => {
    const t = validateTemplate({
      name: "cancel",
      params: {},
      steps: [
        { name: "long", command: ["sh", "-c", "trap '' TERM; sleep 30"] },
        { name: "next", command: ["true"], needs: ["long"] },
      ],
    });
    const { r, final } = run(t);
    await new Promise((res) => setTimeout(res, 200));
    const t0 = Date.now();
    r.cancel();
    expect(await r.done).toBe("cancelled");
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(final()).toEqual({ long: "cancelled", next: "cancelled" });
  });

  it("retry keeps succeeded steps and runs the rest again", async () => {
    const t = validateTemplate({
      name: "retry",
      params: {},
      steps: [
        { name: "first", command: ["sh", "-c", "echo first"] },
        { name: "second", command: ["sh", "-c", "echo second"], needs: ["first"] },
      ],
    });
    const { r, logs } = run(t, {}, { first: "succeeded", second: "failed" } as never);
    expect(await r.done).toBe("succeeded");
    expect(logs).toEqual(["second: second"]);
  });
});
