import seedrandom from 'seedrandom';

/**
 * Seeded random source. Every random choice of the library (masks, initial weights, data
 * shuffles, tie breaks) draws from one of these, so the same spec and seed reproduce the same
 * model on every backend. Streams are derived by name, so adding a draw in one place does
 * not shift the numbers drawn elsewhere.
 */
export class Random {
  private readonly next: () => number;

  constructor(readonly seed: string) {
    this.next = seedrandom.alea(seed);
  }

  /** A new independent stream for the named purpose, e.g. `rng.derive('layers.2.mask')`. */
  derive(name: string): Random {
    return new Random(`${this.seed}/${name}`);
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Uniform float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fair coin: +1 or -1. */
  sign(): 1 | -1 {
    return this.next() < 0.5 ? -1 : 1;
  }

  /** Shuffles `values` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
    return values;
  }

  /** The permutation 0..n-1 in random order. */
  permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return this.shuffle(order);
  }
}
