import { countAtOrBelow, runSpread } from '../src/metrics/spread';

describe('runSpread', () => {
  it('summarises an odd number of runs', () => {
    const s = runSpread([0.0131, 0.0119, 0.0124]);
    expect(s.count).toBe(3);
    expect(s.min).toBe(0.0119);
    expect(s.median).toBe(0.0124);
    expect(s.max).toBe(0.0131);
    expect(s.mean).toBeCloseTo((0.0131 + 0.0119 + 0.0124) / 3, 12);
    expect(s.sorted).toEqual([0.0119, 0.0124, 0.0131]);
  });

  it('takes the mean of the middle pair for an even count and the sample standard deviation', () => {
    const s = runSpread([4, 1, 3, 2]);
    expect(s.median).toBe(2.5);
    // sample variance of 1..4 is 5/3
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  it("gives zero spread for one run and does not reorder the caller's array", () => {
    const values = [0.5];
    const s = runSpread(values);
    expect(s.std).toBe(0);
    expect(s.min).toBe(s.max);
    const unsorted = [3, 1, 2];
    runSpread(unsorted);
    expect(unsorted).toEqual([3, 1, 2]);
  });

  it('rejects empty lists and non-finite values with a clear message', () => {
    expect(() => runSpread([])).toThrow(/at least one value/);
    expect(() => runSpread([1, NaN])).toThrow(/value 1 is NaN/);
  });

  it('counts the runs that reach a threshold', () => {
    const s = runSpread([0.0118, 0.012, 0.0121, 0.0133]);
    expect(countAtOrBelow(s, 0.012)).toBe(2);
    expect(countAtOrBelow(s, 0.01)).toBe(0);
  });
});
