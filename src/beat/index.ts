import type { Config } from "../config.js";
import type { ChannelLayer, Logger } from "../core/index.js";
import { Beat } from "./beat.js";
import { SoleLeader, type LeaderElection } from "./leader.js";
import { RedisLeaderElection } from "./leader-redis.js";
import { loadSchedule, planSchedule } from "./schedule.js";

export { Beat } from "./beat.js";
export { SoleLeader, type LeaderElection } from "./leader.js";
export { RedisLeaderElection } from "./leader-redis.js";
export { BUILTIN_SCHEDULE, ScheduleError, loadSchedule, parseDuration, planSchedule, type Schedule, type ScheduleEntry } from "./schedule.js";

/** Loads and validates the configured schedule and starts a beat on `layer`. */
export async function startBeat(config: Config, layer: ChannelLayer, logger: Logger): Promise<Beat> {
  const entries = planSchedule(await loadSchedule(config.beatSchedule ?? undefined));
  const election: LeaderElection = config.redisUrl
    ? new RedisLeaderElection({ url: config.redisUrl.split(",")[0]!.trim(), logger })
    : new SoleLeader();
  const beat = new Beat({ entries, layer, election, logger });
  await beat.start();
  return beat;
}
