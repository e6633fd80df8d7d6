import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");

// No Docker engine runs here: the files are checked by a linter and by reading them.
describe("Dockerfile and docker-compose.yml", () => {
  it("passes dockerfile-utils lint (no error, no warning)", async () => {
    const bin = join(root, "node_modules/dockerfile-utils/bin/dockerfile-utils");
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, "lint", join(root, "Dockerfile")]);
    expect(stdout + stderr).toBe("");
  });

  it("is multi-stage, production-only, non-root, and health-checked on /healthz", () => {
    const stages = dockerfile.match(/^FROM .+$/gm) ?? [];
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/ AS build$/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    const final = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    expect(final).toMatch(/^USER switchboard$/m);
    expect(final).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(final).not.toMatch(/COPY (src|\.) \.\//); // only the build's output and the pages
  });

  it("compose runs nginx → two nodes → Redis + PostgreSQL, nodes after the migration", () => {
    const compose = readFileSync(join(root, "docker-compose.yml"), "utf8");
    for (const service of ["redis", "postgres", "migrate", "node1", "node2", "nginx"]) expect(compose).toMatch(new RegExp(`^  ${service}:$`, "m"));
    expect(compose.match(/service_completed_successfully/g)).toHaveLength(2);
    expect(compose).toContain("./deploy/nginx-compose.conf:/etc/nginx/conf.d/default.conf:ro");
    const site = readFileSync(join(root, "deploy/nginx-compose.conf"), "utf8");
    expect(site).toMatch(/server node1:8000;\s+server node2:8000;/);
  });
});
