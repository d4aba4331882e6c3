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

const conv =
  (filters = 16, extra: object = {}): Make =>
  () =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', ...extra });
const convT =
  (filters = 16, extra: object = {}): Make =>
  () =>
    tf.layers.conv2dTranspose({ filters, kernelSize: 3, padding: 'same', activation: 'relu', ...extra });
const pool =
  (poolSize: number | [number, number] = 2, padding: 'valid' | 'same' = 'valid'): Make =>
  () =>
    tf.layers.maxPooling2d({ poolSize, strides: poolSize, padding });
const up =
  (size: [number, number] = [2, 2]): Make =>
  () =>
    tf.layers.upSampling2d({ size });
const trim: Make = () =>
  tf.layers.cropping2D({
    cropping: [
      [1, 1],
      [1, 1],
    ],
  });

/**
 * The reference layer lists (the same network as convAutoencoder5lsl0), editable per test:
 * encoder 28 -conv,pool-> 14 -conv,pool-> 7 -conv(1),pool(4x7)-> 2x1;
 * decoder 2x1 -up(3.5x7)-> 7x7 -convT,up-> 14 -convT,up-> 28 -convT(1)-> 28x28x1.
 */
function referenceEncoder(): Make[] {
  return [conv(), pool(), conv(), pool(), conv(1), pool([4, 7], 'same')];
}
function referenceDecoder(): Make[] {
  return [up([3.5, 7]), convT(), up(), convT(), up(), convT(1)];
}
/** The layers of the library's model before issue 13: 28 -> 14 -> 7 -> 4 (ceil pool) -> 2x1; decoder 16x16 cropped to 14x14. */
function croppedEncoder(): Make[] {
  return [conv(), pool(), conv(), pool(), conv(), pool(2, 'same'), conv(1), pool([2, 4])];
}
function croppedDecoder(): Make[] {
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
  // conv block 2 without its pool; an extra conv block keeps the shapes right
  const enc = [conv(), pool(), conv(), conv(), pool(), conv(1), pool([4, 7], 'same')];
  const v = checkConvConstraints(model(enc, referenceDecoder()));
  expect(rules(v)).toEqual(['pool']);
  expect(v[0].message).toMatch(
    /conv '.*' is not followed by a MaxPooling2D \(found Conv2D .*\); every conv \(\+ ReLU\) must be followed by a pooling that halves the size/,
  );
});

test('catches a wrong latent shape', () => {
  // last pool 2x2 gives 2x2x1: latent of 4 per image
  const enc = referenceEncoder();
  enc[5] = pool([4, 4], 'same');
  const v = checkConvConstraints(model(enc, [up([3.5, 3.5]), ...referenceDecoder().slice(1)], 4, [2, 2, 1]));
  expect(rules(v)).toContain('latent');
  const msgs = v.map((x) => x.message).join('\n');
  expect(msgs).toMatch(/last pooling .* gives 2x2, expected 2x1/);
  expect(msgs).toMatch(/encoder outputs \[n,4\] with latentDim 4, expected \[n,2\]/);
  expect(msgs).toMatch(/decoder takes \[n,4\], expected \[n,2\]/);
});

test('catches a dense layer and a middle reshape', () => {
  const enc = referenceEncoder();
  enc.push(
    () => tf.layers.flatten(),
    () => tf.layers.dense({ units: 2 }),
  );
  const v = checkConvConstraints(model(enc, referenceDecoder()));
  const types = v.filter((x) => x.rule === 'layer-type').map((x) => x.message);
  expect(types.some((m) => /is a Dense; the encoder may only use Conv2D/.test(m))).toBe(true);
  expect(types.some((m) => /is a Flatten/.test(m))).toBe(true);

  const dec = referenceDecoder();
  dec.splice(1, 0, () => tf.layers.reshape({ targetShape: [7, 7, 1] }));
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
  const v = checkConvConstraints(model(referenceEncoder(), [up([3.5, 7]), convT(), up([4, 4]), convT(1)]));
  expect(v.map((x) => x.rule)).toEqual(['upsample']);
  expect(v[0].message).toMatch(
    /upsampling '.*' turns 7x7 into 28x28; every upsampling but the first must double the size exactly \(factor 2\), expected 14x14/,
  );
  const missingUp = checkConvConstraints(model(referenceEncoder(), [up([3.5, 7]), convT(), convT(), up([4, 4]), convT(1)]));
  expect(missingUp.some((x) => /transposed conv '.*' is not followed by an UpSampling2D \(found Conv2DTranspose .*\)/.test(x.message))).toBe(true);
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

describe('activation layers and layers in the wrong network (Ex. 1 allows Conv2D / transposed conv, MaxPool2d, Upsampling, ReLU)', () => {
  const linearConv = (): Make => conv(16, { activation: 'linear' });
  const linearConvT = (): Make => convT(16, { activation: 'linear' });

  test("Activation('relu') after a linear convolution is a ReLU: allowed in encoder and decoder", () => {
    const enc = referenceEncoder();
    enc.splice(2, 1, linearConv(), () => tf.layers.activation({ activation: 'relu' }));
    const dec = referenceDecoder();
    dec.splice(1, 1, linearConvT(), () => tf.layers.activation({ activation: 'relu' }));
    expect(checkConvConstraints(model(enc, dec))).toEqual([]);
  });

  test("Activation('sigmoid') is rejected: after a linear conv, and after the decoder's last ReLU conv", () => {
    const enc = referenceEncoder();
    enc.splice(2, 1, linearConv(), () => tf.layers.activation({ activation: 'sigmoid', name: 'enc_sig' }));
    const v = checkConvConstraints(model(enc, referenceDecoder()));
    expect(v.find((x) => x.rule === 'layer-type' && x.layer === 'enc_sig')?.message).toMatch(
      /is a Activation\('sigmoid'\); the encoder may only use/,
    );
    expect(v.some((x) => x.rule === 'relu')).toBe(true); // and the conv has no ReLU

    // a sigmoid on the decoder's output (the usual VAE habit) is not allowed in Ex. 1 either
    const dec = [...referenceDecoder(), () => tf.layers.activation({ activation: 'sigmoid', name: 'dec_sig' })];
    const v2 = checkConvConstraints(model(referenceEncoder(), dec));
    expect(v2.map((x) => [x.rule, x.layer])).toEqual([['layer-type', 'dec_sig']]);
  });

  test('a ReLU with maxValue (clipped, like ReLU6) is not the plain ReLU the exercise asks for: rejected where it stands', () => {
    // right after a linear conv: the conv has no ReLU, and the clipped ReLU layer is named as the culprit
    const enc = referenceEncoder();
    enc.splice(2, 1, linearConv(), () => tf.layers.reLU({ maxValue: 6, name: 'enc_relu6' }));
    const v = checkConvConstraints(model(enc, referenceDecoder()));
    expect(v.find((x) => x.layer === 'enc_relu6')).toMatchObject({ network: 'encoder', rule: 'layer-type' });
    expect(v.find((x) => x.layer === 'enc_relu6')?.message).toMatch(/ReLU\(maxValue=6\)/);
    expect(v.some((x) => x.rule === 'relu')).toBe(true);
    // after a pool, behind a conv that has its own ReLU: it still clips the activations
    const enc2 = referenceEncoder();
    enc2.splice(2, 0, () => tf.layers.reLU({ maxValue: 1, name: 'enc_clip' }));
    const v2 = checkConvConstraints(model(enc2, referenceDecoder()));
    expect(v2.map((x) => [x.rule, x.layer])).toEqual([['layer-type', 'enc_clip']]);
    // same in the decoder
    const dec = referenceDecoder();
    dec.splice(2, 0, () => tf.layers.reLU({ maxValue: 6, name: 'dec_relu6' }));
    expect(checkConvConstraints(model(referenceEncoder(), dec)).map((x) => [x.rule, x.layer])).toEqual([['layer-type', 'dec_relu6']]);
    // a plain ReLU layer is fine in the same places
    const enc3 = referenceEncoder();
    enc3.splice(2, 0, () => tf.layers.reLU());
    expect(checkConvConstraints(model(enc3, referenceDecoder()))).toEqual([]);
  });

  test('decoder layers in the encoder and encoder layers in the decoder are rejected', () => {
    // an upsampling in the encoder (shapes kept right by an extra pool)
    const enc = referenceEncoder();
    enc.splice(2, 0, () => tf.layers.upSampling2d({ size: [2, 2], name: 'enc_up' }), pool());
    const v = checkConvConstraints(model(enc, referenceDecoder()));
    expect(v.find((x) => x.layer === 'enc_up')).toMatchObject({ network: 'encoder', rule: 'layer-type' });
    expect(v.find((x) => x.layer === 'enc_up')?.message).toMatch(/is a UpSampling2D; the encoder may only use Conv2D, MaxPooling2D and ReLU/);
    // a transposed conv in the encoder
    const encT = referenceEncoder();
    encT.splice(2, 0, () => tf.layers.conv2dTranspose({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', name: 'enc_convT' }));
    expect(checkConvConstraints(model(encT, referenceDecoder())).find((x) => x.layer === 'enc_convT')).toMatchObject({
      network: 'encoder',
      rule: 'layer-type',
    });
    // a max-pool and a plain conv in the decoder
    const dec = referenceDecoder();
    dec.splice(
      2,
      0,
      () => tf.layers.maxPooling2d({ poolSize: 1, name: 'dec_pool' }),
      () => tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', name: 'dec_conv' }),
    );
    const v2 = checkConvConstraints(model(referenceEncoder(), dec));
    expect(v2.find((x) => x.layer === 'dec_pool')).toMatchObject({ network: 'decoder', rule: 'layer-type' });
    expect(v2.find((x) => x.layer === 'dec_conv')?.message).toMatch(/is a Conv2D; the decoder may only use Conv2DTranspose, UpSampling2D and ReLU/);
  });
});

describe('only the layers the assignment lists (issue 13): each violation says what was wrong and what is allowed', () => {
  const allowedDecoder = /the decoder may only use Conv2DTranspose, UpSampling2D and ReLU \(Reshape only at the flat boundaries\)/;
  const allowedEncoder = /the encoder may only use Conv2D, MaxPooling2D and ReLU \(Reshape only at the flat boundaries\)/;

  test('a Cropping2D in the decoder is a violation (the library model before issue 13 used one to go 16x16 -> 14x14)', () => {
    const v = checkConvConstraints(model(croppedEncoder(), croppedDecoder()));
    const crop = v.find((x) => x.rule === 'layer-type' && x.network === 'decoder');
    expect(crop).toBeDefined();
    expect(crop?.message).toMatch(/decoder layer '.*' is a Cropping2D; /);
    expect(crop?.message).toMatch(allowedDecoder);
    // and its encoder's ceil-mode pooling 7x7 -> 4x4 is not a factor 2
    expect(
      v.some((x) => x.rule === 'pool' && /turns 7x7 into 4x4; every pooling but the last must halve the size exactly \(factor 2\)/.test(x.message)),
    ).toBe(true);
    // a crop in the otherwise compliant network: the crop alone is reported
    const dec = referenceDecoder();
    dec.splice(3, 0, () =>
      tf.layers.cropping2D({
        cropping: [
          [0, 0],
          [0, 0],
        ],
        name: 'dec_crop',
      }),
    );
    expect(checkConvConstraints(model(referenceEncoder(), dec)).map((x) => [x.rule, x.layer])).toEqual([['layer-type', 'dec_crop']]);
  });

  test('a ZeroPadding2D is a violation (padding belongs to the convolutions: padding 1)', () => {
    const enc = referenceEncoder();
    enc.splice(
      0,
      0,
      () => tf.layers.zeroPadding2d({ padding: 2, name: 'enc_pad' }),
      () => tf.layers.cropping2D({ cropping: 2 }),
    );
    const v = checkConvConstraints(model(enc, referenceDecoder()));
    const pad = v.find((x) => x.layer === 'enc_pad');
    expect(pad).toMatchObject({ network: 'encoder', rule: 'layer-type' });
    expect(pad?.message).toMatch(/encoder layer 'enc_pad' is a ZeroPadding2D; /);
    expect(pad?.message).toMatch(allowedEncoder);
  });

  test('a Dense layer is a violation in either network', () => {
    const dec = referenceDecoder();
    dec.splice(5, 0, () => tf.layers.dense({ units: 16, name: 'dec_dense' }));
    const v = checkConvConstraints(model(referenceEncoder(), dec));
    const dense = v.find((x) => x.layer === 'dec_dense');
    expect(dense?.rule).toBe('layer-type');
    expect(dense?.message).toMatch(/decoder layer 'dec_dense' is a Dense; /);
    expect(dense?.message).toMatch(allowedDecoder);
  });

  test('a conv without ReLU: the message says a ReLU must follow every (transposed) convolution', () => {
    const enc = referenceEncoder();
    enc[4] = conv(1, { activation: 'linear', name: 'enc_last' });
    const v = checkConvConstraints(model(enc, referenceDecoder()));
    expect(v.map((x) => [x.rule, x.layer])).toEqual([['relu', 'enc_last']]);
    expect(v[0].message).toMatch(
      /conv 'enc_last' is not followed by a ReLU \(activation 'linear' and no ReLU layer after it\); every \(transposed\) convolution must have a ReLU/,
    );
  });

  test('8 filters: the message gives the 16 expected', () => {
    const dec = referenceDecoder();
    dec[3] = convT(8, { name: 'dec_eight' });
    const v = checkConvConstraints(model(referenceEncoder(), dec));
    expect(v.map((x) => [x.rule, x.layer])).toEqual([['filters', 'dec_eight']]);
    expect(v[0].message).toMatch(/transposed conv 'dec_eight' has 8 filters, expected 16/);
  });

  test('a conv not followed by a pooling, a transposed conv not followed by an upsampling', () => {
    // encoder: the second conv has no pool of its own; the last two pools follow the last conv
    const enc = [conv(), pool(), conv(), conv(1), pool(), pool([4, 7], 'same')];
    const v = checkConvConstraints(model(enc, referenceDecoder()));
    expect(v.some((x) => x.rule === 'pool' && /is not followed by a MaxPooling2D \(found Conv2D/.test(x.message))).toBe(true);
    expect(v.some((x) => x.rule === 'pool' && /pooling '.*' does not follow a conv \(\+ ReLU\)/.test(x.message))).toBe(true);
    // decoder: two transposed convs in a row, then an upsampling by 4
    const dec = [up([3.5, 7]), convT(16, { name: 'dec_alone' }), convT(), up([4, 4]), convT(1)];
    const v2 = checkConvConstraints(model(referenceEncoder(), dec));
    expect(v2.find((x) => x.layer === 'dec_alone')?.message).toMatch(
      /transposed conv 'dec_alone' is not followed by an UpSampling2D \(found Conv2DTranspose .*\); every transposed conv but the last must be followed by an upsampling that doubles the size/,
    );
  });

  test("the decoder starts with the upsampling that mirrors the encoder's last pooling", () => {
    // 2x1 -> 4x4 does not undo the 7x7 -> 2x1 pooling (and 4 -> 8 -> 16 never reaches 28)
    const v = checkConvConstraints(model(referenceEncoder(), [up([2, 4]), convT(), up(), convT(), up(), convT(1)]));
    expect(
      v.some(
        (x) =>
          x.rule === 'upsample' &&
          /first upsampling '.*' turns 2x1 into 4x4; it must undo the encoder's last pooling \(7x7 -> 2x1\), so give 7x7/.test(x.message),
      ),
    ).toBe(true);
    // no upsampling first: a transposed conv straight on the 2x1 code
    const v2 = checkConvConstraints(model(referenceEncoder(), [convT(), up([3.5, 7]), convT(), up(), convT(), up(), convT(1)]));
    expect(
      v2.some((x) => x.rule === 'upsample' && /the decoder must start with an UpSampling2D that undoes the encoder's last pooling/.test(x.message)),
    ).toBe(true);
  });
});
