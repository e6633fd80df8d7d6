import { readFileSync, readdirSync, readlinkSync } from "node:fs";

/** The child process ids of `pid` (Linux: /proc/<pid>/task/<pid>/children). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Socket inodes of established TCP connections whose local port is `port` (IPv4 and IPv6). */
function establishedInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const localPort = parseInt(fields[1]!.split(":")[1]!, 16);
      // state 01 = ESTABLISHED
      if (localPort === port && fields[3] === "01") inodes.add(fields[9]!);
    }
  }
  return inodes;
}

/**
 * How many established connections to `port` process `pid` holds: which worker of a
 * `serve --processes N` took which sockets, read from the kernel, not from the server.
 */
export function connectionsHeld(pid: number, port: number): number {
  const inodes = establishedInodes(port);
  let held = 0;
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return 0;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) held += 1;
    } catch {
      // closed meanwhile
    }
  }
  return held;
}
