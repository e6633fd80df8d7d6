import type { WebSocket } from "ws";

/**
 * Pings every open socket once per interval, spread over it: the interval is cut into
 * ticks of at most 100 ms, and each tick checks its share of the sockets. A socket that
 * answered no ping since its last check is terminated (`onDead` first); the others are
 * pinged again. So a silent peer goes within two intervals, as with one sweep per
 * interval, but the work never comes all at once: one sweep of 18,000 sockets writes
 * 18,000 pings in one turn, some 300 ms in which nothing else is answered.
 *
 * Each round visits the sockets open when it starts, and the last tick of a round also
 * those that opened during it; a round lasts one interval whatever the count.
 *
 * @example
 * const pinger = new Pinger(openSockets, alive, 30_000, () => stats.deadPeersDropped++);
 * ws.on("pong", () => alive.add(ws)); // alive.add(ws) on open, too
 * pinger.stop();
 */
export class Pinger {
  readonly #open: ReadonlyMap<WebSocket, unknown>;
  readonly #alive: WeakSet<WebSocket>;
  readonly #onDead: () => void;
  readonly #ticksPerRound: number;
  readonly #timer: NodeJS.Timeout;
  #round: Iterator<WebSocket> | null = null;
  #perTick = 0;
  #ticksLeft = 0;

  constructor(open: ReadonlyMap<WebSocket, unknown>, alive: WeakSet<WebSocket>, intervalMs: number, onDead: () => void) {
    if (!(intervalMs > 0)) throw new TypeError("the ping interval must be positive");
    this.#open = open;
    this.#alive = alive;
    this.#onDead = onDead;
    const tickMs = Math.min(100, intervalMs);
    this.#ticksPerRound = Math.max(1, Math.round(intervalMs / tickMs));
    this.#timer = setInterval(() => this.#tick(), tickMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #tick(): void {
    if (this.#ticksLeft === 0) {
      this.#round = this.#open.keys();
      this.#perTick = Math.ceil(this.#open.size / this.#ticksPerRound);
      this.#ticksLeft = this.#ticksPerRound;
    }
    this.#ticksLeft--;
    const round = this.#round;
    if (!round) return;
    // The round's last tick takes the rest, newcomers included.
    let budget = this.#ticksLeft === 0 ? Infinity : this.#perTick;
    while (budget-- > 0) {
      const next = round.next();
      if (next.done) {
        this.#round = null;
        return;
      }
      this.#check(next.value);
    }
  }

  #check(ws: WebSocket): void {
    if (!this.#alive.has(ws)) {
      this.#onDead();
      ws.terminate();
      return;
    }
    this.#alive.delete(ws);
    ws.ping();
  }
}
