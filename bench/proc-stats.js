// Reads a process's CPU time and resident memory from /proc (Linux).
import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime and stime of `pid` in microseconds (fields 14 and 15 of /proc/<pid>/stat). */
function times(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return { user: (Number(fields[11]) * 1e6) / ticksPerSecond, system: (Number(fields[12]) * 1e6) / ticksPerSecond };
}

/** utime + stime of `pid` in microseconds. */
export function cpuMicros(pid) {
  const { user, system } = times(pid);
  return user + system;
}

/** stime of `pid` in microseconds: the kernel's share, mostly socket writes. */
export function systemMicros(pid) {
  return times(pid).system;
}

/** Resident set size of `pid` in KiB (VmRSS). */
export function rssKiB(pid) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0);
}

/** Open file descriptors of `pid` (entries of /proc/<pid>/fd). */
export function fdCount(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** `{ soft, hard }` open-file limit of `pid` ("Max open files" in /proc/<pid>/limits). */
export function openFileLimit(pid = "self") {
  const line = readFileSync(`/proc/${pid}/limits`, "utf8").split("\n").find((l) => l.startsWith("Max open files"));
  const [soft, hard] = (line?.match(/(\d+|unlimited)\s+(\d+|unlimited)/)?.slice(1) ?? []).map((v) => (v === "unlimited" ? Infinity : Number(v)));
  return { soft, hard };
}

/**
 * Microseconds `pid`'s main thread spent runnable but waiting for a CPU (second field of
 * /proc/<pid>/schedstat): time taken from it by other processes on its core.
 */
export function runQueueWaitMicros(pid) {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[1]) / 1000;
}
