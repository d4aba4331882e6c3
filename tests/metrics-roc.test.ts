import { auc, rocCurve } from '../src/metrics';

describe('rocCurve and auc', () => {
  test('a known case: 4 items, AUC 0.75', () => {
    const curve = rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    expect(curve.fpr).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(curve.tpr).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(curve.thresholds).toEqual([Infinity, 0.8, 0.4, 0.35, 0.1]);
    expect(auc(curve)).toBeCloseTo(0.75);
    expect(auc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75);
  });

  test('equals the share of (anomaly, normal) pairs ranked right, ties counting half', () => {
    const scores = [1, 2, 2, 3, 3, 3, 5, 0, 2];
    const flags = [0, 1, 0, 1, 0, 1, 1, 0, 0];
    let wins = 0;
    let pairs = 0;
    scores.forEach((sa, a) => {
      if (!flags[a]) return;
      scores.forEach((sb, b) => {
        if (flags[b]) return;
        pairs++;
        wins += sa > sb ? 1 : sa === sb ? 0.5 : 0;
      });
    });
    expect(auc(scores, flags)).toBeCloseTo(wins / pairs, 10);
  });

  test('perfect and inverted scores; bad input', () => {
    expect(auc([0.9, 0.8, 0.1], [1, 1, 0])).toBe(1);
    expect(auc([0.1, 0.2, 0.9], [1, 1, 0])).toBe(0);
    expect(() => rocCurve([1, 2], [1, 1])).toThrow(/both anomalies and normal/);
    expect(() => rocCurve([1, 2], [1])).toThrow(/one flag per score/);
    expect(() => rocCurve([NaN, 2], [1, 0])).toThrow(/not a number/);
  });
});
