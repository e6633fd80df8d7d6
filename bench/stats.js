// Small statistics for the load generators: percentiles of latency samples.

/** The `p` quantile (0–1) of an ascending array; null when empty. */
export function percentile(sorted, p) {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Latency samples in a growable Float64Array (millions of them, without boxing). */
export class Samples {
  #values = new Float64Array(1024);
  #count = 0;

  add(value) {
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count++] = value;
  }

  get count() {
    return this.#count;
  }

  /** `{ samples, p50, p99, max }` in the samples' unit. */
  summary() {
    const sorted = this.#values.slice(0, this.#count).sort();
    return { samples: this.#count, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.length ? sorted[sorted.length - 1] : null };
  }
}
