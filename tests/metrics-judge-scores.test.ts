/** Inception-Score-like numbers of hand-made probability tables (no network involved). */
import { probabilityScores } from '../src/metrics';

const oneHot = (k: number, classes: number): number[] => Array.from({ length: classes }, (_, j) => (j === k ? 1 : 0));

describe('probabilityScores: known answers', () => {
  test('confident predictions spread evenly over K classes: IS = K, confidence 1, entropy 0', () => {
    for (const K of [2, 10]) {
      // each class predicted for 3 images, with certainty
      const rows = Array.from({ length: 3 * K }, (_, i) => oneHot(i % K, K));
      const s = probabilityScores(rows);
      expect(s.inceptionScore).toBeCloseTo(K, 12);
      expect(s.confidence).toBe(1);
      expect(s.entropy).toBe(0);
      expect(s.marginalEntropy).toBeCloseTo(Math.log(K), 12);
      expect(Array.from(s.classHistogram)).toEqual(new Array<number>(K).fill(3));
      expect(s.count).toBe(3 * K);
      expect(s.numClasses).toBe(K);
    }
  });

  test('the same prediction for every image: IS = 1, entropy of that prediction', () => {
    const p = [0.5, 0.3, 0.2];
    const s = probabilityScores({ values: [...p, ...p, ...p, ...p], dims: 3 });
    expect(s.inceptionScore).toBeCloseTo(1, 12);
    expect(s.confidence).toBeCloseTo(0.5, 12);
    const h = -(0.5 * Math.log(0.5) + 0.3 * Math.log(0.3) + 0.2 * Math.log(0.2));
    expect(s.entropy).toBeCloseTo(h, 12);
    expect(s.marginalEntropy).toBeCloseTo(h, 12);
    expect(Array.from(s.classHistogram)).toEqual([4, 0, 0]);
  });

  test('mode collapse: every image confidently the same digit gives IS = 1 and one full histogram bin', () => {
    const s = probabilityScores(Array.from({ length: 7 }, () => oneHot(3, 10)));
    expect(s.inceptionScore).toBeCloseTo(1, 12);
    expect(s.confidence).toBe(1);
    expect(Array.from(s.classHistogram)).toEqual([0, 0, 0, 7, 0, 0, 0, 0, 0, 0]);
  });

  test('uniform predictions (no idea): confidence 1/K, entropy ln K, IS = 1', () => {
    const s = probabilityScores(Array.from({ length: 5 }, () => new Array<number>(4).fill(0.25)));
    expect(s.confidence).toBeCloseTo(0.25, 12);
    expect(s.entropy).toBeCloseTo(Math.log(4), 12);
    expect(s.inceptionScore).toBeCloseTo(1, 12);
  });

  test('a mixed table worked by hand', () => {
    // rows [1, 0] and [0.5, 0.5]: marginal [0.75, 0.25]
    // KL(row 1) = ln(1 / 0.75); KL(row 2) = 0.5 ln(0.5 / 0.75) + 0.5 ln(0.5 / 0.25)
    const kl1 = Math.log(4 / 3);
    const kl2 = 0.5 * Math.log(2 / 3) + 0.5 * Math.log(2);
    const s = probabilityScores([
      [1, 0],
      [0.5, 0.5],
    ]);
    expect(s.inceptionScore).toBeCloseTo(Math.exp((kl1 + kl2) / 2), 12);
    expect(s.confidence).toBeCloseTo(0.75, 12);
    expect(s.entropy).toBeCloseTo(Math.log(2) / 2, 12);
    expect(Array.from(s.marginal)).toEqual([0.75, 0.25]);
    // the tie [0.5, 0.5] goes to the lower class
    expect(Array.from(s.classHistogram)).toEqual([2, 0]);
  });

  test('float32 softmax rows a little off 1 are accepted and renormalised', () => {
    const s = probabilityScores({ values: Float32Array.from([0.7001, 0.3, 0.1, 0.9002]), dims: 2 });
    expect(s.confidence).toBeCloseTo((0.7001 / 1.0001 + 0.9002 / 1.0002) / 2, 6);
  });
});

describe('probabilityScores: bad input', () => {
  test.each<[string, () => unknown, RegExp]>([
    ['logits instead of probabilities', () => probabilityScores([[2.5, 1, 0.3]]), /row 0 sums to 3.8.*expected 1 \(softmax outputs, not logits\)/],
    ['negative value', () => probabilityScores([[1.2, -0.2]]), /row 0, class 1 is -0.2; expected a finite number >= 0/],
    [
      'NaN',
      () =>
        probabilityScores([
          [0.5, 0.5],
          [NaN, 1],
        ]),
      /row 1, class 0 is NaN/,
    ],
    ['one column', () => probabilityScores([[1], [1]]), /1 column; expected one column per class/],
    ['no rows', () => probabilityScores([]), /no rows/],
    ['ragged', () => probabilityScores([[0.5, 0.5], [1]]), /\[1\] has 1 values, expected 2/],
  ])('%s', (_label, call, message) => {
    expect(call).toThrow(message);
  });
});
