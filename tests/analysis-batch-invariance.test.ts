/**
 * The evaluation paths give every image the same result whatever the batch it is computed in, on the
 * wasm backend with vaelab's kernels (the backend the course runs on): encoding, decoding,
 * reconstruction and its errors, and MAP denoising, for the course's dense, conv and 5LSL0 models.
 *
 * Equality is exact: vaelab's products and convolutions compute each output element with the same
 * code and the same order of additions whatever the number of rows or images around it (rows of a
 * product, images of a convolution are independent), and MAP's batch objective is a sum of
 * per-image objectives, so each image's gradient, and Adam's element-wise step, are its own.
 */
import { initBackend } from '../src/backend';
import { encodeDataset, mapDenoise, reconstructDataset, reconstructionErrors } from '../src/analysis';
import { decodeFlat } from '../src/models/model-io';
import { conv5lsl0Vae, convAutoencoder5lsl0, convVae, denseVae, type AutoencoderModel } from '../src/models';
import { Rng } from '../src/rng';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
});

const COUNT = 23; // not a multiple of the products' 4-row blocks
const images = new Rng(11).uniformArray(COUNT * 784);

const builders: Array<[string, () => AutoencoderModel]> = [
  ['dense VAE (07)', () => denseVae({ latentDim: 2, hidden: [512, 256], seed: 1 })],
  ['conv VAE (12)', () => convVae({ latentDim: 2, seed: 1 })],
  ['5LSL0 conv AE (01)', () => convAutoencoder5lsl0({ seed: 1 })],
  ['5LSL0 conv VAE (07, 13)', () => conv5lsl0Vae({ latentDim: 16, seed: 1 })],
];

const same = (a: Float32Array, b: Float32Array): void => {
  expect(a.length).toBe(b.length);
  let differing = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) differing++;
  expect(differing).toBe(0);
};

describe.each(builders)('%s', (_name, build) => {
  let model: AutoencoderModel;
  beforeAll(() => {
    model = build();
  });
  afterAll(() => model.dispose());

  test('encodeDataset: batches of 1 and 5 give the codes of one batch of all', () => {
    const whole = encodeDataset(model, images, { batchSize: COUNT });
    same(encodeDataset(model, images, { batchSize: 1 }).codes, whole.codes);
    same(encodeDataset(model, images, { batchSize: 5 }).codes, whole.codes);
    // and the default batch
    same(encodeDataset(model, images).codes, whole.codes);
  });

  test("encodeDataset mode 'sample' (VAEs): each image gets the same draw whatever the batch", () => {
    if (model.kind === 'ae') return; // no spread to sample from
    const sample = (batchSize: number): Float32Array => encodeDataset(model, images, { mode: 'sample', rng: new Rng(5), batchSize }).codes;
    const whole = sample(COUNT);
    same(sample(1), whole);
    same(sample(7), whole);
    // the draws are not the means
    const mu = encodeDataset(model, images, { batchSize: COUNT }).codes;
    expect(whole.some((v, i) => v !== mu[i])).toBe(true);
  });

  test('decoding: batches of 1 and 6 give the images of one batch of all', () => {
    const z = new Rng(12).normalArray(COUNT * model.latentDim);
    const whole = decodeFlat(model, z, COUNT, undefined, COUNT);
    same(decodeFlat(model, z, COUNT, undefined, 1), whole);
    same(decodeFlat(model, z, COUNT, undefined, 6), whole);
  });

  test('reconstructDataset and reconstructionErrors: batch 1 and 4 equal one batch of all', () => {
    const whole = reconstructDataset(model, images, { batchSize: COUNT });
    same(reconstructDataset(model, images, { batchSize: 1 }), whole);
    same(reconstructDataset(model, images, { batchSize: 4 }), whole);
    same(reconstructionErrors(model, images, { batchSize: 3 }), reconstructionErrors(model, images, { batchSize: COUNT }));
  });

  test('mapDenoise: each image alone ends where it ends in one batch of all', () => {
    const noisy = images.subarray(0, 9 * 784);
    const opts = { iterations: 4, learningRate: 0.05, beta: 0.5, init: 'encoderMean' as const };
    const whole = mapDenoise(model, noisy, { ...opts, batchSize: 9 });
    const alone = mapDenoise(model, noisy, { ...opts, batchSize: 1 });
    const pairs = mapDenoise(model, noisy, { ...opts, batchSize: 2 });
    same(alone.z, whole.z);
    same(alone.estimates, whole.estimates);
    same(alone.finalLossPerImage, whole.finalLossPerImage);
    same(pairs.z, whole.z);
    // the optimisation moved the codes (the test compares real steps, not the start)
    const start = encodeDataset(model, noisy).codes;
    let moved = 0;
    for (let i = 0; i < start.length; i++) moved = Math.max(moved, Math.abs(start[i] - whole.z[i]));
    expect(moved).toBeGreaterThan(1e-3);
  });
});
