/**
 * Autograder checks of notebook 07 (the VAE): the reparameterisation trick, the KL divergence to
 * the prior and the VAE objective. The KL reference is the course library's own `klDivergence`.
 */
import * as tf from '@tensorflow/tfjs';
import { klDivergence } from '../losses/kl';
import { Rng } from '../rng';
import { AutograderError, pass, callStudent, toNumber, tensorValues, close, fmt, diagnoseFactor, randomImages, type ScalarLike } from './harness';

/** How the encoder states the spread of q(z|x) in {@link checkReparameterize} and {@link checkKlDivergence}. */
export interface GaussianCheckOptions {
  /** `logVar` (default; sigma = exp(0.5 logVar)) or `logStd` (sigma = exp(logStd)). */
  readonly parameterization?: 'logVar' | 'logStd';
}

function sigmaFormula(p: 'logVar' | 'logStd'): string {
  return p === 'logVar' ? 'sigma = exp(0.5 * logVar)' : 'sigma = exp(logStd)';
}

/**
 * Checks a reparameterisation `fn(mu, logScale, eps)` returning `z = mu + sigma * eps`: the output
 * has mu's shape, equals mu when eps = 0, and over 20,000 draws of eps the samples have mean mu and
 * variance sigma^2 in every latent dimension.
 */
export function checkReparameterize(
  fn: (mu: tf.Tensor2D, logScale: tf.Tensor2D, eps: tf.Tensor2D) => tf.Tensor2D,
  options: GaussianCheckOptions = {},
): void {
  const check = 'checkReparameterize';
  const p = options.parameterization ?? 'logVar';
  const scaleName = p;
  const muRow = [1.5, -2];
  const sigma = [0.5, 2];
  const scaleRow = sigma.map((s) => (p === 'logVar' ? Math.log(s * s) : Math.log(s)));
  const n = 20000;
  tf.tidy(() => {
    const mu4 = tf.tensor2d([
      [0.3, -1, 2],
      [0, 0.5, -0.5],
      [1, 1, 1],
      [-2, 0, 3],
    ]);
    const scale4 = tf.tensor2d([
      [0, -1, 1],
      [0.5, 0, -0.5],
      [0, 0, 0],
      [1, -2, 0.2],
    ]);
    const zero = tf.zeros([4, 3]) as tf.Tensor2D;
    const z0 = tensorValues(
      check,
      callStudent(check, 'mu and logScale of shape [4, 3], eps = 0', () => fn(mu4, scale4, zero)),
      [4, 3],
      'z',
    );
    const mu4v = mu4.dataSync();
    const worst = Math.max(...Array.from(z0, (v, i) => Math.abs(v - mu4v[i])));
    if (worst > 1e-5) {
      throw new AutograderError(
        check,
        `with eps = 0 the sample must equal mu exactly, but it differs by up to ${fmt(worst)}. ` +
          'Use the eps you are given (it comes from the seeded Rng; do not draw your own with tf.randomNormal) ' +
          `and compute z = mu + sigma * eps with ${sigmaFormula(p)}.`,
      );
    }
    const rng = new Rng('checkReparameterize');
    const eps = tf.tensor2d(rng.normalArray(n * 2), [n, 2]);
    const mu = tf.tensor2d(Array.from({ length: n }, () => muRow));
    const scale = tf.tensor2d(Array.from({ length: n }, () => scaleRow));
    const z = tensorValues(
      check,
      callStudent(check, `mu and ${scaleName} of shape [${n}, 2]`, () => fn(mu, scale, eps)),
      [n, 2],
      'z',
    );
    for (let j = 0; j < 2; j++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += z[i * 2 + j];
      m /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (z[i * 2 + j] - m) ** 2;
      v /= n - 1;
      const wantVar = sigma[j] ** 2;
      const meanTol = (5 * sigma[j]) / Math.sqrt(n);
      if (Math.abs(m - muRow[j]) > meanTol) {
        throw new AutograderError(
          check,
          `latent dimension ${j}: samples should have mean mu = ${muRow[j]}, got ${fmt(m)}. z must be centred on mu: z = mu + sigma * eps.`,
        );
      }
      if (Math.abs(v - wantVar) > 0.06 * wantVar) {
        const s = scaleRow[j];
        const guesses: Array<[number, string]> =
          p === 'logVar'
            ? [
                [Math.exp(s) ** 2, 'you used exp(logVar) as the standard deviation (that is the variance)'],
                [s * s, 'you used logVar itself as the standard deviation'],
                [Math.exp(0.5 * s) ** 4, 'you multiplied eps by the variance instead of the standard deviation'],
              ]
            : [
                [Math.exp(2 * s) ** 2, 'you used exp(2 * logStd) (the variance) instead of exp(logStd)'],
                [Math.exp(0.5 * s) ** 2, 'you used exp(0.5 * logStd); with a log standard deviation sigma = exp(logStd)'],
                [s * s, 'you used logStd itself as the standard deviation'],
              ];
        const guess = guesses.find(([g]) => Math.abs(v - g) <= 0.06 * g);
        throw new AutograderError(
          check,
          `latent dimension ${j} (${scaleName} = ${fmt(s)}): samples should have variance ${fmt(wantVar)} ` +
            `(standard deviation ${sigma[j]}), got ${fmt(v)}.${guess ? ` It looks like ${guess[1]}.` : ''} Use ${sigmaFormula(p)}.`,
        );
      }
    }
    pass(check, `z = mu for eps = 0, and ${n} samples have the right mean and variance in every dimension.`);
  });
}

/**
 * The reference KL(N(mu, sigma^2) || N(0, I)), summed over latent dimensions and averaged over the
 * rows: the course library's {@link klDivergence}, given the scale as the student gets it.
 */
function referenceKl(mu: number[][], logScale: number[][], p: 'logVar' | 'logStd'): number {
  return tf.tidy(() => klDivergence(tf.tensor2d(mu), tf.tensor2d(logScale), p).dataSync()[0]);
}

/**
 * Checks a KL divergence `fn(mu, logScale)` to the standard normal prior: 0 for a standard normal
 * posterior, the closed-form value (summed over latent dimensions, mean over the batch) for known
 * inputs, and never negative.
 */
export function checkKlDivergence(fn: (mu: tf.Tensor2D, logScale: tf.Tensor2D) => ScalarLike, options: GaussianCheckOptions = {}): void {
  const check = 'checkKlDivergence';
  const p = options.parameterization ?? 'logVar';
  tf.tidy(() => {
    const zero = toNumber(
      check,
      callStudent(check, 'mu = 0 and logScale = 0 of shape [5, 4]', () => fn(tf.zeros([5, 4]) as tf.Tensor2D, tf.zeros([5, 4]) as tf.Tensor2D)),
    );
    if (!close(zero, 0)) {
      throw new AutograderError(
        check,
        `the KL divergence of a standard normal posterior (mu = 0, sigma = 1) from the N(0, 1) prior must be 0, got ${fmt(zero)}. ` +
          (p === 'logVar'
            ? 'Per dimension: -0.5 * (1 + logVar - mu^2 - exp(logVar)).'
            : 'Per dimension: -0.5 * (1 + 2 logStd - mu^2 - exp(2 logStd)).'),
      );
    }
    const mu = [
      [1, -1, 0],
      [0, 0.5, 2],
      [0, 0, 0],
    ];
    const scale = [
      [0, 0, 0],
      [Math.log(2), -0.7, 0.3],
      [1, -1, 0.5],
    ];
    const expected = referenceKl(mu, scale, p);
    const got = toNumber(
      check,
      callStudent(check, 'mu and logScale of shape [3, 3]', () => fn(tf.tensor2d(mu), tf.tensor2d(scale))),
    );
    if (!close(got, expected, 1e-4)) {
      const other = p === 'logVar' ? 'logStd' : 'logVar';
      const otherMean = referenceKl(mu, scale, other);
      let hint = diagnoseFactor(got, expected, [
        [3, 'you summed over the batch; take the mean over the batch (sum only over latent dimensions)'],
        [1 / 3, 'you averaged over latent dimensions; sum over them and average only over the batch'],
        [2, 'the factor 0.5 is missing'],
        [-1, 'the sign is flipped (KL = -0.5 * sum(1 + logVar - mu^2 - exp(logVar)))'],
      ]);
      if (!hint && close(got, otherMean, 1e-4)) hint = ` It looks like you treated the input as ${other}, but this exercise passes ${p}.`;
      throw new AutograderError(
        check,
        `for a known posterior expected ${fmt(expected)} (closed form, summed over latent dimensions, mean over the batch), got ${fmt(got)}.${hint}`,
      );
    }
    const rng = new Rng('checkKlDivergence');
    const rmu = tf.tensor2d(rng.normalArray(32 * 4, 0, 2), [32, 4]);
    const rscale = tf.tensor2d(rng.normalArray(32 * 4, 0, 1.5), [32, 4]);
    const random = toNumber(
      check,
      callStudent(check, 'random mu and logScale of shape [32, 4]', () => fn(rmu, rscale)),
    );
    if (!(random >= -1e-5)) {
      throw new AutograderError(check, `a KL divergence is never negative, got ${fmt(random)} for random inputs. Check the signs.`);
    }
    pass(check, `0 for a standard normal posterior and ${fmt(got)} (expected ${fmt(expected)}) for a known one.`);
  });
}

/**
 * Checks a VAE objective `fn(target, pred, mu, logVar, beta)`: binary cross-entropy summed over
 * pixels plus `beta` times the closed-form KL to N(0, I) (summed over latent dimensions), both
 * averaged over the batch, for beta 0, 1 and 4.
 */
export function checkVaeLoss(fn: (target: tf.Tensor2D, pred: tf.Tensor2D, mu: tf.Tensor2D, logVar: tf.Tensor2D, beta: number) => ScalarLike): void {
  const check = 'checkVaeLoss';
  const rng = new Rng('checkVaeLoss');
  const n = 3;
  const d = 12;
  const k = 2;
  const target = randomImages(rng, n, d, true);
  const pred = randomImages(rng, n, d, false);
  const mu = Array.from({ length: n }, () => [rng.normal(), rng.normal()]);
  const logVar = Array.from({ length: n }, () => [0.5 * rng.normal(), 0.5 * rng.normal()]);
  let bce = 0;
  target.forEach((row, i) =>
    row.forEach((t, j) => {
      const p = pred[i][j];
      bce += -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
    }),
  );
  bce /= n;
  const kl = referenceKl(mu, logVar, 'logVar');
  tf.tidy(() => {
    for (const beta of [0, 1, 4]) {
      const expected = bce + beta * kl;
      const got = toNumber(
        check,
        callStudent(check, `beta = ${beta}`, () => fn(tf.tensor2d(target), tf.tensor2d(pred), tf.tensor2d(mu), tf.tensor2d(logVar), beta)),
      );
      if (!close(got, expected, 1e-3)) {
        let hint = '';
        if (close(got, beta * bce + kl, 1e-3)) hint = ' It looks like beta multiplies the reconstruction term instead of the KL term.';
        else if (close(got, bce + kl, 1e-3)) hint = ' It looks like beta is ignored.';
        else if (close(got, bce, 1e-3)) hint = ' It looks like the KL term is missing.';
        else if (close(got, bce - beta * kl, 1e-3)) hint = ' It looks like the KL term is subtracted; the loss adds it.';
        throw new AutograderError(
          check,
          `with beta = ${beta} expected ${fmt(expected)} = BCE ${fmt(bce)} + ${beta} * KL ${fmt(kl)}, got ${fmt(got)}.${hint} ` +
            'Both terms are summed over their own axis (pixels, latent dimensions) and averaged over the batch.',
        );
      }
    }
  });
  pass(check, `reconstruction + beta * KL is right for beta = 0, 1 and 4 (latent size ${k}).`);
}

/**
 * Checks the 5LSL0 Exercise 7 loss for an encoder that outputs log standard deviations,
 * `fn(target, pred, mu, logStd, beta)`: the squared error summed over the pixels of each image plus
 * `beta` times the closed-form KL to N(0, I) summed over the latent dimensions (with
 * log sigma^2 = 2 logStd), both averaged over the batch, for beta 1, 0.5 and 3. The reference is
 * computed here in plain arithmetic; a wrong value names the likely mistake (mean over pixels,
 * KL sign, beta missing or on the wrong term, the log-variance formula on a log std, ...).
 */
export function checkVaeLossLogStd(
  fn: (target: tf.Tensor2D, pred: tf.Tensor2D, mu: tf.Tensor2D, logStd: tf.Tensor2D, beta: number) => ScalarLike,
): void {
  const check = 'checkVaeLossLogStd';
  const rng = new Rng('checkVaeLossLogStd');
  const n = 3;
  const d = 12;
  const k = 2;
  const target = randomImages(rng, n, d, false);
  const pred = randomImages(rng, n, d, false);
  const mu = Array.from({ length: n }, () => Array.from({ length: k }, () => rng.normal()));
  const logStd = Array.from({ length: n }, () => Array.from({ length: k }, () => 0.4 + 0.5 * rng.normal()));
  let sse = 0;
  target.forEach((row, i) => row.forEach((t, j) => (sse += (t - pred[i][j]) ** 2)));
  sse /= n;
  // KL per dimension with log sigma^2 = s: -0.5 (1 + s - mu^2 - exp(s)); summed over dimensions, mean over the batch
  const klWith = (logVarOf: (ls: number) => number): number => {
    let kl = 0;
    mu.forEach((row, i) =>
      row.forEach((m, j) => {
        const s = logVarOf(logStd[i][j]);
        kl += -0.5 * (1 + s - m * m - Math.exp(s));
      }),
    );
    return kl / n;
  };
  const kl = klWith((ls) => 2 * ls);
  const klAsLogVar = klWith((ls) => ls);
  tf.tidy(() => {
    for (const beta of [1, 0.5, 3]) {
      const expected = sse + beta * kl;
      const got = toNumber(
        check,
        callStudent(check, `beta = ${beta}`, () => fn(tf.tensor2d(target), tf.tensor2d(pred), tf.tensor2d(mu), tf.tensor2d(logStd), beta)),
      );
      if (close(got, expected, 1e-3)) continue;
      const mistakes: Array<[number, string]> = [
        [
          sse / d + beta * kl,
          'you averaged the squared error over the pixels (a mean squared error): sum it over the pixels of each image, so that the reconstruction of the whole image weighs against the KL of the whole code',
        ],
        [sse - beta * kl, 'the KL term is subtracted; the loss adds it (the KL is never negative, a penalty)'],
        [sse + kl, 'beta is ignored: the KL term must be multiplied by beta'],
        [beta * sse + kl, 'beta multiplies the reconstruction term instead of the KL term'],
        [
          sse + beta * klAsLogVar,
          'you used the log-variance formula on a log standard deviation: with logStd, log sigma^2 = 2 logStd and sigma^2 = exp(2 logStd)',
        ],
        [sse, 'the KL term is missing'],
        [n * expected, 'you summed over the batch; average over the images of the batch'],
        [0.5 * sse + beta * kl, 'the reconstruction term has a factor 0.5; this exercise uses the plain squared error'],
      ];
      const found = mistakes.find(([value]) => close(got, value, 1e-3));
      throw new AutograderError(
        check,
        `with beta = ${beta} expected ${fmt(expected)} = squared error ${fmt(sse)} (summed over the ${d} pixels, mean over ${n} images) + ${beta} * KL ${fmt(kl)}, got ${fmt(got)}.` +
          (found ? ` It looks like ${found[1]}.` : ' Reconstruction: sum over pixels; KL: sum over latent dimensions; both averaged over the batch.'),
      );
    }
  });
  pass(check, `squared error summed over the pixels + beta * KL (log std) is right for beta = 1, 0.5 and 3 (latent size ${k}).`);
}
