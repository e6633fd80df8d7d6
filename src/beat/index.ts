import type { Config } from "../config.js";
import type { ChannelLayer, Logger } from "../core/index.js";
import { sharedRedis, type RedisConfig } from "../runtime/layer.js";
import { Beat } from "./beat.js";
import { SoleLeader, type LeaderElection } from "./leader.js";
import { RedisLeaderElection } from "./leader-redis.js";
import { loadSchedule, planSchedule, type Schedule } from "./schedule.js";

export { Beat, type BeatStatus } from "./beat.js";
export { SoleLeader, type LeaderElection } from "./leader.js";
export { RedisLeaderElection } from "./leader-redis.js";
export {
  ScheduleError,
  loadSchedule,
  planSchedule,
  type BeatserverEntry,
  type PlannedEntry,
  type Schedule,
  type ScheduleEntry,
} from "./schedule.js";
export { beatserverTiming, parseDuration, type Timing } from "./timing.js";

/** The leader election the configuration asks for: a Redis lock across nodes, or this process alone. */
export function leaderElection(config: RedisConfig, logger: Logger): LeaderElection {
  const target = sharedRedis(config);
  return target ? new RedisLeaderElection({ target, logger }) : new SoleLeader();
}

/**
 * Loads and validates the schedule (`base`: the modules' entries, then `BEAT_SCHEDULE`,
 * whose entries replace base ones of the same name) and starts a beat on `layer`: it fires
 * once per cluster (the leader's).
 */
export async function startBeat(config: Config, layer: ChannelLayer, logger: Logger, base: Schedule = {}): Promise<Beat> {
  const entries = planSchedule(base, await loadSchedule(config.beatSchedule ?? undefined));
  const beat = new Beat({ entries, layer, election: leaderElection(config, logger), logger });
  await beat.start();
  return beat;
}
