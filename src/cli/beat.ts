import { moduleSchedules } from "../app.js";
import { Beat, leaderElection, loadSchedule, planSchedule } from "../beat/index.js";
import { loadConfig } from "../config.js";
import { createLogger } from "../core/index.js";
import { createLayer } from "../runtime/layer.js";
import type { Command } from "./command.js";
import { untilSignal } from "./signals.js";

/** `switchboard beat [--list]`: the scheduler alone, or its schedule with next fire times. */
export const beat: Command = {
  summary: "run the beat scheduler alone (--list: print the schedule)",
  usage: `usage: switchboard beat [--list]

Sends each scheduled message into the channel layer when it is due: the app modules'
entries (the clock's server.time tick to group "clock" every second) plus the entries of the
file named by BEAT_SCHEDULE (JSON, or a .js/.mjs module whose default export is the
schedule). Two shapes, key by key:

  beatserver's: a channel → a list of entries; each sends itself without "schedule"
  (seconds, a duration like "5s", or a cron string) to the channel; named "<channel>#0", …
    { "testing-print": [{ "type": "test.print", "message": {"testing": "one"}, "schedule": 5 }] }

  named entries: {channel | group, type, payload, every | cron}; each sends
  {type, name, ts, payload}
    { "report": { "group": "ops", "type": "report.due", "cron": "*/5 * * * *", "payload": {} } }

With REDIS_URL set, nodes elect one leader through a Redis lock, so each tick fires once per
cluster. --list prints every entry with its target, timing, next fire time and the message
that tick sends, and exits.`,
  options: { list: { type: "boolean" } },
  async run(values) {
    const config = loadConfig();
    const entries = planSchedule(moduleSchedules(), await loadSchedule(config.beatSchedule ?? undefined));
    if (values.list) {
      const now = Date.now();
      for (const e of entries) {
        const next = e.next(now);
        const when = Number.isFinite(next) ? new Date(next).toISOString() : "never";
        console.log(`${e.name}: ${e.type} → ${e.target.kind} ${e.target.name}, ${e.when}; next ${when}; sends ${JSON.stringify(e.message(Number.isFinite(next) ? next : now))}`);
      }
      return 0;
    }
    const logger = createLogger(config.logLevel);
    const layer = createLayer(config, logger);
    const scheduler = new Beat({ entries, layer, election: leaderElection(config, logger), logger });
    await scheduler.start();
    logger.info({ entries: entries.map((e) => e.name) }, "beat started");
    return untilSignal(async () => {
      await scheduler.stop();
      await layer.close();
    });
  },
};
