/**
 * Training a VAE with user functions (options `reparameterize` and `vaeLoss` of `train`): the
 * library's own functions passed as user functions reproduce the default path bit for bit; a
 * different function changes the result and the cache key; bad returns fail with the option named.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { subsetDataset } from '../src/data';
import { klDivergence, sseLoss, vaeLoss } from '../src/losses';
import { denseAutoencoder, denseVae, reparameterize } from '../src/models';
import type { AutoencoderModel } from '../src/models';
import { Rng } from '../src/rng';
import { train, trainingCacheKey } from '../src/training';
import type { ReparameterizeFn, TrainOptions, VaeLossFn } from '../src/training';
import { smallMnist } from './training-fixtures';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', announce: false });
});

const build = (): AutoencoderModel => denseVae({ hidden: [16], latentDim: 2, parameterization: 'logStd', seed: 4 });
const base = (): TrainOptions => ({
  data: subsetDataset(smallMnist().train, 128, new Rng(1)),
  validationData: subsetDataset(smallMnist().test, 64, new Rng(2)),
  epochs: 2,
  batchSize: 32,
  seed: 5,
  loss: 'sse',
  beta: 0.7,
  klWarmupEpochs: 2, // beta 0 then 0.35: the user loss must receive the epoch's beta
  verbose: 0,
});

/** The library's functions in the user-function shapes (log std, summed squared error). */
const libraryReparameterize: ReparameterizeFn = (mu, logStd, eps) => reparameterize(mu, logStd, 'logStd', eps);
const libraryLoss: VaeLossFn = (target, pred, mu, logStd, beta) =>
  vaeLoss({ target, pred, mu, logScale: logStd, parameterization: 'logStd', beta, reconstruction: 'sse' }).total;

async function run(options: TrainOptions): Promise<{ history: unknown; weights: number[] }> {
  const model = build();
  try {
    const history = await train(model, options);
    const weights = model.trainableWeights().flatMap((w) => Array.from(w.dataSync()));
    return { history: history.epochs.map(({ seconds: _s, imagesPerSecond: _i, ...m }) => m), weights };
  } finally {
    model.dispose();
  }
}

describe('train with user VAE functions', () => {
  test("the library's own functions given as options give the default path's history and weights bit for bit", async () => {
    const plain = await run(base());
    const user = await run({ ...base(), reparameterize: libraryReparameterize, vaeLoss: libraryLoss });
    expect(user.history).toEqual(plain.history);
    expect(user.weights).toEqual(plain.weights);
  });

  test('a wrong reparameterisation or a wrong loss changes the result', async () => {
    const plain = await run(base());
    // the log-variance formula used on a log std: sigma = exp(logStd / 2)
    const wrongSample: ReparameterizeFn = (mu, logStd, eps) => tf.add(mu, tf.mul(tf.exp(tf.mul(logStd, 0.5)), eps)) as tf.Tensor2D;
    const a = await run({ ...base(), reparameterize: wrongSample });
    expect(a.weights).not.toEqual(plain.weights);
    // the KL left out: the loss is the reconstruction term only
    const noKl: VaeLossFn = (target, pred) => sseLoss(target, pred);
    const b = await run({ ...base(), vaeLoss: noKl });
    expect(b.weights).not.toEqual(plain.weights);
    // the history's loss is the user's value (no KL), its kl still the library's measure of the batch
    const hist = b.history as { loss: number; reconstruction: number; kl: number }[];
    hist.forEach((m) => expect(m.loss).toBeCloseTo(m.reconstruction, 3));
    expect(hist[0].kl).toBeGreaterThan(0);
  });

  test('bad returns fail with a clear error naming the option', async () => {
    const cases: [Partial<TrainOptions>, RegExp][] = [
      [
        { reparameterize: ((mu: tf.Tensor2D) => tf.sum(mu, 1)) as unknown as ReparameterizeFn },
        /`reparameterize` option returned a tensor of shape \[32\]; expected \[32,2\]/,
      ],
      [{ reparameterize: (() => 0) as unknown as ReparameterizeFn }, /`reparameterize` option returned the plain number 0/],
      [
        { reparameterize: (mu, logStd, eps) => tf.add(mu, tf.mul(tf.log(tf.sub(logStd, 1e9)), eps)) as tf.Tensor2D },
        /`reparameterize` option returned NaN or infinite/,
      ],
      [
        { vaeLoss: ((t: tf.Tensor2D, p: tf.Tensor2D) => tf.sum(tf.square(tf.sub(t, p)), 1)) as unknown as VaeLossFn },
        /`vaeLoss` option returned a tensor of shape \[32\]; it must return a scalar/,
      ],
      [{ vaeLoss: (() => 1.5) as unknown as VaeLossFn }, /`vaeLoss` option returned the plain number 1.5/],
      [{ vaeLoss: (t, p) => tf.div(sseLoss(t, p), 0) as tf.Scalar }, /`vaeLoss` option returned Infinity on the first batch/],
      [
        { vaeLoss: (t, p, mu, ls) => tf.log(tf.sub(klDivergence(mu, ls, 'logStd'), 1e9)) as tf.Scalar },
        /`vaeLoss` option returned NaN on the first batch/,
      ],
      [{ vaeLoss: 'sse' as unknown as VaeLossFn }, /option `vaeLoss` must be a function/],
    ];
    for (const [extra, message] of cases) {
      const model = build();
      await expect(train(model, { ...base(), ...extra })).rejects.toThrow(message);
      model.dispose();
    }
    const ae = denseAutoencoder({ encoderUnits: [8], decoderUnits: [8], latentDim: 2, seed: 0 });
    await expect(train(ae, { ...base(), loss: 'mse', reparameterize: libraryReparameterize })).rejects.toThrow(
      /option `reparameterize` is for VAEs; this model is a ae/,
    );
    ae.dispose();
  });

  test('the cache key follows the functions: source text, and behaviour through the helpers they call', () => {
    const model = build();
    const key = (o: Partial<TrainOptions>): string => trainingCacheKey(model, { ...base(), ...o });
    const plain = key({});
    const withLoss = key({ vaeLoss: libraryLoss });
    expect(withLoss).not.toBe(plain);
    expect(key({ vaeLoss: libraryLoss })).toBe(withLoss);
    // same behaviour, other source text: another key
    const sameButWritten: VaeLossFn = (t, p, m, l, b) =>
      vaeLoss({ target: t, pred: p, mu: m, logScale: l, parameterization: 'logStd', beta: b, reconstruction: 'sse' }).total;
    expect(key({ vaeLoss: sameButWritten })).not.toBe(withLoss);
    // the same source text calling a different helper: another key (the probe values differ)
    let helper: (mu: tf.Tensor2D, l: tf.Tensor2D) => tf.Scalar = (mu, l) => klDivergence(mu, l, 'logStd');
    const viaHelper: VaeLossFn = (t, p, mu, l, beta) => tf.add(sseLoss(t, p), tf.mul(helper(mu, l), beta)) as tf.Scalar;
    const k1 = key({ vaeLoss: viaHelper });
    helper = (mu, l) => klDivergence(mu, l, 'logVar');
    expect(key({ vaeLoss: viaHelper })).not.toBe(k1);
    expect(key({ reparameterize: libraryReparameterize })).not.toBe(plain);
    model.dispose();
  });
});
