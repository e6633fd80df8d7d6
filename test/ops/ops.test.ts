import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../src/core/index.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
const METRICS_TOKEN = "ops-test-metrics-token-0123456789";
const scrape = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };
beforeAll(async () => {
  server = await startTestServer({ METRICS_TOKEN });
});
afterAll(async () => {
  await server.close();
});

describe("health, readiness, metrics, headers", () => {
  it("answers /healthz and /readyz", async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok", layer: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { database: "ok", layer: "ok" } });
  });

  it("reports /readyz 503 when the database is gone", async () => {
    const broken = await startTestServer();
    await broken.app.db.destroy();
    const res = await fetch(`${broken.url}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { checks: { database: string } }).checks.database).toMatch(/^failed/);
    await broken.app.fastify.close();
  });

  it("exposes Prometheus metrics: open sockets by route, handshake rejections, frames", async () => {
    const c = new WebsocketCommunicator(server.wsUrl, "/ws/chat/metrics/");
    await c.connect();
    c.sendJson({ message: "count me" });
    await c.receiveJson();
    const refused = new WebsocketCommunicator(server.wsUrl, "/ws/nowhere/");
    await refused.connect();
    const text = await (await fetch(`${server.url}/metrics`, scrape)).text();
    expect(text).toMatch(/switchboard_open_sockets\{route="\/ws\/chat\/:roomName\/"\} 1/);
    expect(text).toMatch(/switchboard_handshake_rejections_total\{status="404"\} [1-9]/);
    expect(text).toMatch(/switchboard_frames_in_total [1-9]/);
    expect(text).toContain("switchboard_layer_send_seconds_bucket");
    await c.disconnect();
  });

  it("sends security headers: CSP without inline script, no framing", async () => {
    const res = await fetch(`${server.url}/chat/`);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
