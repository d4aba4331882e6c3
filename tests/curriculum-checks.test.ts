import * as tf from '@tensorflow/tfjs';
import {
  AutograderError,
  checkBce,
  checkDecoderShape,
  checkDenseStack,
  checkVaeLoss,
  checkVaeLossLogStd,
  checkDigitCentroids,
  checkNearestNeighbour,
  checkPerDigitAccuracy,
  checkCrossEntropy,
  checkLatentGrid,
  checkPriorGrid,
  checkGaussianNoise,
  checkMapDenoise,
  checkMapObjective,
  checkAuc,
  checkOneHot,
  checkConditioning,
  checkPsnr,
  checkSaltPepperNoise,
  checkSpeckleNoise,
  checkBoxFilter,
  checkEncoderShape,
  checkKlDivergence,
  checkMse,
  checkReparameterize,
} from '../src/checks';
import { notImplementedMessage } from '../src/tools/students/solution-markers';
import { Rng } from '../src/rng';
import type { Conditioning, ConditioningSpec } from '../src/models/cvae';
import type { SeededInitializers } from '../src/models/init';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let log: jest.SpyInstance;
beforeEach(() => {
  log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => log.mockRestore());

function expectPass(run: () => void, check: string): void {
  run();
  expect(log).toHaveBeenCalledWith(expect.stringContaining(`${check} passed`));
}

function expectFail(run: () => void, message: RegExp): void {
  let error: unknown;
  try {
    run();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(AutograderError);
  expect((error as Error).message).toMatch(message);
  expect(log).not.toHaveBeenCalledWith(expect.stringContaining('passed'));
}

type T2 = tf.Tensor2D;

describe('checkMse', () => {
  const reference = (t: T2, p: T2) => tf.mean(tf.squaredDifference(t, p)) as tf.Scalar;
  test('passes the reference (as tensor or number)', () => {
    expectPass(() => checkMse(reference), 'checkMse');
    expectPass(() => checkMse((t, p) => reference(t, p).dataSync()[0]), 'checkMse');
  });
  test('names summing instead of averaging', () => {
    expectFail(() => checkMse((t, p) => tf.sum(tf.squaredDifference(t, p)) as tf.Scalar), /summed instead of averaging/);
  });
  test('rejects a loss that is not reduced to a scalar', () => {
    expectFail(() => checkMse((t, p) => tf.squaredDifference(t, p)), /single number.*tf\.sum \/ tf\.mean/);
  });
});

describe('checkBce', () => {
  const reference = (t: T2, p: T2) =>
    tf.tidy(() => {
      const q = tf.clipByValue(p, 1e-7, 1 - 1e-7);
      const ll = tf.add(tf.mul(t, tf.log(q)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, q))));
      return tf.mean(tf.neg(tf.sum(ll, 1))) as tf.Scalar;
    });
  test('passes the reference', () => expectPass(() => checkBce(reference), 'checkBce'));
  test('names averaging over pixels', () => {
    expectFail(() => checkBce((t, p) => tf.div(reference(t, p), t.shape[1]) as tf.Scalar), /averaged over pixels/);
  });
  test('catches a missing clip (log(0) for saturated predictions)', () => {
    const unclipped = (t: T2, p: T2) =>
      tf.mean(tf.neg(tf.sum(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p)))), 1))) as tf.Scalar;
    expectFail(() => checkBce(unclipped), /Clip pred/);
  });
});

describe('checkReparameterize', () => {
  const reference = (mu: T2, logVar: T2, eps: T2) => tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) as T2;
  test('passes the reference for logVar and logStd', () => {
    expectPass(() => checkReparameterize(reference), 'checkReparameterize');
    const logStdRef = (mu: T2, logStd: T2, eps: T2) => tf.add(mu, tf.mul(tf.exp(logStd), eps)) as T2;
    expectPass(() => checkReparameterize(logStdRef, { parameterization: 'logStd' }), 'checkReparameterize');
  });
  test('names exp(logVar) used as the standard deviation', () => {
    const wrong = (mu: T2, logVar: T2, eps: T2) => tf.add(mu, tf.mul(tf.exp(logVar), eps)) as T2;
    expectFail(() => checkReparameterize(wrong), /variance .*exp\(logVar\) as the standard deviation/);
  });
  test('catches ignoring eps and drawing unseeded noise', () => {
    const own = (mu: T2, logVar: T2) => tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal(mu.shape))) as T2;
    expectFail(() => checkReparameterize(own), /eps = 0 .*Use the eps you are given/);
  });
  test('catches a sample not centred on mu', () => {
    const offset = (mu: T2, logVar: T2, eps: T2) => tf.add(tf.mul(mu, 0.5), tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) as T2;
    expectFail(() => checkReparameterize(offset), /equal mu exactly/);
  });
  test('lets a "not implemented yet" stub error through unchanged', () => {
    const message = notImplementedMessage('reparameterize', ['z = mu + sigma * eps']);
    expect(() =>
      checkReparameterize(() => {
        throw new Error(message);
      }),
    ).toThrow(message);
  });
});

describe('checkKlDivergence', () => {
  const reference = (mu: T2, logVar: T2) =>
    tf.mean(tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, logVar), tf.add(tf.square(mu), tf.exp(logVar))), 1))) as tf.Scalar;
  test('passes the reference for logVar and logStd', () => {
    expectPass(() => checkKlDivergence(reference), 'checkKlDivergence');
    const logStdRef = (mu: T2, logStd: T2) => reference(mu, tf.mul(logStd, 2) as T2);
    expectPass(() => checkKlDivergence(logStdRef, { parameterization: 'logStd' }), 'checkKlDivergence');
  });
  test('names summing over the batch', () => {
    const summed = (mu: T2, logVar: T2) => tf.mul(reference(mu, logVar), mu.shape[0]) as tf.Scalar;
    expectFail(() => checkKlDivergence(summed), /summed over the batch/);
  });
  test('names a flipped sign', () => {
    expectFail(() => checkKlDivergence((mu, lv) => tf.neg(reference(mu, lv)) as tf.Scalar), /sign is flipped/);
  });
  test('names the wrong parameterisation', () => {
    expectFail(() => checkKlDivergence(reference, { parameterization: 'logStd' }), /treated the input as logVar/);
  });
  test('catches a KL that is not 0 for the prior itself', () => {
    expectFail(() => checkKlDivergence((mu, lv) => tf.add(reference(mu, lv), 1) as tf.Scalar), /must be 0/);
  });
});

describe('checkEncoderShape / checkDecoderShape', () => {
  test('pass a dense VAE encoder and decoder', () => {
    const input = tf.input({ shape: [784] });
    const h = tf.layers.dense({ units: 8, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    const mu = tf.layers.dense({ units: 2 }).apply(h) as tf.SymbolicTensor;
    const logVar = tf.layers.dense({ units: 2 }).apply(h) as tf.SymbolicTensor;
    const encoder = tf.model({ inputs: input, outputs: [mu, logVar] });
    expectPass(() => checkEncoderShape(encoder, { latentDim: 2, outputs: 2 }), 'checkEncoderShape');
    const decoder = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 784, activation: 'sigmoid' })] });
    expectPass(() => checkDecoderShape(decoder, { latentDim: 2 }), 'checkDecoderShape');
  });
  test('catch a wrong latent size, a missing output, and an unbounded decoder', () => {
    const encoder = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 3 })] });
    expectFail(() => checkEncoderShape(encoder, { latentDim: 2 }), /shape \[n, 2\].*got \[3, 3\]/);
    expectFail(() => checkEncoderShape(encoder, { latentDim: 3, outputs: 2 }), /expected 2 output/);
    const unflattened = tf.sequential({ layers: [tf.layers.dense({ inputShape: [28, 28], units: 2 })] });
    expectFail(() => checkEncoderShape(unflattened, { latentDim: 2 }), /flat images of shape \[n, 784\]/);
    const linear = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 784 })] });
    expectFail(() => checkDecoderShape(linear, { latentDim: 2 }), /sigmoid/);
  });
});

describe('checkDenseStack', () => {
  const stack = (layers: Array<[number, string]>) =>
    tf.sequential({
      layers: layers.map(([units, activation], i) =>
        tf.layers.dense({ units, activation: activation as 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }),
      ),
    });
  const fcn = [
    { units: 144, activation: 'relu' },
    { units: 72, activation: 'relu' },
    { units: 48, activation: 'tanh' },
  ];
  test('passes the FCN encoder', () => {
    expectPass(
      () =>
        checkDenseStack(
          stack([
            [144, 'relu'],
            [72, 'relu'],
            [48, 'tanh'],
          ]),
          fcn,
          'encoder',
        ),
      'checkDenseStack',
    );
  });
  test('names the first wrong layer, a missing layer and an extra one', () => {
    expectFail(
      () =>
        checkDenseStack(
          stack([
            [144, 'relu'],
            [72, 'relu'],
            [48, 'relu'],
          ]),
          fcn,
          'encoder',
        ),
      /dense layer 3 is 48 relu, expected 48 tanh/,
    );
    expectFail(
      () =>
        checkDenseStack(
          stack([
            [144, 'relu'],
            [72, 'relu'],
          ]),
          fcn,
          'encoder',
        ),
      /stops after 2 dense layer/,
    );
    expectFail(
      () =>
        checkDenseStack(
          stack([
            [144, 'relu'],
            [72, 'relu'],
            [48, 'tanh'],
            [2, 'linear'],
          ]),
          fcn,
        ),
      /extra dense layer 4/,
    );
  });
});

describe('checkVaeLoss', () => {
  const bce = (t: T2, p: T2) =>
    tf.tidy(() => {
      const q = tf.clipByValue(p, 1e-7, 1 - 1e-7);
      return tf.mean(tf.neg(tf.sum(tf.add(tf.mul(t, tf.log(q)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, q)))), 1))) as tf.Scalar;
    });
  const kl = (mu: T2, lv: T2) => tf.mean(tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, lv), tf.add(tf.square(mu), tf.exp(lv))), 1))) as tf.Scalar;
  test('passes the reference', () => {
    expectPass(() => checkVaeLoss((t, p, mu, lv, beta) => tf.add(bce(t, p), tf.mul(beta, kl(mu, lv))) as tf.Scalar), 'checkVaeLoss');
  });
  test('names beta on the wrong term and a missing KL', () => {
    expectFail(
      () => checkVaeLoss((t, p, mu, lv, beta) => tf.add(tf.mul(beta, bce(t, p)), kl(mu, lv)) as tf.Scalar),
      /beta multiplies the reconstruction/,
    );
    expectFail(() => checkVaeLoss((t, p) => bce(t, p)), /KL term is missing/);
  });
});

describe('checkVaeLossLogStd', () => {
  // the reference and the planted mistakes, written with tf ops independently of the check
  const sse = (t: T2, p: T2) => tf.mean(tf.sum(tf.square(tf.sub(t, p)), 1)) as tf.Scalar;
  const meanSe = (t: T2, p: T2) => tf.mean(tf.square(tf.sub(t, p))) as tf.Scalar;
  const klStd = (mu: T2, ls: T2) =>
    tf.mean(tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, tf.mul(2, ls)), tf.add(tf.square(mu), tf.exp(tf.mul(2, ls)))), 1))) as tf.Scalar;
  const klAsLogVar = (mu: T2, ls: T2) => tf.mean(tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, ls), tf.add(tf.square(mu), tf.exp(ls))), 1))) as tf.Scalar;
  const sum = (a: tf.Scalar, b: tf.Scalar, w: number) => tf.add(a, tf.mul(w, b)) as tf.Scalar;
  test('passes the reference', () => {
    expectPass(() => checkVaeLossLogStd((t, p, mu, ls, beta) => sum(sse(t, p), klStd(mu, ls), beta)), 'checkVaeLossLogStd');
  });
  test('names the planted mistakes', () => {
    expectFail(
      () => checkVaeLossLogStd((t, p, mu, ls, beta) => sum(meanSe(t, p), klStd(mu, ls), beta)),
      /averaged the squared error over the pixels/,
    );
    expectFail(() => checkVaeLossLogStd((t, p, mu, ls, beta) => sum(sse(t, p), klStd(mu, ls), -beta)), /KL term is subtracted/);
    expectFail(() => checkVaeLossLogStd((t, p, mu, ls) => sum(sse(t, p), klStd(mu, ls), 1)), /beta is ignored/);
    expectFail(() => checkVaeLossLogStd((t, p, mu, ls, beta) => sum(sse(t, p), klAsLogVar(mu, ls), beta)), /log-variance formula/);
    expectFail(() => checkVaeLossLogStd((t, p) => sse(t, p)), /KL term is missing/);
    expectFail(
      () => checkVaeLossLogStd((t, p, mu, ls, beta) => tf.add(tf.mul(beta, sse(t, p)), klStd(mu, ls)) as tf.Scalar),
      /beta multiplies the reconstruction/,
    );
    expectFail(
      () => checkVaeLossLogStd((t, p, mu, ls, beta) => tf.mul(3, sum(sse(t, p), klStd(mu, ls), beta)) as tf.Scalar),
      /summed over the batch/,
    );
    expectFail(() => checkVaeLossLogStd((t, p, mu, ls, beta) => sum(tf.mul(0.5, sse(t, p)) as tf.Scalar, klStd(mu, ls), beta)), /factor 0\.5/);
    expectFail(() => checkVaeLossLogStd((t, p, mu, ls, beta) => tf.sum(tf.square(tf.sub(t, p)), 1).add(beta)), /single number/);
  });
});

describe('checkDigitCentroids', () => {
  const reference = (codes: Float32Array, labels: ArrayLike<number>, dims: number) => {
    const sums = Array.from({ length: 10 }, () => new Array<number>(dims).fill(0));
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < labels.length; i++) {
      counts[labels[i]] += 1;
      for (let j = 0; j < dims; j++) sums[labels[i]][j] += codes[i * dims + j];
    }
    return sums.map((row, d) => row.map((v) => v / counts[d]));
  };
  test('passes the reference', () => expectPass(() => checkDigitCentroids(reference), 'checkDigitCentroids'));
  test('catches dividing by the total count', () => {
    const wrong = (codes: Float32Array, labels: ArrayLike<number>, dims: number) =>
      reference(codes, labels, dims).map((row, d) => row.map((v) => (v * Array.from(labels).filter((l) => l === d).length) / labels.length));
    expectFail(() => checkDigitCentroids(wrong), /centroid of digit 0/);
  });
});

describe('checkNearestNeighbour', () => {
  const classify = (metric: (a: number, b: number) => number) => (tr: Float32Array, trl: ArrayLike<number>, te: Float32Array, dims: number) => {
    const out: number[] = [];
    for (let t = 0; t < te.length / dims; t++) {
      let best = Infinity;
      let label = -1;
      for (let i = 0; i < tr.length / dims; i++) {
        let d = 0;
        for (let j = 0; j < dims; j++) d += metric(te[t * dims + j], tr[i * dims + j]);
        if (d < best) [best, label] = [d, trl[i]];
      }
      out.push(label);
    }
    return out;
  };
  test('passes the Euclidean reference', () => {
    expectPass(() => checkNearestNeighbour(classify((a, b) => (a - b) ** 2)), 'checkNearestNeighbour');
  });
  test('names the Manhattan distance', () => {
    expectFail(() => checkNearestNeighbour(classify((a, b) => Math.abs(a - b))), /absolute differences/);
  });
});

describe('checkPerDigitAccuracy', () => {
  const reference = (truth: ArrayLike<number>, pred: ArrayLike<number>) =>
    Array.from({ length: 10 }, (_, d) => {
      let n = 0;
      let ok = 0;
      for (let i = 0; i < truth.length; i++) if (truth[i] === d) [n, ok] = [n + 1, ok + (pred[i] === d ? 1 : 0)];
      return ok / n;
    });
  test('passes the reference', () => expectPass(() => checkPerDigitAccuracy(reference), 'checkPerDigitAccuracy'));
  test('names percentages', () => {
    expectFail(() => checkPerDigitAccuracy((t, p) => reference(t, p).map((v) => 100 * v)), /fractions in \[0, 1\]/);
  });
});

describe('checkCrossEntropy', () => {
  const reference = (labels: tf.Tensor1D, probs: tf.Tensor2D) =>
    tf.tidy(() => tf.mean(tf.neg(tf.sum(tf.mul(tf.oneHot(labels, probs.shape[1]), tf.log(tf.clipByValue(probs, 1e-7, 1))), 1))) as tf.Scalar);
  test('passes the reference', () => expectPass(() => checkCrossEntropy(reference), 'checkCrossEntropy'));
  test('names a sum over the batch', () => {
    expectFail(() => checkCrossEntropy((l, p) => tf.mul(reference(l, p), l.shape[0]) as tf.Scalar), /summed over the batch/);
  });
});

describe('checkLatentGrid', () => {
  const grid = (flip: boolean) => (bounds: { min: number[]; max: number[] }, n: number) => {
    const out = new Float32Array(n * n * 2);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        out[(r * n + c) * 2] = bounds.min[0] + ((bounds.max[0] - bounds.min[0]) * c) / (n - 1);
        const up = bounds.min[1] + ((bounds.max[1] - bounds.min[1]) * r) / (n - 1);
        out[(r * n + c) * 2 + 1] = flip ? bounds.max[1] + bounds.min[1] - up : up;
      }
    }
    return out;
  };
  test('passes the reference', () => expectPass(() => checkLatentGrid(grid(true)), 'checkLatentGrid'));
  test('names the missing y flip', () => expectFail(() => checkLatentGrid(grid(false)), /y axis is not flipped/));
});

describe('checkPriorGrid', () => {
  // N(0, 1) quantiles of (k + 0.5) / n from statistics tables (Python's statistics.NormalDist.inv_cdf):
  // Phi^-1(1/4) = -0.6744897502, Phi^-1(1/6) = -0.9674215661, Phi^-1(1/12) = -1.3829941271, Phi^-1(5/12) = -0.2104283942
  const QUANTILES: Record<number, number[]> = {
    2: [-0.6744897502, 0.6744897502],
    3: [-0.9674215661, 0, 0.9674215661],
    6: [-1.3829941271, -0.6744897502, -0.2104283942, 0.2104283942, 0.6744897502, 1.3829941271],
  };
  /** A student's grid from per-axis values: column c gets x[c], row r gets y[r]. */
  const fromAxes = (x: (n: number) => number[], y: (n: number) => number[]) => (n: number) => {
    const out = new Float32Array(n * n * 2);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        out[(r * n + c) * 2] = x(n)[c];
        out[(r * n + c) * 2 + 1] = y(n)[r];
      }
    }
    return out;
  };
  const quantiles = (n: number) => QUANTILES[n];
  const reference = fromAxes(quantiles, (n) => [...QUANTILES[n]].reverse());

  test('the known 2 x 2 and 3 x 3 answers', () => {
    // 2 x 2: row 0 = (-0.674, 0.674), (0.674, 0.674); row 1 = (-0.674, -0.674), (0.674, -0.674)
    const q = 0.6744897502;
    expect(Array.from(reference(2))).toEqual([-q, q, q, q, -q, -q, q, -q].map((v) => Math.fround(v)));
    const q3 = 0.9674215661;
    expect(Array.from(reference(3))).toEqual([-q3, q3, 0, q3, q3, q3, -q3, 0, 0, 0, q3, 0, -q3, -q3, 0, -q3, q3, -q3].map((v) => Math.fround(v)));
  });
  test('passes the reference (the table quantiles, flipped rows)', () => expectPass(() => checkPriorGrid(reference), 'checkPriorGrid'));
  test('passes a plain number array too', () => expectPass(() => checkPriorGrid((n) => Array.from(reference(n))), 'checkPriorGrid'));
  test('names an evenly spaced lattice over [-2, 2]', () => {
    const even = (n: number) => Array.from({ length: n }, (_, k) => -2 + (4 * k) / (n - 1));
    expectFail(() => checkPriorGrid(fromAxes(even, (n) => even(n).reverse())), /evenly spaced.*normalQuantile/);
  });
  test('names the missing y flip', () => expectFail(() => checkPriorGrid(fromAxes(quantiles, quantiles)), /not flipped/));
  test('names swapped rows and columns', () => {
    const swapped = (n: number) => {
      const out = reference(n);
      const t = new Float32Array(out.length);
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) for (let j = 0; j < 2; j++) t[(c * n + r) * 2 + j] = out[(r * n + c) * 2 + j];
      return t;
    };
    expectFail(() => checkPriorGrid(swapped), /swapped/);
  });
  test('names the probabilities returned instead of their quantiles', () => {
    const probs = (n: number) => Array.from({ length: n }, (_, k) => (k + 0.5) / n);
    expectFail(() => checkPriorGrid(fromAxes(probs, (n) => probs(n).reverse())), /probabilities p_k themselves/);
  });
  test('names the wrong probabilities (k + 1) / (n + 1)', () => {
    // n = 3: Phi^-1(1/4), Phi^-1(2/4), Phi^-1(3/4)
    const other: Record<number, number[]> = { 3: [-0.6744897502, 0, 0.6744897502] };
    expectFail(
      () =>
        checkPriorGrid(
          fromAxes(
            (n) => other[n],
            (n) => [...other[n]].reverse(),
          ),
        ),
      /\(k \+ 0\.5\) \/ n/,
    );
  });
  test('names a wrong length', () => expectFail(() => checkPriorGrid((n) => new Float32Array(n * 2)), /expected 18 numbers/));
});

describe('checkGaussianNoise', () => {
  const reference = (images: Float32Array, std: number, rng: Rng) => images.map((v) => Math.min(1, Math.max(0, v + std * rng.normal())));
  test('passes the reference', () => expectPass(() => checkGaussianNoise(reference), 'checkGaussianNoise'));
  test('catches missing clipping, the variance used as deviation, and a modified input', () => {
    expectFail(() => checkGaussianNoise((im, std, rng) => im.map((v) => v + std * rng.normal())), /clipped to \[0, 1\]/);
    expectFail(() => checkGaussianNoise((im, std, rng) => reference(im, std * std, rng)), /std\^2/);
    expectFail(
      () =>
        checkGaussianNoise((im, std, rng) => {
          const out = reference(im, std, rng);
          im.fill(0);
          return out;
        }),
      /input images were modified/,
    );
  });
});

describe('checkMapObjective', () => {
  const reference = (x: T2, g: T2, z: T2, beta: number) =>
    tf.tidy(() => tf.mean(tf.add(tf.sum(tf.squaredDifference(x, g), 1), tf.mul(beta, tf.sum(tf.square(z), 1)))) as tf.Scalar);
  test('passes the reference', () => expectPass(() => checkMapObjective(reference), 'checkMapObjective'));
  test('names the norm used instead of the squared norm, and pixel averaging', () => {
    const norm = (x: T2, g: T2, z: T2, beta: number) =>
      tf.tidy(() => tf.mean(tf.add(tf.sum(tf.squaredDifference(x, g), 1), tf.mul(beta, tf.norm(z, 'euclidean', 1)))) as tf.Scalar);
    expectFail(() => checkMapObjective(norm), /SQUARED norm/);
    const averaged = (x: T2, g: T2, z: T2, beta: number) =>
      tf.tidy(() => tf.mean(tf.add(tf.mean(tf.squaredDifference(x, g), 1), tf.mul(beta, tf.sum(tf.square(z), 1)))) as tf.Scalar);
    expectFail(() => checkMapObjective(averaged), /averaged the squared error over pixels/);
  });
});

describe('checkMapDenoise', () => {
  type Search = Parameters<typeof checkMapDenoise>[0];
  // The loop of 5LSL0 Exercise 8b, written here from the exercise text; `variant` plants one mistake at a time.
  const search =
    (variant: 'reference' | 'all-variables' | 'random-start' | 'ascent' | 'leaky' | 'first-step' | 'short'): Search =>
    (objective, decode, noisy, { latentDim, beta, iterations, learningRate }) => {
      const n = noisy.shape[0];
      const z = tf.variable(variant === 'random-start' ? tf.randomNormal([n, latentDim], 0, 1, 'float32', 7) : tf.zeros([n, latentDim]));
      const optimizer = tf.train.adam(learningRate);
      const losses: number[] = [];
      const steps = variant === 'short' ? iterations - 1 : iterations;
      let firstEstimate: tf.Tensor2D | undefined;
      for (let step = 0; step < steps; step++) {
        const f = () => {
          const value = objective(noisy, decode(z as tf.Tensor2D), z as tf.Tensor2D, beta);
          return variant === 'ascent' ? (tf.neg(value) as tf.Scalar) : value;
        };
        const loss = variant === 'all-variables' ? optimizer.minimize(f, true) : optimizer.minimize(f, true, [z]);
        losses.push(Math.abs(loss!.dataSync()[0]));
        if (variant !== 'leaky') loss!.dispose();
        if (step === 0 && variant === 'first-step') firstEstimate = tf.tidy(() => decode(z as tf.Tensor2D));
      }
      const out = firstEstimate ?? tf.tidy(() => decode(z as tf.Tensor2D));
      const estimates = Float32Array.from(out.dataSync());
      tf.dispose([z, out]);
      optimizer.dispose();
      return { estimates, losses };
    };
  test('passes the reference loop', () => expectPass(() => checkMapDenoise(search('reference')), 'checkMapDenoise'));
  test('names each planted mistake', () => {
    expectFail(() => checkMapDenoise(search('all-variables')), /decoder's weights changed/);
    expectFail(() => checkMapDenoise(search('random-start')), /start at z = 0/);
    expectFail(() => checkMapDenoise(search('ascent')), /did not go down/);
    expectFail(() => checkMapDenoise(search('first-step')), /went down but not to its minimum/);
    expectFail(() => checkMapDenoise(search('short')), /array of 300 finite numbers/);
    expectFail(() => checkMapDenoise(search('leaky')), /left 30[01] tensors in memory, about one per step/);
  });
  test('a stub passes through untouched', () => {
    expect(() =>
      checkMapDenoise(() => {
        throw new Error('Not implemented yet: exercise 13.2');
      }),
    ).toThrow(/^Not implemented yet/);
  });
});

describe('checkAuc', () => {
  const reference = (scores: ArrayLike<number>, flags: ArrayLike<boolean>) => {
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < scores.length; i++) {
      for (let j = 0; j < scores.length; j++) {
        if (!flags[i] || flags[j]) continue;
        pairs += 1;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    return wins / pairs;
  };
  test('passes the rank-statistic reference', () => expectPass(() => checkAuc(reference), 'checkAuc'));
  test('names reversed scores and ignored ties', () => {
    expectFail(() => checkAuc((s, f) => 1 - reference(s, f)), /direction is reversed/);
    const strict = (scores: ArrayLike<number>, flags: ArrayLike<boolean>) => {
      let wins = 0;
      let pairs = 0;
      for (let i = 0; i < scores.length; i++)
        for (let j = 0; j < scores.length; j++) if (flags[i] && !flags[j]) [pairs, wins] = [pairs + 1, wins + (scores[i] > scores[j] ? 1 : 0)];
      return wins / pairs;
    };
    expectFail(() => checkAuc(strict), /one half/);
  });
});

describe('checkOneHot', () => {
  const reference = (labels: ArrayLike<number>, k: number) => {
    const out = new Float32Array(labels.length * k);
    for (let i = 0; i < labels.length; i++) out[i * k + labels[i]] = 1;
    return out;
  };
  test('passes the reference', () => expectPass(() => checkOneHot(reference), 'checkOneHot'));
  test('names a transposed layout', () => {
    const transposed = (labels: ArrayLike<number>, k: number) => {
      const out = new Float32Array(labels.length * k);
      for (let i = 0; i < labels.length; i++) out[labels[i] * labels.length + i] = 1;
      return out;
    };
    expectFail(() => checkOneHot(transposed), /transposed/);
  });
});

describe('checkConditioning', () => {
  type Sym = tf.SymbolicTensor;
  /** The label as a vector, written here from the exercise text (Keras-style layers). */
  interface Plant {
    table?: (k: number) => tf.Tensor2D; // a fixed one-hot table other than the identity
    oneHotTrainable?: boolean;
    noFlatten?: boolean;
    embeddingLayer?: boolean; // a trainable tf.layers.embedding for the learned table
    bias?: boolean;
    kernel?: (init: SeededInitializers) => ReturnType<SeededInitializers['uniform']>;
    units?: (spec: ConditioningSpec) => number;
    order?: 'labelFirst';
    join?: 'none' | 'labelOnly';
    ignoreModeEmbedding?: boolean;
  }
  const planted =
    (p: Plant): Conditioning =>
    (features, labels, spec, init) => {
      const k = spec.numClasses;
      const oneHot = tf.layers.embedding({
        inputDim: k,
        outputDim: k,
        inputLength: 1,
        ...(p.table ? { weights: [p.table(k)] } : { embeddingsInitializer: tf.initializers.identity({ gain: 1 }) }),
        trainable: p.oneHotTrainable ?? false,
      });
      const flatten = (t: Sym) => tf.layers.flatten().apply(t) as Sym;
      let vector: Sym;
      if (spec.mode === 'oneHot' || p.ignoreModeEmbedding) {
        vector = oneHot.apply(labels) as Sym;
        if (!p.noFlatten) vector = flatten(vector);
      } else if (p.embeddingLayer) {
        vector = flatten(
          tf.layers
            .embedding({ inputDim: k, outputDim: spec.embeddingDim, inputLength: 1, embeddingsInitializer: init.uniform() })
            .apply(labels) as Sym,
        );
      } else {
        vector = tf.layers
          .dense({
            units: p.units ? p.units(spec) : spec.embeddingDim,
            useBias: p.bias ?? false,
            kernelInitializer: p.kernel ? p.kernel(init) : init.uniform(),
          })
          .apply(flatten(oneHot.apply(labels) as Sym)) as Sym;
      }
      if (p.join === 'none') return features;
      if (p.join === 'labelOnly') return vector;
      const parts = p.order === 'labelFirst' ? [vector, features] : [features, vector];
      return tf.layers.concatenate().apply(parts) as Sym;
    };
  const shifted = (by: number) => (k: number) =>
    tf.tidy(
      () =>
        tf
          .oneHot(
            tf.tensor1d(
              Array.from({ length: k }, (_, y) => (y + by + k) % k),
              'int32',
            ),
            k,
          )
          .toFloat() as tf.Tensor2D,
    );

  test('passes the reference', () => expectPass(() => checkConditioning(planted({})), 'checkConditioning'));
  test('a stub passes its "not implemented" error through untouched', () => {
    const message = notImplementedMessage('conditionOn', ['one-hot']);
    expect(() =>
      checkConditioning(() => {
        throw new Error(message);
      }),
    ).toThrow(message);
  });
  test('names the one-hot of label + 1 and of label - 1', () => {
    expectFail(() => checkConditioning(planted({ table: shifted(1) })), /label \+ 1/);
    expectFail(() => checkConditioning(planted({ table: shifted(-1) })), /label - 1/);
  });
  test("names the label's value used as a number instead of its one-hot vector", () => {
    // the int32 label cast to a float and spread over K columns by a fixed all-ones dense layer
    const asNumber: Conditioning = (features, labels, spec, init) => {
      if (spec.mode === 'embedding') return planted({})(features, labels, spec, init);
      const spread = tf.layers.dense({ units: spec.numClasses, useBias: false, kernelInitializer: 'ones', trainable: false });
      return tf.layers.concatenate().apply([features, spread.apply(labels) as Sym]) as Sym;
    };
    expectFail(() => checkConditioning(asNumber), /label's value 3 itself/);
  });
  test('names a trainable one-hot table', () =>
    expectFail(() => checkConditioning(planted({ oneHotTrainable: true })), /one-hot.*trainable|trainable.*one-hot/s));
  test('names a missing flatten', () => expectFail(() => checkConditioning(planted({ noFlatten: true, join: 'labelOnly' })), /flatten/));
  test('names a label that is not joined, or joined alone, or after the features', () => {
    expectFail(() => checkConditioning(planted({ join: 'none' })), /features alone/);
    expectFail(() => checkConditioning(planted({ join: 'labelOnly' })), /label vector alone/);
    expectFail(() => checkConditioning(planted({ order: 'labelFirst' })), /features first/);
  });
  test('names labels that never reach the output', () => {
    const ignores: Conditioning = (features, _labels, spec) => {
      const width = spec.mode === 'oneHot' ? spec.numClasses : spec.embeddingDim;
      const constant = tf.layers
        .dense({ units: width, kernelInitializer: 'zeros', biasInitializer: 'ones', trainable: false })
        .apply(features) as Sym;
      return tf.layers.concatenate().apply([features, constant]) as Sym;
    };
    expectFail(() => checkConditioning(ignores), /does not depend on the labels/);
  });
  test('names mode embedding answered by the one-hot vector', () =>
    expectFail(() => checkConditioning(planted({ ignoreModeEmbedding: true })), /embeddingDim/));
  test('names a trainable Embedding layer (wasm cannot train it)', () =>
    expectFail(() => checkConditioning(planted({ embeddingLayer: true })), /UnsortedSegmentSum/));
  test('names a bias on the learned table', () => expectFail(() => checkConditioning(planted({ bias: true })), /useBias: false/));
  test('names a glorot-initialised table and one not drawn from init', () => {
    expectFail(() => checkConditioning(planted({ kernel: (init) => init.glorotUniform() })), /\[-0\.05, 0\.05\]/);
    expectFail(
      () => checkConditioning(planted({ kernel: () => tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05 }) })),
      /same seed gave different tables/,
    );
  });
  test('names layers shared by the encoder and the decoder', () => {
    let kept: tf.layers.Layer | undefined;
    const sharing: Conditioning = (features, labels, spec, init) => {
      const oneHot = tf.layers.flatten().apply(
        tf.layers
          .embedding({
            inputDim: spec.numClasses,
            outputDim: spec.numClasses,
            embeddingsInitializer: tf.initializers.identity({ gain: 1 }),
            trainable: false,
          })
          .apply(labels) as Sym,
      ) as Sym;
      if (spec.mode === 'oneHot') return tf.layers.concatenate().apply([features, oneHot]) as Sym;
      kept = kept ?? tf.layers.dense({ units: spec.embeddingDim, useBias: false, kernelInitializer: init.uniform() });
      return tf.layers.concatenate().apply([features, kept.apply(oneHot) as Sym]) as Sym;
    };
    expectFail(() => checkConditioning(sharing), /share the layer/);
  });
  test('names a label that does not reach the real networks', () => {
    // right on the check's small inputs, but multiplies the label by zero for wider features (the encoder's conv features)
    const reference = planted({});
    const narrowOnly: Conditioning = (features, labels, spec, init) => {
      if (Number(features.shape[1]) <= 6) return reference(features, labels, spec, init);
      const width = spec.mode === 'oneHot' ? spec.numClasses : spec.embeddingDim;
      const oneHot = tf.layers.flatten().apply(
        tf.layers
          .embedding({
            inputDim: spec.numClasses,
            outputDim: spec.numClasses,
            embeddingsInitializer: tf.initializers.identity({ gain: 1 }),
            trainable: false,
          })
          .apply(labels) as Sym,
      ) as Sym;
      const dead = tf.layers.dense({ units: width, useBias: false, kernelInitializer: 'zeros', trainable: false }).apply(oneHot) as Sym;
      return tf.layers.concatenate().apply([features, dead]) as Sym;
    };
    expectFail(() => checkConditioning(narrowOnly), /the label does not reach the encoder/);
  });
});

describe('checkPsnr', () => {
  const perImage = (clean: Float32Array, est: Float32Array, p: number) => {
    const n = clean.length / p;
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = i * p; j < (i + 1) * p; j++) s += (clean[j] - est[j]) ** 2;
      total += 10 * Math.log10(p / s);
    }
    return total / n;
  };
  test('passes the reference', () => expectPass(() => checkPsnr(perImage), 'checkPsnr'));
  test('names a pooled PSNR and a wrong factor', () => {
    const pooled = (clean: Float32Array, est: Float32Array) => {
      let s = 0;
      for (let j = 0; j < clean.length; j++) s += (clean[j] - est[j]) ** 2;
      return 10 * Math.log10(clean.length / s);
    };
    expectFail(() => checkPsnr(pooled), /per-image PSNRs/);
    expectFail(() => checkPsnr((c, e, p) => 2 * perImage(c, e, p)), /Check the factor/);
  });
});

describe('checkSaltPepperNoise / checkSpeckleNoise', () => {
  const saltPepper = (im: Float32Array, salt: number, pepper: number, rng: Rng) =>
    im.map((v) => {
      const u = rng.uniform();
      return u < pepper ? 0 : u > 1 - salt ? 1 : v;
    });
  const speckle = (im: Float32Array, std: number, rng: Rng) => im.map((v) => Math.min(1, Math.max(0, v + v * std * rng.normal())));
  test('pass the references', () => {
    expectPass(() => checkSaltPepperNoise(saltPepper), 'checkSaltPepperNoise');
    expectPass(() => checkSpeckleNoise(speckle), 'checkSpeckleNoise');
  });
  test('name swapped salt and pepper, and additive speckle', () => {
    expectFail(() => checkSaltPepperNoise((im, salt, pepper, rng) => saltPepper(im, pepper, salt, rng)), /swapped/);
    expectFail(() => checkSpeckleNoise((im, std, rng) => im.map((v) => Math.min(1, Math.max(0, v + std * rng.normal())))), /multiplicative/);
  });
});

describe('checkBoxFilter', () => {
  const box = (divideByNine: boolean) => (im: Float32Array, rows: number, cols: number) => {
    const out = new Float32Array(im.length);
    const p = rows * cols;
    for (let k = 0; k < im.length / p; k++) {
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          let s = 0;
          let m = 0;
          for (let dr = -1; dr <= 1; dr++)
            for (let dc = -1; dc <= 1; dc++) {
              if (r + dr < 0 || r + dr >= rows || c + dc < 0 || c + dc >= cols) continue;
              s += im[k * p + (r + dr) * cols + c + dc];
              m += 1;
            }
          out[k * p + r * cols + c] = s / (divideByNine ? 9 : m);
        }
      }
    }
    return out;
  };
  test('passes the reference', () => expectPass(() => checkBoxFilter(box(false)), 'checkBoxFilter'));
  test('names the border mistake', () => expectFail(() => checkBoxFilter(box(true)), /At the border/));
});
