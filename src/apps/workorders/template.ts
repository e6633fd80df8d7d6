import { SwitchboardError } from "../../core/index.js";
import "./errors.js";
/** One step of a pipeline: a command (argv, never a shell string built from input) and what it needs first. */
export interface StepDefinition {
  name: string;
  /** argv: `["tar", "-czf", "app.tgz", "."]`. Parameters reach it as environment variables. */
  command: string[];
  /** Steps that must succeed first. */
  needs?: string[];
  /** Seconds before the step is stopped (SIGTERM, then SIGKILL). Default 300. */
  timeoutSeconds?: number;
  /**
   * Fan out: the name of a parameter whose value is a count N (1–{@link MAX_FAN_OUT}). The
   * step becomes N parallel steps `<name>-1` … `<name>-N`, each with `$ITEM` set to its index.
   * A fanned-out step needing another fanned-out step over the same parameter needs its own
   * index only (`restart-2` needs `upload-2`); a plain step needing a fanned-out one needs them all.
   */
  forEach?: string;
}

/** The widest fan-out a template may ask for. */
export const MAX_FAN_OUT = 20;

/** A parameter an order fills in, validated against `pattern` before anything runs. */
export interface ParamDefinition {
  /** A regular expression the whole value must match, e.g. `^[0-9a-f]{7,40}$`. */
  pattern: string;
  description?: string;
  default?: string;
}

/** A pipeline: a DAG of named steps, and the parameters an order supplies. */
export interface PipelineTemplate {
  name: string;
  description?: string;
  params: Record<string, ParamDefinition>;
  steps: StepDefinition[];
  /** Steps run at once at most. Default 4. */
  concurrency?: number;
}

/** A template or a parameter set that cannot be used; `subject` names the step or parameter. */
export class TemplateError extends SwitchboardError {
  constructor(
    readonly subject: string,
    problem: string,
  ) {
    super(subject === "order" ? "SB_ERR_NO_SUCH_ORDER" : "SB_ERR_INVALID_TEMPLATE", `${subject}: ${problem}`);
    this.name = "TemplateError";
  }
}

const STEP_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const PARAM_NAME = /^[A-Z][A-Z0-9_]{0,62}$/;
/** Environment names a parameter may not take over. */
const RESERVED_ENV = new Set(["PATH", "HOME", "SHELL", "USER", "LD_PRELOAD", "LD_LIBRARY_PATH", "NODE_OPTIONS", "ORDER_ID", "WORKDIR", "DATA_DIR"]);

/** Checks a template (names, argv commands, known dependencies, no cycles) and returns it typed. */
export function validateTemplate(raw: unknown): PipelineTemplate {
  const t = raw as Partial<PipelineTemplate> | null;
  if (t === null || typeof t !== "object") throw new TemplateError("template", "must be an object");
  if (typeof t.name !== "string" || !/^[\w .-]{1,100}$/.test(t.name)) throw new TemplateError("template", "name must be 1–100 of letters, digits, space . _ -");
  const params = t.params ?? {};
  if (typeof params !== "object" || Array.isArray(params)) throw new TemplateError("params", "must be an object");
  for (const [name, p] of Object.entries(params)) {
    if (!PARAM_NAME.test(name) || RESERVED_ENV.has(name)) throw new TemplateError(`parameter ${name}`, "names are UPPER_CASE and not a reserved environment variable");
    try {
      new RegExp(p.pattern);
    } catch {
      throw new TemplateError(`parameter ${name}`, "pattern is not a valid regular expression");
    }
    if (!p.pattern.startsWith("^") || !p.pattern.endsWith("$")) throw new TemplateError(`parameter ${name}`, "pattern must be anchored with ^ and $");
  }
  if (!Array.isArray(t.steps) || t.steps.length === 0) throw new TemplateError("steps", "need at least one step");
  const names = new Set<string>();
  for (const step of t.steps) {
    if (typeof step?.name !== "string" || !STEP_NAME.test(step.name)) throw new TemplateError(`step ${String(step?.name)}`, "names are lower-case letters, digits, _ and -");
    if (names.has(step.name)) throw new TemplateError(`step ${step.name}`, "is defined twice");
    names.add(step.name);
    if (!Array.isArray(step.command) || step.command.length === 0 || !step.command.every((a) => typeof a === "string")) {
      throw new TemplateError(`step ${step.name}`, "command must be a non-empty array of strings (argv)");
    }
    if (step.timeoutSeconds !== undefined && !(Number.isInteger(step.timeoutSeconds) && step.timeoutSeconds > 0 && step.timeoutSeconds <= 86400)) {
      throw new TemplateError(`step ${step.name}`, "timeoutSeconds must be 1–86400");
    }
    if (step.forEach !== undefined && !(typeof step.forEach === "string" && step.forEach in params)) {
      throw new TemplateError(`step ${step.name}`, "forEach must name a parameter of the template");
    }
  }
  for (const step of t.steps) {
    for (const need of step.needs ?? []) {
      if (!names.has(need)) throw new TemplateError(`step ${step.name}`, `needs unknown step ${need}`);
    }
  }
  const cycle = findCycle(t.steps);
  if (cycle) throw new TemplateError(`step ${cycle[0]}`, `is in a cycle: ${cycle.join(" → ")}`);
  const concurrency = t.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) throw new TemplateError("template", "concurrency must be 1–32");
  return { name: t.name, description: t.description, params, steps: t.steps, concurrency };
}

/** A dependency cycle as step names (first repeated at the end), or null. */
function findCycle(steps: StepDefinition[]): string[] | null {
  const needs = new Map(steps.map((s) => [s.name, s.needs ?? []]));
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === "done") return null;
    if (state.get(name) === "visiting") return [...path.slice(path.indexOf(name)), name];
    state.set(name, "visiting");
    path.push(name);
    for (const n of needs.get(name) ?? []) {
      const found = visit(n);
      if (found) return found;
    }
    path.pop();
    state.set(name, "done");
    return null;
  };
  for (const s of steps) {
    const found = visit(s.name);
    if (found) return found;
  }
  return null;
}

/**
 * Checks an order's parameters against the template: every declared one present (or
 * defaulted) and matching its pattern, no undeclared ones. Values only ever reach steps as
 * environment variables, so even a value with shell metacharacters would stay inert; the
 * patterns refuse them anyway.
 */
export function validateParams(template: PipelineTemplate, values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(values)) {
    if (!(key in template.params)) throw new TemplateError(`parameter ${key}`, "is not declared by the template");
  }
  for (const [name, p] of Object.entries(template.params)) {
    const value = values[name] ?? p.default;
    if (typeof value !== "string") throw new TemplateError(`parameter ${name}`, "is required");
    if (value.length > 1000 || !new RegExp(p.pattern).test(value)) throw new TemplateError(`parameter ${name}`, `must match ${p.pattern}`);
    out[name] = value;
  }
  expandTemplate(template, out); // a fan-out count out of range is refused here, before the order exists
  return out;
}

/**
 * The steps an order runs: `template` with its fan-outs expanded for the order's `params`
 * (validated before: a fan-out count must be a whole number 1–{@link MAX_FAN_OUT}). A template
 * without `forEach` comes back as it is.
 */
export function expandTemplate(template: PipelineTemplate, params: Record<string, string>): PipelineTemplate {
  if (!template.steps.some((s) => s.forEach)) return template;
  const countOf = (param: string): number => {
    const n = Number(params[param]);
    if (!Number.isInteger(n) || n < 1 || n > MAX_FAN_OUT) throw new TemplateError(`parameter ${param}`, `must be a whole number 1–${MAX_FAN_OUT} (it fans out steps)`);
    return n;
  };
  const byName = new Map(template.steps.map((s) => [s.name, s]));
  const names = (step: StepDefinition): string[] => (step.forEach ? Array.from({ length: countOf(step.forEach) }, (_, i) => `${step.name}-${i + 1}`) : [step.name]);
  const steps: StepDefinition[] = [];
  for (const step of template.steps) {
    const count = step.forEach ? countOf(step.forEach) : 1;
    for (let i = 1; i <= count; i++) {
      const needs = (step.needs ?? []).flatMap((need) => {
        const other = byName.get(need)!;
        if (step.forEach && other.forEach === step.forEach) return [`${need}-${i}`];
        return names(other);
      });
      const { forEach: _forEach, ...rest } = step;
      steps.push({
        ...rest,
        name: step.forEach ? `${step.name}-${i}` : step.name,
        // $ITEM is the index; argv stays constant (the shell reads it from the environment).
        command: step.forEach ? ["env", `ITEM=${i}`, ...step.command] : step.command,
        ...(needs.length > 0 ? { needs } : {}),
      });
    }
  }
  return { ...template, steps };
}
