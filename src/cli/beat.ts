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
entries (the clock's server.time tick to group "clock" every second) plus the entries of the file named by
BEAT_SCHEDULE (JSON, or a .js/.mjs module whose default export is the schedule):

  { "report": { "group": "ops", "type": "report.due", "cron": "*/5 * * * *", "payload": {} },
    "ping":   { "channel": "testing-print", "type": "print", "every": "10s", "payload": {"text": "hi"} } }

With REDIS_URL set, nodes elect one leader through a Redis lock, so each tick fires once per
cluster. --list prints every entry with its next fire time and exits.`,
  options: { list: { type: "boolean" } },
  async run(values) {
    const config = loadConfig();
    const entries = planSchedule(await loadSchedule(config.beatSchedule ?? undefined, moduleSchedules()));
    if (values.list) {
      const now = Date.now();
      for (const e of entries) {
        const target = e.entry.group !== undefined ? `group ${e.entry.group}` : `channel ${e.entry.channel}`;
        const when = e.entry.every !== undefined ? `every ${e.entry.every}` : `cron ${e.entry.cron}`;
        console.log(`${e.name}: ${e.entry.type} → ${target}, ${when}; next ${new Date(e.next(now)).toISOString()}`);
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
