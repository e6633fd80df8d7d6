import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ChannelLayer, SocketServer } from "../core/index.js";

/**
 * Prometheus metrics (`GET /metrics`): the socket server's counters read at scrape time (no
 * work on the message path), plus process defaults and a layer send-latency histogram
 * observed by a sampled probe.
 */
export function createMetrics(
  sockets: SocketServer,
  layer: ChannelLayer,
  login: { readonly failures: number; readonly throttled: number } = { failures: 0, throttled: 0 },
): { registry: Registry; close(): void } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "switchboard_process_" });
  const stats = sockets.stats;
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  new Gauge({
    name: "switchboard_open_sockets",
    help: "Open WebSocket connections, by route.",
    labelNames: ["route"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [route, n] of sockets.openByRoute()) this.set({ route }, n);
    },
  });
  counter("switchboard_login_failures_total", "Failed sign-ins (wrong password or unknown user), on every sign-in path.", () => login.failures);
  counter("switchboard_login_throttled_total", "Sign-ins refused with 429 by the throttle, before the password was checked.", () => login.throttled);
  counter("switchboard_frames_in_total", "Frames received from clients.", () => stats.framesIn);
  counter("switchboard_frames_out_total", "Frames sent to clients.", () => stats.framesOut);
  counter("switchboard_rate_limited_frames_total", "Frames dropped by the per-connection rate limit.", () => stats.rateLimited);
  counter("switchboard_slow_consumers_dropped_total", "Sockets closed with 1013 because they did not read.", () => stats.slowConsumersDropped);
  counter("switchboard_dead_peers_dropped_total", "Sockets dropped for not answering pings.", () => stats.deadPeersDropped);
  counter("switchboard_handshakes_overloaded_total", "Socket handshakes refused with 503 and Retry-After: WS_MAX_PENDING_HANDSHAKES were in flight.", () => stats.overloaded);
  new Gauge({
    name: "switchboard_pending_handshakes",
    help: "Socket handshakes in flight (upgrade received, not yet accepted or refused).",
    registers: [registry],
    collect() {
      this.set(sockets.pendingHandshakes);
    },
  });
  counter("switchboard_layer_group_send_dropped_total", "Group-send deliveries skipped because a channel was full.", () => layer.stats.groupSendDropped);
  counter(
    "switchboard_layer_group_send_failed_total",
    "Group sends that reached only this process's sockets because Redis failed them (during an outage or failover).",
    () => layer.stats.groupSendFailed ?? 0,
  );
  new Counter({
    name: "switchboard_handshake_rejections_total",
    help: "Socket handshakes refused, by HTTP status.",
    labelNames: ["status"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [status, n] of Object.entries(stats.rejected)) this.inc({ status }, n);
    },
  });
  const latency = new Histogram({
    name: "switchboard_layer_send_seconds",
    help: "Round trip of a probe message through the channel layer (send, then receive).",
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [registry],
  });
  // Measure the layer every 5 s with a probe rather than timing every message on the hot path.
  let channel: Promise<string> | null = null;
  const probe = setInterval(async () => {
    try {
      channel ??= layer.newChannel("metrics");
      const name = await channel;
      const end = latency.startTimer();
      await layer.send(name, { type: "metrics.probe" });
      await layer.receive(name, { signal: AbortSignal.timeout(2000) });
      end();
    } catch {
      // an unreachable layer shows in /readyz
    }
  }, 5000);
  probe.unref();
  return { registry, close: () => clearInterval(probe) };
}
