import * as tf from '@tensorflow/tfjs';
import {
  CONV_VAE_5LSL0_TRAINING,
  autoencoderFromLayers,
  buildAutoencoder,
  checkConvVaeConstraints,
  conv5lsl0Vae,
  convAutoencoder5lsl0,
  denseVae,
  type ConvVaeConstraintViolation,
} from '../src/models';
import { Rng } from '../src/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const classes = (m: tf.LayersModel): string[] => m.layers.map((l) => l.getClassName());
const rules = (v: ConvVaeConstraintViolation[]): string[] => v.map((x) => x.rule);

function images(n: number, seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  return tf.tensor2d(
    Float32Array.from({ length: n * 784 }, () => rng.uniform()),
    [n, 784],
  );
}

describe('conv5lsl0Vae (5LSL0 Exercise 7 on the networks of Exercise 1)', () => {
  test('layer types and order: Exercise 1 trunk then linear heads; one linear layer then Exercise 1 decoder', () => {
    const m = conv5lsl0Vae({ seed: 0 });
    expect(classes(m.network.encoder)).toEqual([
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
      'Dense',
    ]);
    expect(classes(m.network.decoder)).toEqual([
      'InputLayer',
      'Dense',
      'Reshape',
      'Conv2DTranspose',
      'UpSampling2D',
      'Conv2DTranspose',
      'UpSampling2D',
      'Conv2DTranspose',
      'UpSampling2D',
      'Conv2DTranspose',
      'Reshape',
    ]);
    // the convolutions are Exercise 1's: 3x3, stride 1, 'same', 16 filters (1 for the image), ReLU
    const exercise1 = convAutoencoder5lsl0({ seed: 0 });
    const convConfigs = (ms: tf.LayersModel): unknown[] =>
      ms.layers
        .filter((l) => ['Conv2D', 'Conv2DTranspose'].includes(l.getClassName()))
        .map((l) => {
          const c = l.getConfig();
          return [l.getClassName(), c.filters, c.kernelSize, c.strides, c.padding, c.activation];
        });
    expect(convConfigs(m.network.encoder)).toEqual(convConfigs(exercise1.network.encoder).slice(0, 3));
    expect(convConfigs(m.network.decoder)).toEqual(convConfigs(exercise1.network.decoder));
    m.dispose();
    exercise1.dispose();
  });

  test.each([2, 16])('latent %i: shapes of mu, logStd, the decoder and the 32x32 networks', (latentDim) => {
    const m = conv5lsl0Vae({ latentDim, seed: 1 });
    expect(m.kind).toBe('vae');
    expect(m.latentDim).toBe(latentDim);
    expect(m.parameterization).toBe('logStd');
    expect(m.network.border).toBe(2);
    expect(m.network.encoder.inputs[0].shape).toEqual([null, 32 * 32]);
    expect(m.network.encoder.outputs.map((t) => t.shape)).toEqual([
      [null, latentDim],
      [null, latentDim],
    ]);
    expect(m.network.decoder.outputs[0].shape).toEqual([null, 32 * 32]);
    // the trunk ends at 4x4x16 = 256 values, the decoder's linear layer gives them back
    const flat = m.network.encoder.layers.find((l) => l.getClassName() === 'Flatten');
    expect(flat?.outputShape).toEqual([null, 256]);
    const x = images(3, 5);
    const [mu, logStd] = m.encoder.predict(x) as tf.Tensor[];
    expect(mu.shape).toEqual([3, latentDim]);
    expect(logStd.shape).toEqual([3, latentDim]);
    const out = m.decoder.predict(mu) as tf.Tensor;
    expect(out.shape).toEqual([3, 784]);
    expect(checkConvVaeConstraints(m)).toEqual([]);
    tf.dispose([x, mu, logStd, out]);
    m.dispose();
  });

  test('the encoder pads with zeros before its network and the decoder crops the centre after it', () => {
    const m = conv5lsl0Vae({ seed: 2 });
    const x = images(2, 9);
    const padded = tf.tidy(() =>
      x
        .reshape([2, 28, 28, 1])
        .pad([
          [0, 0],
          [2, 2],
          [2, 2],
          [0, 0],
        ])
        .reshape([2, 1024]),
    );
    const direct = m.network.encoder.predict(padded) as tf.Tensor[];
    const wrapped = m.encoder.predict(x) as tf.Tensor[];
    expect(Array.from(wrapped[0].dataSync())).toEqual(Array.from(direct[0].dataSync()));
    expect(Array.from(wrapped[1].dataSync())).toEqual(Array.from(direct[1].dataSync()));
    const z = tf.tensor2d([0.3, -1, 2, 0.5], [2, 2]);
    const full = m.network.decoder.predict(z) as tf.Tensor;
    const centre = tf.tidy(() => full.reshape([2, 32, 32, 1]).slice([0, 2, 2, 0], [2, 28, 28, 1]).reshape([2, 784]));
    const out = m.decoder.predict(z) as tf.Tensor;
    expect(Array.from(out.dataSync())).toEqual(Array.from(centre.dataSync()));
    tf.dispose([x, padded, ...direct, ...wrapped, z, full, centre, out]);
    m.dispose();
  });

  test('seeded: the same seed gives the same weights, another seed others; buildAutoencoder(config) rebuilds it', () => {
    const weights = (m: { encoder: tf.LayersModel; decoder: tf.LayersModel }): number[] =>
      [...m.encoder.getWeights(), ...m.decoder.getWeights()].flatMap((w) => Array.from(w.dataSync()));
    const a = conv5lsl0Vae({ seed: 3, latentDim: 16 });
    const b = conv5lsl0Vae({ seed: 3, latentDim: 16 });
    const c = conv5lsl0Vae({ seed: 4, latentDim: 16 });
    expect(a.config).toEqual({ type: 'conv5lsl0Vae', name: 'conv-vae-5lsl0', latentDim: 16, seed: 3 });
    const rebuilt = buildAutoencoder(a.config!);
    expect(weights(b)).toEqual(weights(a));
    expect(weights(rebuilt)).toEqual(weights(a));
    expect(weights(c)).not.toEqual(weights(a));
    [a, b, c, rebuilt].forEach((m) => m.dispose());
  });

  test('bad options are refused with the option named', () => {
    expect(() => conv5lsl0Vae({ latentDim: 0 })).toThrow(/latentDim/);
    expect(() => conv5lsl0Vae({ latentDim: 2.5 })).toThrow(/latentDim/);
    expect(() => conv5lsl0Vae({ seed: 0.5 })).toThrow(/seed/);
  });

  test('its training preset follows the assignment: at least 30 epochs, summed squared error + beta KL', () => {
    expect(CONV_VAE_5LSL0_TRAINING.epochs).toBeGreaterThanOrEqual(30);
    expect(CONV_VAE_5LSL0_TRAINING.loss).toBe('sse');
    expect(CONV_VAE_5LSL0_TRAINING.beta).toBe(1);
    expect(CONV_VAE_5LSL0_TRAINING.source).toMatch(/Ex\. 7/);
  });
});

describe('checkConvVaeConstraints (5LSL0 Exercise 7 rules)', () => {
  /** A VAE from hand-made layers: encoder layers after the 28x28x1 reshape, then two dense heads; decoder layers from z. */
  function vae(enc: (h: tf.SymbolicTensor) => tf.SymbolicTensor, dec: (z: tf.SymbolicTensor) => tf.SymbolicTensor, latent = 2) {
    const x = tf.input({ shape: [784] });
    const h = enc(tf.layers.reshape({ targetShape: [28, 28, 1] }).apply(x) as tf.SymbolicTensor);
    const mu = tf.layers.dense({ units: latent }).apply(h) as tf.SymbolicTensor;
    const ls = tf.layers.dense({ units: latent }).apply(h) as tf.SymbolicTensor;
    const z = tf.input({ shape: [latent] });
    const out = tf.layers.reshape({ targetShape: [784] }).apply(dec(z)) as tf.SymbolicTensor;
    return autoencoderFromLayers({
      kind: 'vae',
      name: 'student-vae',
      latentDim: latent,
      parameterization: 'logStd',
      encoder: tf.model({ inputs: x, outputs: [mu, ls] }),
      decoder: tf.model({ inputs: z, outputs: out }),
    });
  }
  const convEnc = (h: tf.SymbolicTensor): tf.SymbolicTensor => {
    const c = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(h) as tf.SymbolicTensor;
    return tf.layers.flatten().apply(c) as tf.SymbolicTensor;
  };
  const convDec = (z: tf.SymbolicTensor): tf.SymbolicTensor => {
    let g = tf.layers.dense({ units: 14 * 14 * 4, activation: 'relu' }).apply(z) as tf.SymbolicTensor;
    g = tf.layers.reshape({ targetShape: [14, 14, 4] }).apply(g) as tf.SymbolicTensor;
    return tf.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same' }).apply(g) as tf.SymbolicTensor;
  };

  test('a conv VAE with linear layers only at the ends complies', () => {
    expect(checkConvVaeConstraints(vae(convEnc, convDec))).toEqual([]);
  });

  test('a linear layer in the middle of the encoder is caught', () => {
    const middle = (h: tf.SymbolicTensor): tf.SymbolicTensor => {
      let g = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
      g = tf.layers.dense({ units: 28 * 28 }).apply(g) as tf.SymbolicTensor;
      g = tf.layers.reshape({ targetShape: [28, 28, 1] }).apply(g) as tf.SymbolicTensor;
      return convEnc(g);
    };
    const v = checkConvVaeConstraints(vae(middle, convDec));
    expect(rules(v)).toContain('linear-position');
    expect(v.filter((x) => x.rule === 'linear-position').every((x) => x.network === 'encoder')).toBe(true);
    expect(v.find((x) => x.rule === 'linear-position')?.message).toMatch(/only at the end of the encoder/);
  });

  test('a second linear layer in the decoder is caught', () => {
    const twoDense = (z: tf.SymbolicTensor): tf.SymbolicTensor =>
      convDec(tf.layers.dense({ units: 8, activation: 'relu' }).apply(z) as tf.SymbolicTensor);
    const v = checkConvVaeConstraints(vae(convEnc, twoDense));
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ network: 'decoder', rule: 'linear-position' });
  });

  test('a dense (not convolutional) VAE and a deterministic autoencoder are caught', () => {
    const dense = denseVae({ latentDim: 2, hidden: [16], seed: 0 });
    const v = checkConvVaeConstraints(dense);
    expect(rules(v)).toEqual(expect.arrayContaining(['convolutional', 'linear-position']));
    expect(
      v
        .filter((x) => x.rule === 'convolutional')
        .map((x) => x.network)
        .sort(),
    ).toEqual(['decoder', 'encoder']);
    dense.dispose();
    const ae = convAutoencoder5lsl0({ seed: 0 });
    const va = checkConvVaeConstraints(ae);
    expect(rules(va)).toEqual(expect.arrayContaining(['kind', 'latent']));
    ae.dispose();
  });

  test('a layer that is not a convolutional building block is caught', () => {
    const withDropout = (h: tf.SymbolicTensor): tf.SymbolicTensor => convEnc(tf.layers.dropout({ rate: 0.1 }).apply(h) as tf.SymbolicTensor);
    const v = checkConvVaeConstraints(vae(withDropout, convDec));
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ network: 'encoder', rule: 'layer-type' });
    expect(v[0].message).toMatch(/Dropout/);
  });
});
