import * as tf from '@tensorflow/tfjs';
import {
  CONDITIONAL_VAE_TRAINING,
  CONV_AE_5LSL0_TRAINING,
  CONV_VAE_5LSL0_TRAINING,
  DENOISING_VAE_TRAINING,
  FCN_AUTOENCODER_TRAINING,
  KERAS_DENSE_VAE_TRAINING,
  PYTORCH_REPORT_VAE_TRAINING,
  autoencoderForward,
  buildAutoencoder,
  conditionalVae,
  conditionalVaeFrom,
  convAutoencoder5lsl0,
  cropAfter,
  padBefore,
  convVae,
  denseAutoencoder,
  denseVae,
  encoderClassifier,
  fcnAutoencoderPreset,
  pytorchReportVae,
  type AutoencoderModel,
  type LayersAutoencoder,
  type ModelTrainingPreset,
} from '../src/models';
import { Rng } from '../src/rng';
import { syntheticBatch } from './models-fixtures';

/** Parameters of a dense layer (kernel + bias). */
const dense = (inputs: number, units: number): number => inputs * units + units;
/** Parameters of a k x k (transposed) convolution (kernel + bias). */
const conv = (k: number, inChannels: number, filters: number): number => k * k * inChannels * filters + filters;
/** The conv VAE's encoder trunk (conv 32 and 64 on 28x28x1) and decoder body (dense to 7x7x64, convT 64, 32, 1) around `head`. */
const convVaeParams = (encoderHeadIn: number, latent: number, decoderIn: number): number =>
  conv(3, 1, 32) +
  conv(3, 32, 64) +
  dense(encoderHeadIn, 128) +
  2 * dense(128, latent) +
  dense(decoderIn, 7 * 7 * 64) +
  conv(3, 64, 64) +
  conv(3, 64, 32) +
  conv(3, 32, 1);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Case {
  readonly label: string;
  readonly make: (seed: number) => LayersAutoencoder;
  readonly kind: 'ae' | 'vae' | 'cvae';
  readonly latentDim: number;
  /** Trainable parameters, counted by hand from the architecture. */
  readonly params: number;
}

const cases: Case[] = [
  {
    label: 'denseAutoencoder (custom widths)',
    make: (seed) => denseAutoencoder({ encoderUnits: [64], latentDim: 5, seed }),
    kind: 'ae',
    latentDim: 5,
    params: dense(784, 64) + dense(64, 5) + dense(5, 64) + dense(64, 784),
  },
  {
    label: 'fcnAutoencoderPreset',
    make: (seed) => fcnAutoencoderPreset({ seed }),
    kind: 'ae',
    latentDim: 48,
    params: dense(784, 144) + dense(144, 72) + dense(72, 48) + dense(48, 72) + dense(72, 144) + dense(144, 784), // 254,704
  },
  {
    label: 'convAutoencoder5lsl0',
    make: (seed) => convAutoencoder5lsl0({ seed }),
    kind: 'ae',
    latentDim: 2,
    // encoder convs 1->16, 16->16, 16->16, 16->1; decoder transposed convs 1->16, 16->16, 16->16, 16->1: 9,890
    params: 2 * (conv(3, 1, 16) + 2 * conv(3, 16, 16) + conv(3, 16, 1)),
  },
  {
    label: 'denseVae',
    make: (seed) => denseVae({ latentDim: 3, seed }),
    kind: 'vae',
    latentDim: 3,
    params: dense(784, 512) + dense(512, 256) + 2 * dense(256, 3) + dense(3, 256) + dense(256, 512) + dense(512, 784),
  },
  {
    label: 'pytorchReportVae',
    make: (seed) => pytorchReportVae({ hidden: 100, latentDim: 4, seed }),
    kind: 'vae',
    latentDim: 4,
    params: dense(784, 100) + 2 * dense(100, 4) + dense(4, 100) + dense(100, 784),
  },
  { label: 'convVae logVar', make: (seed) => convVae({ latentDim: 2, seed }), kind: 'vae', latentDim: 2, params: convVaeParams(3136, 2, 2) },
  {
    label: 'convVae logStd',
    make: (seed) => convVae({ latentDim: 16, parameterization: 'logStd', seed }),
    kind: 'vae',
    latentDim: 16,
    params: convVaeParams(3136, 16, 16),
  },
  {
    label: 'conditionalVae oneHot',
    make: (seed) => conditionalVae({ labelMode: 'oneHot', seed }),
    kind: 'cvae',
    latentDim: 2,
    // the one-hot table is fixed (not trainable); features + 10 into the dense layer, z + 10 into the decoder
    params: convVaeParams(3136 + 10, 2, 2 + 10),
  },
  {
    label: 'conditionalVae embedding',
    make: (seed) => conditionalVae({ labelMode: 'embedding', seed }),
    kind: 'cvae',
    latentDim: 2,
    // a learned 10 x 8 table (no bias) in each network; features + 8 and z + 8
    params: convVaeParams(3136 + 8, 2, 2 + 8) + 2 * 10 * 8,
  },
];

function weightsOf(model: AutoencoderModel): Float32Array[] {
  return model.trainableWeights().map((v) => v.dataSync() as Float32Array);
}

/** Bytewise equality of two weight lists (fast even for 400k-element kernels). */
function sameWeights(a: Float32Array[], b: Float32Array[]): boolean {
  const bytes = (w: Float32Array): Buffer => Buffer.from(w.buffer, w.byteOffset, w.byteLength);
  return a.length === b.length && a.every((w, i) => bytes(w).equals(bytes(b[i])));
}

describe.each(cases)('$label', ({ make, kind, latentDim, params }) => {
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

  test('forward: z = mu + sigma * eps for the given eps (sigma as the parameterisation says), reconstruction = decode(z)', () => {
    const lab = kind === 'cvae' ? labels : undefined;
    const epsValues = new Rng(5).normalArray(n * latentDim);
    const eps = tf.tensor2d(epsValues, [n, latentDim]);
    const out = autoencoderForward(model, x, { labels: lab, eps });
    expect(out.reconstruction.shape).toEqual([n, 784]);
    expect(out.z.shape).toEqual([n, latentDim]);
    const code = model.encodeMean(x, lab); // the encoder on its own: z of an AE, mu of a VAE
    const codeValues = code.dataSync();
    const z = out.z.dataSync();
    if (kind === 'ae') {
      expect(out.mu).toBeUndefined();
      Array.from(z).forEach((v, i) => expect(Math.abs(v - codeValues[i])).toBeLessThan(1e-6));
    } else {
      const mu = (out.mu as tf.Tensor).dataSync();
      const logScale = (out.logScale as tf.Tensor).dataSync();
      expect(out.logScale?.shape).toEqual([n, latentDim]);
      Array.from(mu).forEach((v, i) => expect(Math.abs(v - codeValues[i])).toBeLessThan(1e-5));
      for (let i = 0; i < n * latentDim; i++) {
        const sigma = model.parameterization === 'logStd' ? Math.exp(logScale[i]) : Math.exp(logScale[i] / 2);
        const expected = mu[i] + sigma * epsValues[i];
        expect(Math.abs(z[i] - expected)).toBeLessThan(1e-5 * (1 + Math.abs(expected)));
      }
      // the sample moved away from the mean (sigma > 0 and eps != 0)
      expect(Array.from(z).some((v, i) => Math.abs(v - mu[i]) > 1e-3)).toBe(true);
    }
    const decoded = model.decode(out.z, lab);
    const rec = out.reconstruction.dataSync();
    Array.from(decoded.dataSync()).forEach((v, i) => expect(Math.abs(v - rec[i])).toBeLessThan(1e-5));
    tf.dispose([eps, code, decoded, out.reconstruction, out.z]);
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

  test('summary lists the layers and the parameter count (counted by hand from the architecture)', () => {
    const text = model.summary();
    expect(model.parameterCount()).toBe(params);
    expect(text.split('\n')[0]).toBe(
      `${model.name} (${kind}, latent ${latentDim}${model.parameterization ? `, ${model.parameterization}` : ''}): ${params.toLocaleString('en-US')} trainable parameters`,
    );
    // the encoder's and decoder's tables add up to the same count
    const tables = [...text.matchAll(/Trainable params: ([\d,]+)/g)].map((m) => Number(m[1].replace(/,/g, '')));
    expect(tables).toHaveLength(2);
    expect(tables[0] + tables[1]).toBe(params);
    for (const l of [...model.encoder.layers, ...model.decoder.layers]) if (l.getClassName() !== 'InputLayer') expect(text).toContain(l.name);
  });
});

describe('architectures match the course documents', () => {
  const kernels = (m: tf.LayersModel): number[][] => m.layers.filter((l) => l.getClassName() === 'Dense').map((l) => l.getWeights()[0].shape);

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
    const acts = [...m.encoder.layers, ...m.decoder.layers].filter((l) => l.getClassName() === 'Dense').map((l) => l.getConfig().activation);
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

  test('5LSL0 conv AE: the network on 32x32 (2-pixel zero border), 32 -> 16 -> 8 -> 4 -> 2x1 and back, every resampling by 2 except the last pool and its mirror', () => {
    const m = convAutoencoder5lsl0();
    const sizes = (mm: tf.LayersModel): string[] =>
      mm.layers.filter((l) => /conv|pool|up|trim/.test(l.name)).map((l) => `${l.name}:${(l.outputShape as number[]).slice(1).join('x')}`);
    expect(sizes(m.network.encoder)).toEqual([
      'enc_conv1:32x32x16',
      'enc_pool1:16x16x16',
      'enc_conv2:16x16x16',
      'enc_pool2:8x8x16',
      'enc_conv3:8x8x16',
      'enc_pool3:4x4x16',
      'enc_conv4:4x4x1',
      'enc_pool4:2x1x1',
    ]);
    expect(sizes(m.network.decoder)).toEqual([
      'dec_up1:4x4x1',
      'dec_convT1:4x4x16',
      'dec_up2:8x8x16',
      'dec_convT2:8x8x16',
      'dec_up3:16x16x16',
      'dec_convT3:16x16x16',
      'dec_up4:32x32x16',
      'dec_convT4:32x32x1',
    ]);
    expect(m.network.border).toBe(2);
    m.dispose();
  });

  test('the data steps: a 28x28 digit enters the network with a 2-pixel zero border, and the central 28x28 of its output comes back', () => {
    const m = convAutoencoder5lsl0();
    // padBefore with an identity "network" (a reshape) shows what the encoder network receives
    const seen = tf.sequential({ layers: [tf.layers.reshape({ inputShape: [1024], targetShape: [1024] })] });
    const pad = padBefore(seen, 2, 'pad-probe');
    const digit = tf.tensor2d([Array.from({ length: 784 }, (_, i) => i + 1)]);
    const padded = (pad.predict(digit) as tf.Tensor).dataSync();
    // row r, column c of the digit lands at row r + 2, column c + 2 of the 32x32 image; the border is 0
    expect(padded[2 * 32 + 2]).toBe(1);
    expect(padded[(27 + 2) * 32 + 27 + 2]).toBe(784);
    expect(padded[0]).toBe(0);
    expect(padded[31 * 32 + 31]).toBe(0);
    expect(Array.from(padded).filter((v) => v !== 0)).toHaveLength(784);
    // cropAfter takes the central 28x28 back: pad then crop is the identity
    const crop = cropAfter(seen, 2, 'crop-probe');
    const back = (crop.predict(tf.tensor2d([Array.from(padded)])) as tf.Tensor).dataSync();
    expect(Array.from(back)).toEqual(Array.from(digit.dataSync()));
    // the model's outer networks take and give 28x28 digits
    expect(m.encoder.inputs[0].shape).toEqual([null, 784]);
    expect(m.decoder.outputs[0].shape).toEqual([null, 784]);
    tf.dispose([digit]);
    m.dispose();
  });

  test('the ceil-mode pool equivalent keeps the last row and column of a 7x7 map', () => {
    // PyTorch MaxPool2d(2, ceil_mode=True) on 7x7: windows at 0,2,4,6, the last one 1 wide.
    const input = tf.tensor4d(
      Array.from({ length: 49 }, (_, i) => i),
      [1, 7, 7, 1],
    );
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
    expect(
      em
        .trainableWeights()
        .filter((v) => v.name.includes('label_embedding'))
        .map((v) => v.shape),
    ).toEqual([
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

describe('the course presets other than the FCN: default build, layer sizes, parameter count, forward pass, settings', () => {
  interface PresetCase {
    readonly what: string;
    readonly preset: ModelTrainingPreset;
    readonly make: () => LayersAutoencoder;
    /** Output shape of every weight layer, input side first, encoder then decoder. */
    readonly sizes: string[];
    readonly params: number;
    /** What the source document says (see ../shared/seeds/README.md). */
    readonly documented: Partial<ModelTrainingPreset>;
  }
  const convVaeSizes = (latent: number, scale: 'logVar' | 'logStd', label = 0): string[] => [
    'enc_conv1:14x14x32',
    'enc_conv2:7x7x64',
    ...(label > 0 ? [`enc_concat:${3136 + label}`] : []),
    'enc_dense:128',
    `enc_mu:${latent}`,
    `enc_${scale}:${latent}`,
    ...(label > 0 ? [`dec_concat:${latent + label}`] : []),
    'dec_dense:3136',
    'dec_convT1:14x14x64',
    'dec_convT2:28x28x32',
    'dec_output:28x28x1',
  ];
  const presets: PresetCase[] = [
    {
      what: 'Keras tutorial dense VAE (000)',
      preset: KERAS_DENSE_VAE_TRAINING,
      make: () => denseVae(),
      sizes: ['enc_dense1:512', 'enc_dense2:256', 'enc_mu:2', 'enc_logVar:2', 'dec_dense1:256', 'dec_dense2:512', 'dec_output:784'],
      params: dense(784, 512) + dense(512, 256) + 2 * dense(256, 2) + dense(2, 256) + dense(256, 512) + dense(512, 784),
      documented: { loss: 'bce', batchSize: 100, epochs: 50, trainCount: 10000 },
    },
    {
      what: 'PyTorch report VAE (001)',
      preset: PYTORCH_REPORT_VAE_TRAINING,
      make: () => pytorchReportVae(),
      sizes: ['enc_dense1:400', 'enc_mu:20', 'enc_logVar:20', 'dec_dense1:400', 'dec_output:784'],
      params: dense(784, 400) + 2 * dense(400, 20) + dense(20, 400) + dense(400, 784),
      documented: { loss: 'bce', learningRate: 1e-3, batchSize: 64, epochs: 100 },
    },
    {
      what: 'Keras guide CVAE, one-hot labels (004)',
      preset: CONDITIONAL_VAE_TRAINING,
      make: () => conditionalVae({ labelMode: 'oneHot' }),
      sizes: convVaeSizes(2, 'logVar', 10),
      params: convVaeParams(3136 + 10, 2, 2 + 10),
      documented: { batchSize: 128, epochs: 10 },
    },
    {
      what: 'Keras guide CVAE, 8-d label embedding (004)',
      preset: CONDITIONAL_VAE_TRAINING,
      make: () => conditionalVae({ labelMode: 'embedding' }),
      sizes: convVaeSizes(2, 'logVar', 8),
      params: convVaeParams(3136 + 8, 2, 2 + 8) + 2 * 10 * 8,
      documented: { batchSize: 128, epochs: 10 },
    },
    {
      what: 'Keras guide denoising VAE, 16-d latent (004)',
      preset: DENOISING_VAE_TRAINING,
      make: () => convVae({ latentDim: 16 }),
      sizes: convVaeSizes(16, 'logVar'),
      params: convVaeParams(3136, 16, 16),
      documented: { batchSize: 128, epochs: 5 },
    },
    {
      what: '5LSL0 Ex. 7 conv VAE, log-std (002)',
      preset: CONV_VAE_5LSL0_TRAINING,
      make: () => convVae({ parameterization: 'logStd' }),
      sizes: convVaeSizes(2, 'logStd'),
      params: convVaeParams(3136, 2, 2),
      documented: {},
    },
    {
      what: '5LSL0 Ex. 1 conv AE (002)',
      preset: CONV_AE_5LSL0_TRAINING,
      make: () => convAutoencoder5lsl0(),
      sizes: [
        'enc_conv1:32x32x16',
        'enc_conv2:16x16x16',
        'enc_conv3:8x8x16',
        'enc_conv4:4x4x1',
        'dec_convT1:4x4x16',
        'dec_convT2:8x8x16',
        'dec_convT3:16x16x16',
        'dec_convT4:32x32x1',
      ],
      params: 2 * (conv(3, 1, 16) + 2 * conv(3, 16, 16) + conv(3, 16, 1)),
      documented: { loss: 'mse' },
    },
  ];

  test.each(presets)('$what', ({ preset, make, sizes, params, documented }) => {
    const m = make();
    const nets = (m as { network?: { encoder: tf.LayersModel; decoder: tf.LayersModel } }).network ?? m;
    const weighted = [...nets.encoder.layers, ...nets.decoder.layers]
      .filter((l) => l.countParams() > 0 || l.getClassName() === 'Concatenate')
      .filter((l) => !l.name.includes('label'))
      .map((l) => `${l.name}:${(l.outputShape as number[]).slice(1).join('x')}`);
    expect(weighted).toEqual(sizes);
    expect(m.parameterCount()).toBe(params);
    // a forward pass of the right shape, images in [0, 1] (sigmoid) or >= 0 (the ReLU output of Ex. 1)
    const n = 3;
    const { x, labels } = syntheticBatch(n);
    const eps = tf.tensor2d(new Rng(2).normalArray(n * m.latentDim), [n, m.latentDim]);
    const out = m.forward(x, { labels: m.kind === 'cvae' ? labels : undefined, eps });
    expect(out.reconstruction.shape).toEqual([n, 784]);
    expect(out.z.shape).toEqual([n, m.latentDim]);
    const pixels = out.reconstruction.dataSync();
    expect(pixels.every((v) => v >= 0 && (m.kind === 'ae' || v <= 1))).toBe(true);
    tf.dispose([x, labels, eps, out.reconstruction, out.z, ...(out.mu ? [out.mu] : []), ...(out.logScale ? [out.logScale] : [])]);
    // training settings: Adam, the document's numbers, a KL weight exactly for the VAEs
    expect(preset).toMatchObject({ optimizer: 'adam', ...documented });
    expect(preset.beta !== undefined).toBe(m.kind !== 'ae');
    m.dispose();
  });

  test('5LSL0 Ex. 7 asks for at least 30 epochs', () => {
    expect(CONV_VAE_5LSL0_TRAINING.epochs).toBeGreaterThanOrEqual(30);
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
    // the encoder network's layers up to its last conv (32 -> 16 -> 8 -> 4), then the dense head on 4 x 4 x 16 features
    expect(clf.network.layers.map((l) => l.getClassName())).toEqual([
      'InputLayer',
      'Reshape',
      'Conv2D',
      'MaxPooling2D',
      'Conv2D',
      'MaxPooling2D',
      'Conv2D',
      'MaxPooling2D',
      'Flatten',
      'Dense',
    ]);
    // and the zero border before it, so the classifier takes flat 28x28 digits
    expect(names.slice(0, 4)).toEqual(['InputLayer', 'Reshape', 'ZeroPadding2D', 'Reshape']);
    expect(clf.model.inputs[0].shape).toEqual([null, 784]);
    expect(clf.network.getLayer('cls_softmax').getWeights()[0].shape).toEqual([4 * 4 * 16, 10]);
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
      const a = ae.network.encoder.getLayer(name).getWeights()[0].dataSync();
      const b = clf.network.getLayer(name).getWeights()[0].dataSync();
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

  test('conditionalVaeFrom names a conditioning that is not a function, returns no layer output, the wrong width, or ignores the labels', () => {
    type Sym = tf.SymbolicTensor;
    // @ts-expect-error deliberately not a function
    expect(() => conditionalVaeFrom('oneHot')).toThrow(/expected your conditioning function/);
    expect(() => conditionalVaeFrom(() => tf.zeros([1, 3]) as unknown as Sym)).toThrow(/concrete tf.Tensor in the encoder/);
    // the label vector alone: 10 wide instead of 3136 + 10
    const labelOnly = (_f: Sym, labels: Sym) => tf.layers.flatten().apply(tf.layers.embedding({ inputDim: 10, outputDim: 10 }).apply(labels)) as Sym;
    expect(() => conditionalVaeFrom(labelOnly)).toThrow(/in the encoder the conditioning returned shape \[null, 10\], expected \[null, 3146\]/);
    // the right width, but from the features alone
    const noLabel = (features: Sym) => tf.layers.concatenate().apply([features, tf.layers.dense({ units: 10 }).apply(features) as Sym]) as Sym;
    expect(() => conditionalVaeFrom(noLabel)).toThrow(/in the encoder the conditioning's output does not depend on the labels/);
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
