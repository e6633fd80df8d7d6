/**
 * Who fires the schedule. With several nodes exactly one is the leader at a time, so each
 * tick fires once per cluster, not once per node.
 */
export interface LeaderElection {
  /** True while this process holds the leadership. */
  readonly isLeader: boolean;
  start(): Promise<void>;
  /** Stops campaigning and gives the leadership up (another node takes over at once). */
  stop(): Promise<void>;
}

/** One process, one leader: the in-memory mode. */
export class SoleLeader implements LeaderElection {
  #leader = false;

  get isLeader(): boolean {
    return this.#leader;
  }

  async start(): Promise<void> {
    this.#leader = true;
  }

  async stop(): Promise<void> {
    this.#leader = false;
  }
}
