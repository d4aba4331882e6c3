import * as tf from '@tensorflow/tfjs';
import {
  assertConvConstraints,
  autoencoderFromLayers,
  checkConvConstraints,
  convAutoencoder5lsl0,
  convVae,
  type ConvConstraintViolation,
} from '../src/models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Make = () => tf.layers.Layer;

const conv = (filters = 16, extra: object = {}): Make => () =>
  tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', ...extra });
const convT = (filters = 16, extra: object = {}): Make => () =>
  tf.layers.conv2dTranspose({ filters, kernelSize: 3, padding: 'same', activation: 'relu', ...extra });
const pool = (poolSize: number | [number, number] = 2, padding: 'valid' | 'same' = 'valid'): Make => () =>
  tf.layers.maxPooling2d({ poolSize, strides: poolSize, padding });
const up = (size: [number, number] = [2, 2]): Make => () => tf.layers.upSampling2d({ size });
const trim: Make = () => tf.layers.cropping2D({ cropping: [[1, 1], [1, 1]] });

/** The reference layer lists (same as convAutoencoder5lsl0), editable per test. */
function referenceEncoder(): Make[] {
  return [conv(), pool(), conv(), pool(), conv(), pool(2, 'same'), conv(1), pool([2, 4])];
}
function referenceDecoder(): Make[] {
  return [up([2, 4]), convT(), up(), convT(), up(), trim, convT(), up(), convT(1)];
}

function model(enc: Make[], dec: Make[], latent = 2, codeShape: number[] = [2, 1, 1]) {
  const x = tf.input({ shape: [784] });
  let h = tf.layers.reshape({ targetShape: [28, 28, 1] }).apply(x) as tf.SymbolicTensor;
  for (const m of enc) h = m().apply(h) as tf.SymbolicTensor;
  const code = tf.layers.reshape({ targetShape: [latent] }).apply(h) as tf.SymbolicTensor;
  const z = tf.input({ shape: [latent] });
  let g = tf.layers.reshape({ targetShape: codeShape }).apply(z) as tf.SymbolicTensor;
  for (const m of dec) g = m().apply(g) as tf.SymbolicTensor;
  const out = tf.layers.reshape({ targetShape: [784] }).apply(g) as tf.SymbolicTensor;
  return autoencoderFromLayers({
    kind: 'ae',
    name: 'student-ae',
    latentDim: latent,
    encoder: tf.model({ inputs: x, outputs: code }),
    decoder: tf.model({ inputs: z, outputs: out }),
  });
}

const rules = (v: ConvConstraintViolation[]): string[] => v.map((x) => x.rule);

test('the shipped 5LSL0 model and its hand-built twin comply', () => {
  const shipped = convAutoencoder5lsl0();
  expect(checkConvConstraints(shipped)).toEqual([]);
  expect(() => assertConvConstraints(shipped)).not.toThrow();
  const twin = model(referenceEncoder(), referenceDecoder());
  expect(checkConvConstraints(twin)).toEqual([]);
  // a separate ReLU layer instead of the conv's own activation is fine too
  const enc = referenceEncoder();
  enc.splice(0, 1, conv(16, { activation: 'linear' }), () => tf.layers.reLU());
  expect(checkConvConstraints(model(enc, referenceDecoder()))).toEqual([]);
});

test('catches a wrong filter count', () => {
  const enc = referenceEncoder();
  enc[2] = conv(32);
  const v = checkConvConstraints(model(enc, referenceDecoder()));
  expect(rules(v)).toEqual(['filters']);
  expect(v[0].network).toBe('encoder');
  expect(v[0].message).toMatch(/has 32 filters, expected 16/);
});

test('catches a missing ReLU', () => {
  const dec = referenceDecoder();
  dec[3] = convT(16, { activation: 'linear' });
  const v = checkConvConstraints(model(referenceEncoder(), dec));
  expect(rules(v)).toEqual(['relu']);
  expect(v[0].message).toMatch(/is not followed by a ReLU/);
});

test('catches a missing pool', () => {
  // conv block 2 without its pool; the shapes are kept right by pooling 4 later
  const enc = [conv(), pool(), conv(), conv(), pool(4, 'same'), conv(1), pool([2, 4])];
  const v = checkConvConstraints(model(enc, referenceDecoder()));
  expect(rules(v)).toContain('pool');
  expect(v.find((x) => x.rule === 'pool' && /not followed by a MaxPooling2D/.test(x.message))).toBeDefined();
  expect(v.find((x) => /turns 14x14 into 4x4, expected a factor 2/.test(x.message))).toBeDefined();
});

test('catches a wrong latent shape', () => {
  // last pool 2x2 gives 2x2x1: latent of 4 per image
  const enc = referenceEncoder();
  enc[7] = pool(2);
  const v = checkConvConstraints(model(enc, [up([2, 2]), ...referenceDecoder().slice(1)], 4, [2, 2, 1]));
  expect(rules(v)).toContain('latent');
  const msgs = v.map((x) => x.message).join('\n');
  expect(msgs).toMatch(/last pooling .* gives 2x2, expected 2x1/);
  expect(msgs).toMatch(/encoder outputs \[n,4\] with latentDim 4, expected \[n,2\]/);
  expect(msgs).toMatch(/decoder takes \[n,4\], expected \[n,2\]/);
});

test('catches a dense layer and a middle reshape', () => {
  const enc = referenceEncoder();
  enc.push(() => tf.layers.flatten(), () => tf.layers.dense({ units: 2 }));
  const v = checkConvConstraints(model(enc, referenceDecoder()));
  const types = v.filter((x) => x.rule === 'layer-type').map((x) => x.message);
  expect(types.some((m) => /is a Dense; the encoder may only use Conv2D/.test(m))).toBe(true);
  expect(types.some((m) => /is a Flatten/.test(m))).toBe(true);

  const dec = referenceDecoder();
  dec.splice(1, 0, () => tf.layers.reshape({ targetShape: [4, 4, 1] }));
  const v2 = checkConvConstraints(model(referenceEncoder(), dec));
  expect(rules(v2)).toContain('boundary');
});

test('catches kernel, padding, stride and upsampling factor mistakes', () => {
  const rulesOf = (enc: Make[], dec: Make[] = referenceDecoder()): string[] => rules(checkConvConstraints(model(enc, dec)));
  const withLayer = (i: number, m: Make): Make[] => {
    const enc = referenceEncoder();
    enc[i] = m;
    return enc;
  };
  const kernel = checkConvConstraints(model(withLayer(0, conv(16, { kernelSize: 5 })), referenceDecoder()));
  expect(kernel.map((x) => x.message).join('\n')).toMatch(/has kernel .*5.*, expected 3x3/);
  expect(rulesOf(withLayer(2, conv(16, { padding: 'valid' })))).toContain('padding');
  expect(rulesOf(withLayer(2, conv(16, { strides: 2 })))).toContain('stride');
  const v = checkConvConstraints(model(referenceEncoder(), [up([2, 4]), convT(), up([4, 4]), convT(), up([7, 7]), convT(1)]));
  expect(v.filter((x) => x.rule === 'upsample').map((x) => x.message)).toEqual([
    expect.stringMatching(/has size \[4,4\], expected 2/),
    expect.stringMatching(/has size \[7,7\], expected 2/),
  ]);
  const missingUp = checkConvConstraints(model(referenceEncoder(), [up([2, 4]), convT(), convT(), up([7, 7]), convT(1)]));
  expect(missingUp.some((x) => /not preceded by an UpSampling2D/.test(x.message))).toBe(true);
  expect(() => assertConvConstraints(model(withLayer(0, conv(8)), referenceDecoder()))).toThrow(
    /breaks 1 5LSL0 Exercise 1 constraint.*\n- conv .* has 8 filters, expected 16/,
  );
});

test('a conv VAE is reported, not accepted', () => {
  const v = checkConvConstraints(convVae());
  expect(v.length).toBeGreaterThan(3);
  expect(v[0].message).toMatch(/is a vae/);
  expect(v.some((x) => /stride/.test(x.rule))).toBe(true);
});
