/**
 * The standard normal quantile (src/util/normal-distribution.ts) against published table values
 * (e.g. the 97.5% point 1.959963985 of every statistics table) and its own defining identities.
 */
import { erfc, normalCdf, normalQuantile } from '../src/util/normal-distribution';
import * as vl from '../src';

describe('normalQuantile', () => {
  test('known quantiles of N(0, 1)', () => {
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963985, 8);
    expect(Math.abs(normalQuantile(0.8413447) - 1)).toBeLessThan(1e-6); // Phi(1) = 0.8413447461
    expect(normalQuantile(0.75)).toBeCloseTo(0.6744897502, 9); // the quartile, "probable error"
    expect(normalQuantile(0.95)).toBeCloseTo(1.644853627, 8);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829304, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 8);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902, 7);
  });

  test('is exactly antisymmetric and increasing', () => {
    // for q in [0.5, 1) the difference 1 - q is exact, so both calls see the same tail probability
    for (const q of [1 - 2 ** -40, 0.999, 0.98, 0.9757, 0.9, 5 / 6, 0.7, 0.51]) expect(normalQuantile(q)).toBe(-normalQuantile(1 - q));
    const ps = Array.from({ length: 999 }, (_, i) => (i + 1) / 1000);
    const zs = ps.map(normalQuantile);
    for (let i = 1; i < zs.length; i++) expect(zs[i]).toBeGreaterThan(zs[i - 1]);
  });

  test('inverts the CDF over the whole range, both sides of the tail switch at p = 0.02425', () => {
    for (const p of [1e-300, 1e-20, 1e-5, 0.0242, 0.0243, 0.2, 0.5, 0.7, 0.9757, 0.99999]) {
      expect(Math.abs(normalCdf(normalQuantile(p)) - p)).toBeLessThan(1e-13 * Math.max(p, 1e-3));
    }
  });

  test('erfc matches known values (erfc(1) = 0.1572992070, erfc(2) = 0.004677734981, erfc(-1) = 2 - erfc(1))', () => {
    expect(erfc(0)).toBe(1);
    expect(erfc(1)).toBeCloseTo(0.157299207050285, 14);
    expect(erfc(2) / 0.004677734981047266).toBeCloseTo(1, 12);
    expect(erfc(5) / 1.5374597944280349e-12).toBeCloseTo(1, 12);
    expect(erfc(-1)).toBeCloseTo(2 - 0.157299207050285, 14);
  });

  test('says what was wrong for p outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, 1.5, NaN]) expect(() => normalQuantile(p)).toThrow(/strictly between 0 and 1.*got/);
  });

  test('is the library index export', () => {
    expect(vl.normalQuantile).toBe(normalQuantile);
  });
});
