import * as tf from '@tensorflow/tfjs';
import {
  FCN_AUTOENCODER_TRAINING,
  autoencoderForward,
  buildAutoencoder,
  conditionalVae,
  convAutoencoder5lsl0,
  convVae,
  denseAutoencoder,
  denseVae,
  encoderClassifier,
  fcnAutoencoderPreset,
  pytorchReportVae,
  type AutoencoderModel,
  type LayersAutoencoder,
} from '../src/models';
import { syntheticBatch } from './models-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Case {
  readonly label: string;
  readonly make: (seed: number) => LayersAutoencoder;
  readonly kind: 'ae' | 'vae' | 'cvae';
  readonly latentDim: number;
}

const cases: Case[] = [
  { label: 'denseAutoencoder (custom widths)', make: (seed) => denseAutoencoder({ encoderUnits: [64], latentDim: 5, seed }), kind: 'ae', latentDim: 5 },
  { label: 'fcnAutoencoderPreset', make: (seed) => fcnAutoencoderPreset({ seed }), kind: 'ae', latentDim: 48 },
  { label: 'convAutoencoder5lsl0', make: (seed) => convAutoencoder5lsl0({ seed }), kind: 'ae', latentDim: 2 },
  { label: 'denseVae', make: (seed) => denseVae({ latentDim: 3, seed }), kind: 'vae', latentDim: 3 },
  { label: 'pytorchReportVae', make: (seed) => pytorchReportVae({ hidden: 100, latentDim: 4, seed }), kind: 'vae', latentDim: 4 },
  { label: 'convVae logVar', make: (seed) => convVae({ latentDim: 2, seed }), kind: 'vae', latentDim: 2 },
  { label: 'convVae logStd', make: (seed) => convVae({ latentDim: 16, parameterization: 'logStd', seed }), kind: 'vae', latentDim: 16 },
  { label: 'conditionalVae oneHot', make: (seed) => conditionalVae({ labelMode: 'oneHot', seed }), kind: 'cvae', latentDim: 2 },
  { label: 'conditionalVae embedding', make: (seed) => conditionalVae({ labelMode: 'embedding', seed }), kind: 'cvae', latentDim: 2 },
];

function weightsOf(model: AutoencoderModel): Float32Array[] {
  return model.trainableWeights().map((v) => v.dataSync() as Float32Array);
}

/** Bytewise equality of two weight lists (fast even for 400k-element kernels). */
function sameWeights(a: Float32Array[], b: Float32Array[]): boolean {
  const bytes = (w: Float32Array): Buffer => Buffer.from(w.buffer, w.byteOffset, w.byteLength);
  return a.length === b.length && a.every((w, i) => bytes(w).equals(bytes(b[i])));
}

describe.each(cases)('$label', ({ make, kind, latentDim }) => {
  const n = 3;
  let model: LayersAutoencoder;
  let x: tf.Tensor2D;
  let labels: tf.Tensor1D;
  beforeAll(() => {
    model = make(7);
    ({ x, labels } = syntheticBatch(n));
  });
  afterAll(() => {
    model.dispose();
    tf.dispose([x, labels]);
  });

  test('meets the contract: flat encoder input, [n, latentDim] codes, flat decoder output', () => {
    expect(model.kind).toBe(kind);
    expect(model.latentDim).toBe(latentDim);
    expect(model.encoder.inputs[0].shape).toEqual([null, 784]);
    expect(model.decoder.outputs[0].shape).toEqual([null, 784]);
    const lab = kind === 'cvae' ? labels : undefined;
    const z = model.encodeMean(x, lab);
    expect(z.shape).toEqual([n, latentDim]);
    const img = model.decode(z, lab);
    expect(img.shape).toEqual([n, 784]);
    if (kind !== 'ae') {
      const out = model.encoder.predict(lab ? [x, lab] : x) as tf.Tensor[];
      expect(out.map((t) => t.shape)).toEqual([
        [n, latentDim],
        [n, latentDim],
      ]);
      tf.dispose(out);
    }
    tf.dispose([z, img]);
  });

  test('forward gives reconstruction, z and (VAE) mu / logScale of the right shapes', () => {
    const lab = kind === 'cvae' ? labels : undefined;
    const eps = tf.ones([n, latentDim]) as tf.Tensor2D;
    const out = autoencoderForward(model, x, { labels: lab, eps });
    expect(out.reconstruction.shape).toEqual([n, 784]);
    expect(out.z.shape).toEqual([n, latentDim]);
    if (kind === 'ae') {
      expect(out.mu).toBeUndefined();
    } else {
      // z = mu + sigma * 1 differs from mu
      const diff = tf.sub(out.z, out.mu as tf.Tensor).abs().sum().dataSync()[0];
      expect(diff).toBeGreaterThan(0);
      expect(out.logScale?.shape).toEqual([n, latentDim]);
    }
    tf.dispose([eps, out.reconstruction, out.z]);
    if (out.mu) tf.dispose([out.mu]);
    if (out.logScale) tf.dispose([out.logScale]);
  });

  test('same seed gives the same initial weights, another seed different ones', () => {
    const a = make(11);
    const b = make(11);
    const c = make(12);
    const wa = weightsOf(a);
    const wb = weightsOf(b);
    const wc = weightsOf(c);
    expect(wa.length).toBeGreaterThan(0);
    expect(sameWeights(wa, wb)).toBe(true);
    expect(wc.length).toBe(wa.length);
    expect(sameWeights(wa, wc)).toBe(false);
    [a, b, c].forEach((m) => m.dispose());
  });

  test('config is plain JSON and rebuilds the same model', () => {
    const config = JSON.parse(JSON.stringify(model.config));
    expect(config).toEqual(model.config);
    const rebuilt = buildAutoencoder(config);
    expect(rebuilt.name).toBe(model.name);
    expect(sameWeights(weightsOf(rebuilt), weightsOf(model))).toBe(true);
    rebuilt.dispose();
  });

  test('summary lists the layers and the parameter count', () => {
    const text = model.summary();
    expect(text).toContain(model.name);
    expect(text).toMatch(/trainable parameters/);
    expect(text).toContain('enc_');
  });
});

describe('architectures match the course documents', () => {
  const kernels = (m: tf.LayersModel): number[][] =>
    m.layers.filter((l) => l.getClassName() === 'Dense').map((l) => l.getWeights()[0].shape);

  test('FCN preset: 784-144-72-48 tanh code, 48-72-144-784 sigmoid, with its training settings', () => {
    const m = fcnAutoencoderPreset();
    expect(kernels(m.encoder)).toEqual([
      [784, 144],
      [144, 72],
      [72, 48],
    ]);
    expect(kernels(m.decoder)).toEqual([
      [48, 72],
      [72, 144],
      [144, 784],
    ]);
    const acts = [...m.encoder.layers, ...m.decoder.layers]
      .filter((l) => l.getClassName() === 'Dense')
      .map((l) => l.getConfig().activation);
    expect(acts).toEqual(['relu', 'relu', 'tanh', 'tanh', 'tanh', 'sigmoid']);
    expect(FCN_AUTOENCODER_TRAINING).toMatchObject({ loss: 'mse', learningRate: 0.0015, batchSize: 300, epochs: 12 });
    m.dispose();
  });

  test('Keras dense VAE: 784-512-256 to mu/logVar, decoder 256-512-784 sigmoid', () => {
    const m = denseVae({ latentDim: 2 });
    expect(kernels(m.encoder)).toEqual([
      [784, 512],
      [512, 256],
      [256, 2],
      [256, 2],
    ]);
    expect(kernels(m.decoder)).toEqual([
      [2, 256],
      [256, 512],
      [512, 784],
    ]);
    m.dispose();
  });

  test('PyTorch report VAE: fc1 / fc21 / fc22 / fc3 / fc4', () => {
    const m = pytorchReportVae({ hidden: 400, latentDim: 20 });
    expect(kernels(m.encoder)).toEqual([
      [784, 400],
      [400, 20],
      [400, 20],
    ]);
    expect(kernels(m.decoder)).toEqual([
      [20, 400],
      [400, 784],
    ]);
    m.dispose();
  });

  test('conv VAE: conv 32 and 64 stride 2, dense 128; decoder 7x7x64, convT 64, 32 stride 2, convT 1 sigmoid', () => {
    const m = convVae({ latentDim: 2 });
    const shapes = (mm: tf.LayersModel): string[] =>
      mm.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => `${l.name}:${(l.outputShape as number[]).slice(1).join('x')}`);
    expect(shapes(m.encoder)).toEqual([
      'enc_to_image:28x28x1',
      'enc_conv1:14x14x32',
      'enc_conv2:7x7x64',
      'enc_flatten:3136',
      'enc_dense:128',
      'enc_mu:2',
      'enc_logVar:2',
    ]);
    expect(shapes(m.decoder)).toEqual([
      'dec_dense:3136',
      'dec_to_map:7x7x64',
      'dec_convT1:14x14x64',
      'dec_convT2:28x28x32',
      'dec_output:28x28x1',
      'dec_to_flat:784',
    ]);
    expect(m.decoder.getLayer('dec_output').getConfig().activation).toBe('sigmoid');
    m.dispose();
  });

  test('5LSL0 conv AE follows the reference PyTorch spatial sizes', () => {
    const m = convAutoencoder5lsl0();
    const sizes = (mm: tf.LayersModel): string[] =>
      mm.layers
        .filter((l) => /conv|pool|up|trim/.test(l.name))
        .map((l) => `${l.name}:${(l.outputShape as number[]).slice(1).join('x')}`);
    expect(sizes(m.encoder)).toEqual([
      'enc_conv1:28x28x16',
      'enc_pool1:14x14x16',
      'enc_conv2:14x14x16',
      'enc_pool2:7x7x16',
      'enc_conv3:7x7x16',
      'enc_pool3:4x4x16',
      'enc_conv4:4x4x1',
      'enc_pool4:2x1x1',
    ]);
    expect(sizes(m.decoder)).toEqual([
      'dec_up1:4x4x1',
      'dec_convT1:4x4x16',
      'dec_up2:8x8x16',
      'dec_convT2:8x8x16',
      'dec_up3:16x16x16',
      'dec_trim3:14x14x16',
      'dec_convT3:14x14x16',
      'dec_up4:28x28x16',
      'dec_convT4:28x28x1',
    ]);
    m.dispose();
  });

  test('the ceil-mode pool equivalent keeps the last row and column of a 7x7 map', () => {
    // PyTorch MaxPool2d(2, ceil_mode=True) on 7x7: windows at 0,2,4,6, the last one 1 wide.
    const input = tf.tensor4d(Array.from({ length: 49 }, (_, i) => i), [1, 7, 7, 1]);
    const pooled = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }).apply(input) as tf.Tensor;
    expect(pooled.shape).toEqual([1, 4, 4, 1]);
    // window (row 6, cols 6) holds only element 48; window (rows 0-1, cols 6) holds 6 and 13
    const v = pooled.dataSync();
    expect(v[15]).toBe(48);
    expect(v[3]).toBe(13);
    expect(v[0]).toBe(8);
    tf.dispose([input, pooled]);
  });

  test('conditional VAE: label joins features (one-hot 10 or embedding 8) in encoder and decoder', () => {
    const oh = conditionalVae({ labelMode: 'oneHot' });
    const em = conditionalVae({ labelMode: 'embedding', embeddingDim: 8 });
    expect(oh.encoder.getLayer('enc_concat').outputShape).toEqual([null, 3136 + 10]);
    expect(oh.decoder.getLayer('dec_concat').outputShape).toEqual([null, 2 + 10]);
    expect(em.encoder.getLayer('enc_concat').outputShape).toEqual([null, 3136 + 8]);
    expect(em.decoder.getLayer('dec_concat').outputShape).toEqual([null, 2 + 8]);
    // the one-hot table is fixed; the embedding is learned
    expect(oh.trainableWeights().some((v) => v.name.includes('label'))).toBe(false);
    expect(em.trainableWeights().filter((v) => v.name.includes('label_embedding')).map((v) => v.shape)).toEqual([
      [10, 8],
      [10, 8],
    ]);
    // different labels, different reconstructions from the same z
    const z = tf.zeros([2, 2]) as tf.Tensor2D;
    const img = oh.decode(z, tf.tensor1d([1, 7], 'int32'));
    const [a, b] = tf.split(img, 2);
    expect(tf.sub(a, b).abs().sum().dataSync()[0]).toBeGreaterThan(0);
    [oh, em].forEach((m) => m.dispose());
  });
});

describe('encoderClassifier', () => {
  test('flat input, softmax over 10 classes, cross-entropy and accuracy attached', () => {
    const clf = encoderClassifier({ seed: 3 });
    const { x, labels } = syntheticBatch(4);
    const probs = clf.predict(x);
    expect(probs.shape).toEqual([4, 10]);
    const sums = probs.sum(1).dataSync();
    sums.forEach((s) => expect(s).toBeCloseTo(1, 5));
    const names = clf.model.layers.map((l) => l.getClassName());
    expect(names).toEqual(['InputLayer', 'Reshape', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense']);
    const loss = clf.loss(labels, probs).dataSync()[0];
    expect(loss).toBeGreaterThan(0);
    const acc = clf.metric(labels, probs).dataSync()[0];
    expect(acc).toBeGreaterThanOrEqual(0);
    expect(acc).toBeLessThanOrEqual(1);
    tf.dispose([x, labels, probs]);
    clf.dispose();
  });

  test('can start from a conv autoencoder: copies its three conv blocks', () => {
    const ae = convAutoencoder5lsl0({ seed: 5 });
    const clf = encoderClassifier({ seed: 9, from: ae });
    for (const name of ['enc_conv1', 'enc_conv2', 'enc_conv3']) {
      const a = ae.encoder.getLayer(name).getWeights()[0].dataSync();
      const b = clf.model.getLayer(name).getWeights()[0].dataSync();
      expect(Array.from(b)).toEqual(Array.from(a));
    }
    expect(() => encoderClassifier({ from: denseVae() })).toThrow(/convAutoencoder5lsl0/);
    ae.dispose();
    clf.dispose();
  });
});

describe('bad input gets clear errors', () => {
  test('builders reject bad configs', () => {
    expect(() => denseAutoencoder({ latentDim: 0 })).toThrow(/latentDim must be an integer >= 1/);
    expect(() => denseAutoencoder({ encoderUnits: [64, -3] })).toThrow(/encoderUnits\[1\]/);
    // @ts-expect-error deliberately wrong activation
    expect(() => denseAutoencoder({ latentActivation: 'sigmod' })).toThrow(/'sigmod' is not supported/);
    // @ts-expect-error deliberately wrong parameterisation
    expect(() => convVae({ parameterization: 'std' })).toThrow(/'logVar' or 'logStd'/);
    // @ts-expect-error deliberately wrong label mode
    expect(() => conditionalVae({ labelMode: 'onehot' })).toThrow(/labelMode/);
    expect(() => denseVae({ seed: 1.5 })).toThrow(/seed must be an integer/);
    // @ts-expect-error deliberately unknown type
    expect(() => buildAutoencoder({ type: 'gan' })).toThrow(/unknown model type 'gan'/);
  });

  test('models reject wrong shapes and missing labels', () => {
    const m = denseVae({ latentDim: 2 });
    expect(() => m.encodeMean(tf.zeros([2, 28]) as tf.Tensor2D)).toThrow(/expects flat images \[n, 784\]/);
    expect(() => m.decode(tf.zeros([2, 3]) as tf.Tensor2D)).toThrow(/latent codes \[n, 2\]/);
    const c = conditionalVae();
    expect(() => c.encodeMean(tf.zeros([2, 784]) as tf.Tensor2D)).toThrow(/conditional: pass int32 labels/);
    expect(() => c.decode(tf.zeros([2, 2]) as tf.Tensor2D, tf.tensor1d([1], 'int32'))).toThrow(/labels of shape \[2\]/);
    m.dispose();
    expect(() => m.encodeMean(tf.zeros([1, 784]) as tf.Tensor2D)).toThrow(/disposed/);
    c.dispose();
  });
});

test('encodeMean, decode and forward do not leak tensors', () => {
  const m = conditionalVae({ labelMode: 'embedding' });
  const { x, labels } = syntheticBatch(2);
  const eps = tf.zeros([2, 2]) as tf.Tensor2D;
  const before = tf.memory().numTensors;
  const z = m.encodeMean(x, labels);
  const img = m.decode(z, labels);
  const out = m.forward(x, { labels, eps });
  tf.dispose([z, img, out.reconstruction, out.z, out.mu as tf.Tensor, out.logScale as tf.Tensor]);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x, labels, eps]);
  m.dispose();
});
