import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./redis.js";

/** Where Debian's PostgreSQL server binaries are, if installed (`apt-get install -y postgresql`). */
export function findPostgres(suite: string): { available: boolean; bin: string } {
  const root = "/usr/lib/postgresql";
  const version = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin/initdb"))).sort().pop() : undefined;
  if (version) return { available: true, bin: join(root, version, "bin") };
  const line = `${suite} needs a PostgreSQL server (apt-get install -y postgresql)`;
  if (process.env.REQUIRE_ALL_SUITES === "1") throw new Error(`REQUIRE_ALL_SUITES=1: ${line}`);
  process.stderr.write(`skipped: ${line}\n`);
  return { available: false, bin: "" };
}

/** A throwaway PostgreSQL cluster on a free loopback port, in a temp dir. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL from `bin` as a non-root user (the `postgres` account Debian creates;
 * the server refuses to run as root), trust auth on 127.0.0.1 only, fsync off.
 */
export async function startPostgres(bin: string): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), "sb-pg-"));
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]): void => {
    const argv = asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]] as const : [join(bin, cmd), args] as const;
    const r = spawnSync(argv[0], [...argv[1]], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  run("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-w", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
      await client.end();
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
