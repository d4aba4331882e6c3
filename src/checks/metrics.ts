/**
 * Autograder checks of measures: PSNR (notebook 12) and the ROC AUC of anomaly scores (notebook 15).
 */
import { Rng } from '../rng';
import { AutograderError, pass, callStudent, describe, close, fmt } from './harness';

/**
 * Checks `fn(clean, estimate, pixels)` returning the mean PSNR in dB over images, for flat images
 * in [0, 1] (data range 1): per image 10 log10(1 / MSE), then averaged over the images.
 */
export function checkPsnr(fn: (clean: Float32Array, estimate: Float32Array, pixels: number) => number): void {
  const check = 'checkPsnr';
  const rng = new Rng('checkPsnr');
  const pixels = 16;
  const n = 3;
  const clean = rng.uniformArray(n * pixels);
  const estimate = clean.map((v, i) => Math.min(1, Math.max(0, v + (0.05 + 0.1 * Math.floor(i / pixels)) * rng.normal())));
  const perImage: number[] = [];
  let pooled = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * pixels; j < (i + 1) * pixels; j++) s += (clean[j] - estimate[j]) ** 2;
    perImage.push(10 * Math.log10(1 / (s / pixels)));
    pooled += s;
  }
  const expected = perImage.reduce((a, b) => a + b, 0) / n;
  const got = callStudent(check, `${n} images of ${pixels} pixels`, () => fn(clean, estimate, pixels));
  if (typeof got !== 'number' || !close(got, expected, 1e-4)) {
    let hint = '';
    if (typeof got === 'number') {
      if (close(got, 10 * Math.log10(1 / (pooled / (n * pixels))), 1e-4))
        hint = ' It looks like you computed one PSNR from the MSE of all images together; average the per-image PSNRs instead.';
      else if (close(got, expected / 2, 1e-4) || close(got, 2 * expected, 1e-4))
        hint = ' Check the factor: PSNR = 10 log10(1 / MSE) = 20 log10(1 / RMSE).';
      else if (close(got, -expected, 1e-4)) hint = ' The sign is flipped: PSNR = 10 log10(MAX^2 / MSE) with MAX = 1.';
    }
    throw new AutograderError(
      check,
      `expected a mean PSNR of ${fmt(expected)} dB, got ${typeof got === 'number' ? fmt(got) : describe(got)}.${hint}`,
    );
  }
  pass(check, `${fmt(got)} dB, the mean of the per-image PSNRs.`);
}

/** Reference AUC: the probability that a random anomaly scores above a random normal item (ties count half). */
function referenceAuc(scores: readonly number[], isAnomaly: readonly boolean[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((s, i) => {
    if (!isAnomaly[i]) return;
    scores.forEach((t, j) => {
      if (isAnomaly[j]) return;
      pairs += 1;
      wins += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

/**
 * Checks `fn(scores, isAnomaly)` computing the area under the ROC curve: 1 for a perfect
 * separation, 0 when reversed, 0.5 for all-equal scores, and the rank-statistic value on random
 * scores with ties (a tie between an anomaly and a normal item counts one half).
 */
export function checkAuc(fn: (scores: ArrayLike<number>, isAnomaly: ArrayLike<boolean>) => number): void {
  const check = 'checkAuc';
  const cases: Array<{ what: string; scores: number[]; flags: boolean[] }> = [
    { what: 'perfectly separated scores', scores: [0.1, 0.2, 0.3, 0.8, 0.9], flags: [false, false, false, true, true] },
    { what: 'reversed scores', scores: [0.9, 0.8, 0.3, 0.2, 0.1], flags: [false, false, true, true, true] },
    { what: 'all scores equal', scores: [1, 1, 1, 1], flags: [true, false, false, true] },
  ];
  const rng = new Rng('checkAuc');
  const scores = Array.from({ length: 60 }, () => Math.round(rng.uniform() * 20) / 20);
  const flags = scores.map((s) => rng.uniform() < 0.2 + 0.5 * s);
  cases.push({ what: '60 random scores with ties', scores, flags });
  for (const c of cases) {
    const expected = referenceAuc(c.scores, c.flags);
    const got = callStudent(check, c.what, () => fn(c.scores, c.flags));
    if (typeof got !== 'number' || !close(got, expected, 1e-6)) {
      const hint =
        typeof got === 'number' && close(got, 1 - expected, 1e-6)
          ? ' It looks like the score direction is reversed: HIGHER scores must mean "more anomalous".'
          : c.what.includes('ties') || c.what.includes('equal')
            ? ' Count a tie between an anomaly and a normal item as one half.'
            : '';
      throw new AutograderError(
        check,
        `for ${c.what} expected AUC ${fmt(expected)}, got ${typeof got === 'number' ? fmt(got) : describe(got)}.${hint}`,
      );
    }
  }
  pass(check, '1 for separated scores, 0 reversed, 0.5 for ties, and the right value on random scores.');
}
