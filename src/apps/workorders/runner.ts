import { spawn, type ChildProcess } from "node:child_process";
import type { StepState } from "./states.js";
import type { PipelineTemplate, StepDefinition } from "./template.js";

/** A change to one step, as the runner reports it. */
export interface StepChange {
  step: string;
  state: StepState;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number | null;
  error?: string | null;
}

/** Options of {@link runPipeline}. */
export interface RunOptions {
  template: PipelineTemplate;
  /** Working directory of every step (per order). */
  cwd: string;
  /** Environment of every step: the order's parameters plus ORDER_ID, WORKDIR, DATA_DIR. */
  env: Record<string, string>;
  /** Step states to start from: `succeeded` steps are kept (retry), others run again. */
  initial?: Record<string, StepState>;
  onChange(change: StepChange): void;
  onLog(step: string, stream: "stdout" | "stderr", line: string): void;
  /** Seconds between SIGTERM and SIGKILL when stopping a step. Default 5. */
  killGraceSeconds?: number;
}

/** A pipeline in flight. */
export interface PipelineRun {
  /** Resolves with the outcome once nothing runs any more. */
  done: Promise<"succeeded" | "failed" | "cancelled">;
  /** Stops running steps (SIGTERM, then SIGKILL) and starts no more. */
  cancel(): void;
}

/**
 * Runs a template's DAG as real child processes: each step is spawned from its argv (no
 * shell), in `cwd`, with parameters as environment variables, at most `concurrency` at a
 * time; independent branches run in parallel. Output is reported line by line. A step
 * that fails (exit ≠ 0, a signal, the timeout) marks every step depending on it `skipped`.
 */
export function runPipeline(options: RunOptions): PipelineRun {
  const { template } = options;
  const grace = (options.killGraceSeconds ?? 5) * 1000;
  const states = new Map<string, StepState>();
  for (const step of template.steps) {
    const before = options.initial?.[step.name];
    states.set(step.name, before === "succeeded" ? "succeeded" : "pending");
  }
  const running = new Map<string, ChildProcess>();
  let cancelled = false;
  let finish!: (outcome: "succeeded" | "failed" | "cancelled") => void;
  const done = new Promise<"succeeded" | "failed" | "cancelled">((resolve) => (finish = resolve));

  const set = (change: StepChange): void => {
    states.set(change.step, change.state);
    options.onChange(change);
  };

  // Each step runs in its own process group, so stopping it also stops what it started
  // (a shell's children keep the output pipes open otherwise).
  const signalGroup = (child: ChildProcess, signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
  };
  const stop = (child: ChildProcess): void => {
    signalGroup(child, "SIGTERM");
    setTimeout(() => {
      if (running.has(stepOf.get(child) ?? "")) signalGroup(child, "SIGKILL");
    }, grace).unref();
  };
  const stepOf = new Map<ChildProcess, string>();

  const start = (step: StepDefinition): void => {
    const startedAt = Date.now();
    set({ step: step.name, state: "running", startedAt, finishedAt: undefined, exitCode: null, error: null });
    const [cmd, ...args] = step.command;
    const child = spawn(cmd!, args, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    running.set(step.name, child);
    stepOf.set(child, step.name);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stop(child);
    }, (step.timeoutSeconds ?? 300) * 1000);
    for (const stream of ["stdout", "stderr"] as const) {
      let pending = "";
      child[stream]!.setEncoding("utf8");
      child[stream]!.on("data", (chunk: string) => {
        pending += chunk;
        let nl: number;
        while ((nl = pending.indexOf("\n")) !== -1) {
          options.onLog(step.name, stream, pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
      });
      child[stream]!.on("end", () => {
        if (pending) options.onLog(step.name, stream, pending);
      });
    }
    let spawnError: string | null = null;
    child.on("error", (error) => (spawnError = error.message));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(step.name);
      const finishedAt = Date.now();
      if (code === 0 && !timedOut) set({ step: step.name, state: "succeeded", finishedAt, exitCode: 0, error: null });
      else {
        const error = spawnError
          ? `could not start ${cmd}: ${spawnError}`
          : timedOut
            ? `timed out after ${step.timeoutSeconds ?? 300} s`
            : cancelled
              ? "cancelled"
              : signal
                ? `killed by ${signal}`
                : `exited with code ${code}`;
        set({ step: step.name, state: cancelled ? "cancelled" : "failed", finishedAt, exitCode: code, error });
      }
      schedule();
    });
  };

  const schedule = (): void => {
    if (cancelled) {
      for (const s of template.steps) if (states.get(s.name) === "pending") set({ step: s.name, state: "cancelled" });
      if (running.size === 0) finish("cancelled");
      return;
    }
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const step of template.steps) {
        if (states.get(step.name) !== "pending") continue;
        const needs = (step.needs ?? []).map((n) => states.get(n));
        if (needs.some((s) => s === "failed" || s === "skipped" || s === "cancelled")) {
          set({ step: step.name, state: "skipped", error: "a step it needs did not succeed" });
          progressed = true;
        } else if (needs.every((s) => s === "succeeded") && running.size < (template.concurrency ?? 4)) {
          start(step);
          progressed = true;
        }
      }
    }
    if (running.size === 0 && ![...states.values()].includes("pending")) {
      finish([...states.values()].every((s) => s === "succeeded") ? "succeeded" : "failed");
    }
  };

  queueMicrotask(schedule);
  return {
    done,
    cancel() {
      if (cancelled) return;
      cancelled = true;
      for (const child of running.values()) stop(child);
      schedule();
    },
  };
}
