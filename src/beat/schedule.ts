import { readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SwitchboardError, assertChannelName, assertGroupName, defineErrors, type LayerMessage } from "../core/index.js";
import { MIN_INTERVAL_MS, beatserverTiming, cronTiming, intervalTiming, parseDuration, type Timing } from "./timing.js";

/**
 * A named entry (this project's own shape), under its name in a schedule.
 *
 * @example
 * { "report": { "group": "ops", "type": "report.due", "cron": "*\/5 * * * *", "payload": {} } }
 */
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

/**
 * An entry in beatserver's shape, in the list under its channel. Every key but `schedule`
 * is the message sent to the channel, as it is: the tutorial's consumer reads
 * `message["message"]`.
 *
 * @example
 * { "testing-print": [{ "type": "test.print", "message": { "testing": "one" }, "schedule": 5 }] }
 */
export interface BeatserverEntry {
  /** The message type; the worker's handler is named after it (`test.print` → `testPrint`). */
  readonly type: string;
  /** Seconds as a number (at least 0.1), a duration (`"5s"`) or a cron expression (`"0 3 * * 1"`). */
  readonly schedule: number | string;
  /** Anything else JSON can carry, sent with `type` (the tutorial's `message`). */
  readonly [key: string]: unknown;
}

/**
 * A schedule, in either shape (or both, key by key): entry names → named entries, and
 * channel names → lists of beatserver entries (named `<channel>#0`, `<channel>#1`, … in
 * logs, `beat --list` and errors).
 */
export type Schedule = Record<string, ScheduleEntry | readonly BeatserverEntry[]>;

/** A validated entry: where it sends, what, and when. */
export interface PlannedEntry extends Timing {
  /** The entry's name: its key, or `<channel>#<index>` for a beatserver entry. */
  readonly name: string;
  /** Which shape it was written in. */
  readonly shape: "named" | "beatserver";
  /** Where each tick goes. */
  readonly target: { readonly kind: "channel" | "group"; readonly name: string };
  /** The message type. */
  readonly type: string;
  /**
   * The message of the tick scheduled at `ts`: `{type, name, ts, payload}` for a named
   * entry; for a beatserver entry, the entry without `schedule` (the same every tick).
   */
  message(ts: number): LayerMessage;
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

const TYPE_RULE = /^[A-Za-z][A-Za-z0-9]*([._][A-Za-z0-9]+)*$/;
const NAMED_KEYS = new Set(["channel", "group", "type", "payload", "every", "cron"]);
const SHAPES = 'a named entry {"channel" | "group", "type", "payload", "every" | "cron"}, or a list of beatserver entries [{"type", "schedule", …}] under a channel name';

/**
 * Validates and expands schedules; an entry of a later schedule replaces an earlier one of
 * the same name (the modules' entries first, then `BEAT_SCHEDULE`).
 *
 * @throws ScheduleError at the first bad entry, naming it and the problem
 * @example
 * planSchedule(moduleSchedules(), { "testing-print": [{ type: "test.print", message: { testing: "one" }, schedule: 5 }] });
 */
export function planSchedule(...schedules: Schedule[]): PlannedEntry[] {
  const merged = new Map<string, PlannedEntry>();
  for (const schedule of schedules) for (const entry of planOne(schedule)) merged.set(entry.name, entry);
  return [...merged.values()];
}

function planOne(schedule: Schedule): PlannedEntry[] {
  if (!isPlainObject(schedule)) throw new ScheduleError("(schedule)", `must be an object: names → ${SHAPES}`);
  const planned: PlannedEntry[] = [];
  const names = new Set<string>();
  for (const [key, value] of Object.entries(schedule)) {
    for (const entry of Array.isArray(value) ? planBeatserver(key, value as unknown[]) : [planNamed(key, value)]) {
      if (names.has(entry.name)) {
        throw new ScheduleError(entry.name, `is defined twice (a beatserver list under "x" names its entries "x#0", "x#1", …)`);
      }
      names.add(entry.name);
      planned.push(entry);
    }
  }
  return planned;
}

function planNamed(name: string, value: unknown): PlannedEntry {
  const fail = (problem: string): never => {
    throw new ScheduleError(name, problem);
  };
  if (!isPlainObject(value)) return fail(`must be ${SHAPES}`);
  const entry = value as Partial<ScheduleEntry> & Record<string, unknown>;
  if ("schedule" in entry) {
    fail(
      `\`schedule\` belongs to beatserver's shape: list the entries under their channel, ` +
        `{${JSON.stringify(name)}: [{"type": …, "schedule": 5}]}, or write \`every\` or \`cron\` here`,
    );
  }
  for (const key of Object.keys(entry)) {
    if (!NAMED_KEYS.has(key)) fail(`unknown key \`${key}\` (a named entry has channel or group, type, payload, every or cron)`);
  }
  if ((entry.channel === undefined) === (entry.group === undefined)) fail("needs exactly one of `channel` or `group`");
  try {
    if (entry.channel !== undefined) assertChannelName(entry.channel);
    if (entry.group !== undefined) assertGroupName(entry.group);
  } catch (error) {
    fail((error as Error).message);
  }
  const type = checkType(entry.type, fail);
  if (entry.payload !== undefined && !isPlainObject(entry.payload)) fail("`payload` must be an object");
  const payload = frozenJson(entry.payload ?? {}, "payload", fail);
  if ((entry.every === undefined) === (entry.cron === undefined)) fail("needs exactly one of `every` or `cron`");
  let timing: Timing;
  if (entry.every !== undefined) {
    const ms = typeof entry.every === "string" ? parseDuration(entry.every) : null;
    if (ms === null) fail(`\`every\` must be a duration like "500ms", "10s", "5m", "1h" (got ${JSON.stringify(entry.every)})`);
    if (ms! < MIN_INTERVAL_MS) fail(`\`every\` must be at least ${MIN_INTERVAL_MS}ms`);
    timing = intervalTiming(ms!, `every ${entry.every}`);
  } else {
    try {
      timing = cronTiming(String(entry.cron));
    } catch (error) {
      return fail(`bad cron expression ${JSON.stringify(entry.cron)}: ${(error as Error).message}`);
    }
  }
  const target = entry.group !== undefined ? { kind: "group" as const, name: entry.group } : { kind: "channel" as const, name: entry.channel! };
  return { name, shape: "named", target, type, when: timing.when, next: timing.next, message: (ts) => ({ type, name, ts, payload }) };
}

function planBeatserver(channel: string, list: unknown[]): PlannedEntry[] {
  try {
    assertChannelName(channel);
  } catch (error) {
    throw new ScheduleError(channel, `holds a list of beatserver entries, so it must be a channel name: ${(error as Error).message}`);
  }
  return list.map((value, index): PlannedEntry => {
    const name = `${channel}#${index}`;
    const fail = (problem: string): never => {
      throw new ScheduleError(name, problem);
    };
    if (!isPlainObject(value)) return fail('must be an object {"type": …, "schedule": …, and the message\'s other keys}');
    const { schedule, ...rest } = value as Record<string, unknown>;
    const type = checkType(rest.type, fail);
    if (schedule === undefined) {
      const named = "every" in rest || "cron" in rest ? ' (`every` and `cron` are for named entries: {"name": {"channel": …, "every": "5s"}})' : "";
      fail(`needs \`schedule\`: seconds as a number (5), a duration ("5s") or a cron expression ("0 3 * * 1")${named}`);
    }
    const timing = beatserverTiming(schedule);
    if (typeof timing === "string") return fail(timing);
    const message = frozenJson(rest, "", fail) as LayerMessage;
    return { name, shape: "beatserver", target: { kind: "channel", name: channel }, type, when: timing.when, next: timing.next, message: () => message };
  });
}

function checkType(type: unknown, fail: (problem: string) => never): string {
  if (typeof type !== "string" || type.length > 100 || !TYPE_RULE.test(type)) {
    fail(`\`type\` must be a message type such as \`server.time\` or \`test.print\` (got ${JSON.stringify(type) ?? "nothing"})`);
  }
  return type as string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A deep-frozen copy of `value`, refusing what JSON (and so the Redis layer) cannot carry:
 * functions, `undefined`, `NaN`, class instances such as a `Date` (from a `.js` schedule).
 * `path` names the value in the error (`payload.when`, `message.testing`).
 */
function frozenJson(value: unknown, path: string, fail: (problem: string) => never, depth = 0): unknown {
  const at = `\`${path}\``;
  if (depth > 32) return fail(`${at} is nested more than 32 levels deep`);
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : fail(`${at} is ${value}, which JSON cannot carry`);
  if (Array.isArray(value)) return Object.freeze(value.map((v, i) => frozenJson(v, `${path}[${i}]`, fail, depth + 1)));
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) copy[k] = frozenJson(v, path ? `${path}.${k}` : k, fail, depth + 1);
    return Object.freeze(copy);
  }
  const kind = value === undefined ? "undefined" : typeof value === "object" ? `a ${(value as object).constructor?.name ?? "non-plain object"}` : `a ${typeof value}`;
  return fail(`${path ? at : "the message"} is ${kind}, which JSON cannot carry`);
}

/**
 * Reads the file at `path` (`BEAT_SCHEDULE`): a `.json` file, or a `.js`/`.mjs` module whose
 * default export is the schedule. Nothing to read gives `{}`. Pass the result to
 * {@link planSchedule} after the modules' own entries, which its entries replace by name.
 *
 * @throws ScheduleError when the file cannot be read or parsed, or holds no object
 */
export async function loadSchedule(path?: string): Promise<Schedule> {
  if (!path) return {};
  const file = resolve(path);
  let loaded: unknown;
  try {
    loaded = [".js", ".mjs"].includes(extname(file))
      ? ((await import(pathToFileURL(file).href)) as { default: unknown }).default
      : JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ScheduleError("(file)", `cannot load ${file}: ${(error as Error).message}`);
  }
  if (!isPlainObject(loaded)) {
    throw new ScheduleError("(file)", `${file} must hold an object: names → ${SHAPES} (got ${Array.isArray(loaded) ? "a list" : JSON.stringify(loaded) ?? typeof loaded})`);
  }
  return loaded as Schedule;
}
