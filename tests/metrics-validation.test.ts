/**
 * Tuning on a validation split: the split is disjoint, complete and seeded; the chooser only ever
 * hands the validation part to the scoring function (a spy records every image it sees) and
 * picks the best candidate the stated way.
 */
import { chooseOnValidation, chooseOnValidationAsync, splitValidation } from '../src/metrics';
import { Rng } from '../src/rng';
import type { ImageDataset } from '../src/types';

/** A dataset of `count` 2x2 images whose first pixel encodes the image's index (i / count). */
function indexed(count: number): ImageDataset {
  const images = new Float32Array(count * 4);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    images[i * 4] = i / count;
    images[i * 4 + 1] = 1;
    labels[i] = i % 10;
  }
  return { images, labels, count, rows: 2, cols: 2 };
}
const ids = (ds: ImageDataset, total: number): number[] => Array.from({ length: ds.count }, (_, k) => Math.round(ds.images[k * 4] * total));

describe('splitValidation', () => {
  const data = indexed(50);

  test('two disjoint parts that together hold every image once, in source order', () => {
    const s = splitValidation(data, { validationCount: 12, rng: new Rng(1) });
    expect(s.validation.count).toBe(12);
    expect(s.report.count).toBe(38);
    const v = ids(s.validation, 50);
    const r = ids(s.report, 50);
    expect(v).toEqual(Array.from(s.validationIndices));
    expect(r).toEqual(Array.from(s.reportIndices));
    expect(new Set([...v, ...r]).size).toBe(50);
    expect([...v, ...r].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(v).toEqual([...v].sort((a, b) => a - b));
    expect(r).toEqual([...r].sort((a, b) => a - b));
    // labels travel with their images
    s.report.labels.forEach((l, k) => expect(l).toBe(r[k] % 10));
  });

  test('same seed, same split; another seed, another split', () => {
    const a = splitValidation(data, { validationFraction: 0.2, rng: new Rng(7) });
    const b = splitValidation(data, { validationFraction: 0.2, rng: new Rng(7) });
    const c = splitValidation(data, { validationFraction: 0.2, rng: new Rng(8) });
    expect(Array.from(a.validationIndices)).toEqual(Array.from(b.validationIndices));
    expect(Array.from(a.validation.images)).toEqual(Array.from(b.validation.images));
    expect(Array.from(a.validationIndices)).not.toEqual(Array.from(c.validationIndices));
  });

  test('a fraction is rounded to a count, and both parts stay non-empty', () => {
    expect(splitValidation(data, { validationFraction: 0.2, rng: new Rng(0) }).validation.count).toBe(10);
    expect(splitValidation(data, { validationFraction: 0.123, rng: new Rng(0) }).validation.count).toBe(6); // 6.15
    expect(splitValidation(indexed(3), { validationFraction: 0.01, rng: new Rng(0) }).validation.count).toBe(1);
    expect(splitValidation(indexed(3), { validationFraction: 0.99, rng: new Rng(0) }).report.count).toBe(1);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['no size', () => splitValidation(data, { rng: new Rng(0) }), /exactly one of validationCount or validationFraction/],
    ['both sizes', () => splitValidation(data, { validationCount: 3, validationFraction: 0.1, rng: new Rng(0) }), /exactly one/],
    ['count too large', () => splitValidation(data, { validationCount: 50, rng: new Rng(0) }), /integer in \[1, 49\].*got 50/],
    ['fraction 1', () => splitValidation(data, { validationFraction: 1, rng: new Rng(0) }), /in \(0, 1\), got 1/],
    ['no rng', () => splitValidation(data, { validationCount: 5 } as never), /pass rng, an Rng/],
    ['one image', () => splitValidation(indexed(1), { validationCount: 1, rng: new Rng(0) }), /at least 2/],
    ['not a dataset', () => splitValidation([1, 2, 3] as never, { validationCount: 1, rng: new Rng(0) }), /must be an ImageDataset/],
  ])('bad input: %s', (_label, call, message) => {
    expect(call).toThrow(message);
  });
});

describe('chooseOnValidation', () => {
  const total = 40;
  const split = splitValidation(indexed(total), { validationCount: 10, rng: new Rng(3) });
  const reportIds = new Set(ids(split.report, total));

  test('the score sees the validation images only, once per candidate', () => {
    const seen: number[][] = [];
    const calls: number[] = [];
    const choice = chooseOnValidation(
      split,
      [0.3, 0.1, 0.7],
      (c, validation, index) => {
        seen.push(ids(validation, total));
        calls.push(index);
        return Math.abs(c - 0.15);
      },
      { goal: 'minimize' },
    );
    expect(calls).toEqual([0, 1, 2]);
    for (const s of seen) {
      expect(s).toEqual(Array.from(split.validationIndices));
      expect(s.some((i) => reportIds.has(i))).toBe(false);
    }
    expect(choice.chosen).toBe(0.1);
    expect(choice.chosenIndex).toBe(1);
    expect(choice.chosenScore).toBeCloseTo(0.05, 12);
    expect(choice.scores.map((s) => s.candidate)).toEqual([0.3, 0.1, 0.7]);
    expect(choice.scores.map((s) => +s.score.toFixed(12))).toEqual([0.15, 0.05, 0.55]);
    expect(choice.validationCount).toBe(10);
    // the report part comes back with the choice, to be measured afterwards
    expect(ids(choice.report, total)).toEqual(Array.from(split.reportIndices));
  });

  test('a score that depends on the images: the choice follows the validation images, not the report ones', () => {
    // candidates: the mean image index of each part; score: distance to the mean index of the images given
    const mean = (xs: number[]): number => xs.reduce((s, i) => s + i, 0) / xs.length;
    const validationMean = mean(ids(split.validation, total));
    const reportMean = mean(ids(split.report, total));
    expect(Math.abs(validationMean - reportMean)).toBeGreaterThan(0.5); // the two parts really differ
    const choice = chooseOnValidation(split, [reportMean, validationMean], (c, v) => Math.abs(c - mean(ids(v, total))), { goal: 'minimize' });
    expect(choice.chosen).toBe(validationMean);
    expect(choice.chosenScore).toBeCloseTo(0, 12);
    expect(choice.scores[0].score).toBeCloseTo(Math.abs(reportMean - validationMean), 12);
  });

  test('maximize picks the largest; ties go to the first candidate', () => {
    const scores = [0.5, 0.9, 0.9, 0.1];
    const choice = chooseOnValidation(split, ['a', 'b', 'c', 'd'], (_c, _v, i) => scores[i], { goal: 'maximize' });
    expect(choice.chosen).toBe('b');
    const low = chooseOnValidation(split, ['a', 'b', 'c'], () => 1, { goal: 'minimize' });
    expect(low.chosen).toBe('a');
  });

  test('async scores, scored one after another on the validation part', async () => {
    const order: string[] = [];
    const choice = await chooseOnValidationAsync(
      split,
      [{ beta: 1 }, { beta: 4 }],
      async (c, v) => {
        order.push(`start ${c.beta}`);
        await new Promise((r) => setTimeout(r, 5));
        expect(ids(v, total).some((i) => reportIds.has(i))).toBe(false);
        order.push(`end ${c.beta}`);
        return -c.beta;
      },
      { goal: 'minimize' },
    );
    expect(order).toEqual(['start 1', 'end 1', 'start 4', 'end 4']);
    expect(choice.chosen).toEqual({ beta: 4 });
  });

  test.each<[string, () => unknown, RegExp]>([
    ['no goal', () => chooseOnValidation(split, [1], () => 0, {} as never), /goal must be 'minimize' or 'maximize'/],
    ['no candidates', () => chooseOnValidation(split, [], () => 0, { goal: 'minimize' }), /non-empty array/],
    [
      'NaN score',
      () => chooseOnValidation(split, [{ f: 'box' }, { f: 'median' }], (_c, _v, i) => (i === 1 ? NaN : 1), { goal: 'minimize' }),
      /candidate 1 \(\{"f":"median"\}\) is NaN/,
    ],
    [
      'async score given to the sync chooser',
      () => chooseOnValidation(split, [1], (async () => 1) as never, { goal: 'minimize' }),
      /use chooseOnValidationAsync/,
    ],
    [
      'a dataset instead of a split',
      () => chooseOnValidation(indexed(4) as never, [1], () => 0, { goal: 'minimize' }),
      /split must be a ValidationSplit/,
    ],
  ])('bad input: %s', (_label, call, message) => {
    expect(call).toThrow(message);
  });
});
