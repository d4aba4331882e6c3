/**
 * The one seeded random-number utility of the project.
 *
 * Everything random in vaelab (data order, subsets, noise, initial weights,
 * the reparameterisation trick's epsilon) draws from an `Rng`, so the same seed
 * on the same backend gives the same numbers. The generator is Alea from the
 * `seedrandom` package: fast, 32-bit state, good statistical quality.
 */
import seedrandom from 'seedrandom';

/** A seeded pseudo-random generator with the draws the curriculum needs. */
export class Rng {
  private readonly prng: seedrandom.PRNG;
  private spareNormal: number | null = null;

  /** @param seed any integer or string; the same seed gives the same stream. */
  constructor(readonly seed: number | string = 0) {
    this.prng = seedrandom.alea(String(seed));
  }

  /** Uniform float in [0, 1). */
  uniform(): number {
    return this.prng();
  }

  /** Uniform integer in [0, n). Throws a RangeError if n is not a positive integer. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) {
      throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    }
    return Math.floor(this.prng() * n);
  }

  /** Standard normal draw (Box-Muller, the second value is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u <= Number.EPSILON) u = this.prng();
    const v = this.prng();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fills a new Float32Array of length n with N(mean, std^2) draws. */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Fills a new Float32Array of length n with U[0, 1) draws. */
  uniformArray(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.prng();
    return out;
  }

  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** An integer seed for APIs that take one (tfjs initializers, tf.randomNormal). */
  nextSeed(): number {
    return Math.floor(this.prng() * 2147483647);
  }

  /**
   * An independent child generator, reproducible from this one's seed and `label`,
   * so that adding draws in one place does not shift the numbers of another.
   */
  fork(label: string): Rng {
    return new Rng(`${this.seed}/${label}`);
  }
}
