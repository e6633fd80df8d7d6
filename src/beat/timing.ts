import { Cron } from "croner";

/** When an entry fires: a label for `beat --list` and the next fire time. */
export interface Timing {
  /** As `beat --list` prints it: `every 10s`, `every 500ms`, `cron 0 3 * * 1`. */
  readonly when: string;
  /** The first fire time strictly after `after` (ms since the epoch); `Infinity` when it never fires again. */
  next(after: number): number;
}

/** The shortest interval beat accepts. */
export const MIN_INTERVAL_MS = 100;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration as schedule files write it.
 *
 * @returns milliseconds, or `null` when `text` is not a duration
 * @example
 * parseDuration("10s"); // 10000
 * parseDuration("10");  // null (a bare number is not a duration string)
 */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!]! : null;
}

/** How an interval reads in `beat --list`: whole seconds as `5s`, anything else in ms. */
export function formatInterval(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Fires at multiples of `ms` since the epoch, so a new leader keeps the old one's cadence
 * and two nodes agree on every slot. `ms` must be at least {@link MIN_INTERVAL_MS}.
 */
export function intervalTiming(ms: number, when = `every ${formatInterval(ms)}`): Timing {
  return { when, next: (after) => (Math.floor(after / ms) + 1) * ms };
}

/**
 * Follows a cron expression (croner's syntax: 5 fields, or 6 with seconds first).
 *
 * @throws Error with croner's explanation when the expression does not parse
 */
export function cronTiming(expression: string): Timing {
  const cron = new Cron(expression, { paused: true });
  return {
    when: `cron ${expression}`,
    next: (after) => cron.nextRun(new Date(after))?.getTime() ?? Number.POSITIVE_INFINITY,
  };
}

const SCHEDULE_HINT = 'seconds as a number (5), a duration ("500ms", "5s", "10m", "1h") or a cron expression ("0 3 * * 1")';

/**
 * Reads beatserver's `schedule`: seconds as a number (its `timedelta`, written in JSON), a
 * duration string, or a cron string.
 *
 * @returns the timing, or a problem for the schedule error
 * @example
 * beatserverTiming(5);            // every 5s
 * beatserverTiming("0 3 * * 1");  // 03:00 on Mondays
 */
export function beatserverTiming(schedule: unknown): Timing | string {
  if (typeof schedule === "number") {
    if (!Number.isFinite(schedule)) return `\`schedule\` must be ${SCHEDULE_HINT} (got ${schedule})`;
    const ms = Math.round(schedule * 1000);
    if (ms < MIN_INTERVAL_MS) return `\`schedule\` must be at least ${MIN_INTERVAL_MS / 1000} seconds (got ${schedule})`;
    return intervalTiming(ms);
  }
  if (typeof schedule !== "string" || schedule.trim() === "") {
    return `\`schedule\` must be ${SCHEDULE_HINT} (got ${JSON.stringify(schedule) ?? String(schedule)})`;
  }
  const text = schedule.trim();
  const ms = parseDuration(text);
  if (ms !== null) {
    if (ms < MIN_INTERVAL_MS) return `\`schedule\` must be at least ${MIN_INTERVAL_MS}ms (got ${JSON.stringify(schedule)})`;
    return intervalTiming(ms, `every ${text}`);
  }
  if (/^\d+(\.\d+)?$/.test(text)) {
    return `\`schedule\` ${JSON.stringify(schedule)} is a string: write seconds as a number (${text}) or a duration ("${text}s")`;
  }
  if (/^\d+(\.\d+)?\s*[A-Za-z]+$/.test(text)) {
    return `\`schedule\` ${JSON.stringify(schedule)} is not a duration: use whole ms, s, m or h ("500ms", "5s", "10m", "1h")`;
  }
  try {
    return cronTiming(text);
  } catch (error) {
    return `\`schedule\` ${JSON.stringify(schedule)} is neither a duration nor a cron expression (${(error as Error).message}); write ${SCHEDULE_HINT}`;
  }
}
