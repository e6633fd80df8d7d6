import { readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Cron } from "croner";
import { SwitchboardError, assertChannelName, assertGroupName, defineErrors } from "../core/index.js";

/** One scheduled push, as written in a schedule file. */
export interface ScheduleEntry {
  /** Send to this channel (a worker's, or one socket's)… */
  channel?: string;
  /** …or to every member of this group. */
  group?: string;
  /** The message type; consumers handle it like any other (`server.time` → `serverTime`). */
  type: string;
  /** Extra data, sent as `payload`. */
  payload?: Record<string, unknown>;
  /** A fixed interval: `500ms`, `10s`, `5m`, `1h` (at least 100 ms)… */
  every?: string;
  /** …or a cron expression (croner syntax, seconds field optional). */
  cron?: string;
}

/** A schedule: entry names → entries. */
export type Schedule = Record<string, ScheduleEntry>;

/** A validated entry, with how to find its next fire time. */
export interface PlannedEntry {
  name: string;
  entry: ScheduleEntry;
  /** The first fire time strictly after `after` (ms since the epoch). */
  next(after: number): number;
}


/** A schedule's refusal: the scheduler (and `serve` with beat on) does not start. */
export const SCHEDULE_ERRORS = defineErrors({
  SB_ERR_INVALID_SCHEDULE: { message: "beat schedule", exitCode: 78 },
});

/** A schedule that cannot start; the message names the entry and the problem. */
export class ScheduleError extends SwitchboardError {
  constructor(name: string, problem: string) {
    super("SB_ERR_INVALID_SCHEDULE", `entry ${JSON.stringify(name)}: ${problem}`);
    this.name = "ScheduleError";
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `"10s"` → 10000; `null` when it is not a duration. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!]! : null;
}

/** Validates every entry of `schedule`, throwing {@link ScheduleError} at the first bad one. */
export function planSchedule(schedule: Schedule): PlannedEntry[] {
  if (schedule === null || typeof schedule !== "object" || Array.isArray(schedule)) {
    throw new ScheduleError("(schedule)", "must be an object mapping names to entries");
  }
  return Object.entries(schedule).map(([name, entry]) => plan(name, entry));
}

function plan(name: string, entry: ScheduleEntry): PlannedEntry {
  const fail = (problem: string): never => {
    throw new ScheduleError(name, problem);
  };
  if (entry === null || typeof entry !== "object") fail("must be an object");
  if ((entry.channel === undefined) === (entry.group === undefined)) fail("needs exactly one of `channel` or `group`");
  try {
    if (entry.channel !== undefined) assertChannelName(entry.channel);
    if (entry.group !== undefined) assertGroupName(entry.group);
  } catch (error) {
    fail((error as Error).message);
  }
  if (typeof entry.type !== "string" || !/^[A-Za-z][A-Za-z0-9]*([._][A-Za-z0-9]+)*$/.test(entry.type)) {
    fail("`type` must be a message type such as `server.time`");
  }
  if (entry.payload !== undefined && (entry.payload === null || typeof entry.payload !== "object" || Array.isArray(entry.payload))) {
    fail("`payload` must be an object");
  }
  if ((entry.every === undefined) === (entry.cron === undefined)) fail("needs exactly one of `every` or `cron`");
  if (entry.every !== undefined) {
    const ms = typeof entry.every === "string" ? parseDuration(entry.every) : null;
    if (ms === null) fail(`\`every\` must be a duration like "500ms", "10s", "5m", "1h" (got ${JSON.stringify(entry.every)})`);
    if (ms! < 100) fail("`every` must be at least 100ms");
    // Multiples of the interval since the epoch: a new leader keeps the same cadence.
    return { name, entry, next: (after) => (Math.floor(after / ms!) + 1) * ms! };
  }
  let cron: Cron;
  try {
    cron = new Cron(String(entry.cron), { paused: true });
  } catch (error) {
    return fail(`bad cron expression ${JSON.stringify(entry.cron)}: ${(error as Error).message}`);
  }
  return {
    name,
    entry,
    next: (after) => cron.nextRun(new Date(after))?.getTime() ?? Number.POSITIVE_INFINITY,
  };
}

/**
 * The schedule to run: `base` (the app modules' own entries) plus the file at `path`
 * (`BEAT_SCHEDULE`), a `.json` file or a `.js`/`.mjs` module whose default export is the
 * schedule. Entries in the file replace base ones of the same name.
 */
export async function loadSchedule(path?: string, base: Schedule = {}): Promise<Schedule> {
  if (!path) return { ...base };
  const file = resolve(path);
  let loaded: unknown;
  try {
    loaded = [".js", ".mjs"].includes(extname(file))
      ? ((await import(pathToFileURL(file).href)) as { default: unknown }).default
      : JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ScheduleError("(file)", `cannot load ${file}: ${(error as Error).message}`);
  }
  return { ...base, ...(loaded as Schedule) };
}
