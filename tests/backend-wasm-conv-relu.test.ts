/**
 * ReLU conv2d layers as one kernel while training (src/engine/wasm-conv-relu.ts): the same loss and
 * weight gradients, bit for bit, as tfjs's unfused path on wasm (Conv2D, Add, Relu), the cpu
 * backend's to float rounding, the kernel really runs (and only while gradients are recorded),
 * what it does not take goes to tfjs, and nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { CONV_RELU_KERNEL, fusedConvInstalled, registerWasmKernels } from '../src/engine';
import { kernelCounts, modelLossAndGrads, on, relError, seededValues } from './wasm-fixtures';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
  registerWasmKernels();
});

afterAll(async () => {
  registerWasmKernels();
  await tf.setBackend('wasm');
});

/**
 * Input 9x11x3: ReLU conv 3x3 'same' stride 1 (bias), ReLU conv 3x3 stride 2 'same' without bias,
 * ReLU conv 2x2 'valid' stride [1, 2], a linear conv and a one-channel ReLU conv (both left to
 * tfjs), seeded weights and biases.
 */
function model(): tf.LayersModel {
  const init = (seed: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed });
  const biasInit = (seed: number): ReturnType<typeof tf.initializers.glorotUniform> =>
    tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed });
  const input = tf.input({ shape: [9, 11, 3] });
  const layers = [
    tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), biasInitializer: biasInit(11) }),
    tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', useBias: false, kernelInitializer: init(2) }),
    tf.layers.conv2d({
      filters: 5,
      kernelSize: 2,
      strides: [1, 2],
      padding: 'valid',
      activation: 'relu',
      kernelInitializer: init(3),
      biasInitializer: biasInit(13),
    }),
    tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(4), biasInitializer: biasInit(14) }),
    tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(5), biasInitializer: biasInit(15) }),
  ];
  let h = input;
  for (const layer of layers) h = layer.apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: h });
}

const x = seededValues(4 * 9 * 11 * 3, 5, 3);

/** Loss and weight gradients of one batch on wasm, the kernel on or off. */
const onWasm = (fused: boolean): Promise<Float32Array[]> =>
  modelLossAndGrads('wasm', model, () => tf.tensor4d(x, [4, 9, 11, 3]), { fusedConv: fused });

test('loss and weight gradients equal the unfused path on wasm bit for bit, and the cpu backend to 1e-5', async () => {
  const fused = await onWasm(true);
  const unfused = await onWasm(false);
  expect(fused.length).toBe(1 + 9); // loss + 5 kernels + 4 biases
  fused.forEach((f, i) =>
    expect({ i, f: Buffer.from(f.buffer).toString('base64') }).toEqual({ i, f: Buffer.from(unfused[i].buffer).toString('base64') }),
  );
  const cpu = await modelLossAndGrads('cpu', model, () => tf.tensor4d(x, [4, 9, 11, 3]));
  fused.forEach((f, i) => expect(relError(f, cpu[i])).toBeLessThan(1e-5));
});

test('while training the multi-channel ReLU conv layers run as one kernel each; inference keeps tfjs', async () => {
  await tf.setBackend('wasm');
  const m = model();
  const xs = tf.tensor4d(x, [4, 9, 11, 3]);
  const step = (): tf.Tensor[] => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(m.apply(xs) as tf.Tensor)) as tf.Scalar);
    return [value, ...Object.values(grads)];
  };
  const fusedCounts = await kernelCounts(step);
  registerWasmKernels({ fusedConv: false });
  const unfusedCounts = await kernelCounts(step);
  registerWasmKernels();
  expect(fusedCounts[CONV_RELU_KERNEL]).toBe(3);
  expect(unfusedCounts[CONV_RELU_KERNEL]).toBeUndefined();
  expect(fusedCounts.Relu).toBe(1); // the one-channel layer
  expect(unfusedCounts.Relu).toBe(4);
  expect(fusedCounts.Conv2D).toBe(unfusedCounts.Conv2D - 3);
  expect(fusedCounts.Conv2DBackpropFilter).toBe(unfusedCounts.Conv2DBackpropFilter);
  expect(fusedCounts.Conv2DBackpropInput).toBe(unfusedCounts.Conv2DBackpropInput);
  const predictCounts = await kernelCounts(() => m.predict(xs) as tf.Tensor);
  expect(predictCounts[CONV_RELU_KERNEL]).toBeUndefined();
  xs.dispose();
  m.dispose();
});

test('a training step leaks no tensor and no wasm buffer', async () => {
  await tf.setBackend('wasm');
  const m = model();
  const xs = tf.tensor4d(x, [4, 9, 11, 3]);
  const before = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  for (let i = 0; i < 2; i++) {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(m.apply(xs) as tf.Tensor)) as tf.Scalar);
    tf.dispose([value, ...Object.values(grads)]);
  }
  expect(tf.memory().numTensors).toBe(before);
  expect(tf.engine().backend.numDataIds()).toBe(buffers);
  xs.dispose();
  m.dispose();
});

test('tf.fused.conv2d with a numeric pad, stride 2 and odd sizes: the kernel equals the unfused path bit for bit and cpu to 1e-5', async () => {
  const xv = seededValues(3 * 7 * 9 * 4, 21, 3);
  const fv = seededValues(3 * 3 * 4 * 6, 22, 3);
  const bv = seededValues(6, 23, 3);
  const f = (): tf.Tensor[] => {
    const r = tf.tensor(seededValues(3 * 4 * 5 * 6, 24, 3), [3, 4, 5, 6]);
    const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Tensor =>
      tf.sum(tf.mul(tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: 2, pad: 1, bias: c, activation: 'relu' }), r));
    const [dx, df, db] = tf.grads(loss)([tf.tensor4d(xv, [3, 7, 9, 4]), tf.tensor4d(fv, [3, 3, 4, 6]), tf.tensor1d(bv)]);
    return [dx, df, db];
  };
  const counts = await kernelCounts(() => f());
  expect(counts[CONV_RELU_KERNEL]).toBe(1);
  const fused = await on('wasm', f);
  registerWasmKernels({ fusedConv: false });
  const unfused = await on('wasm', f);
  registerWasmKernels();
  fused.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(unfused[i].buffer))).toBe(true));
  const cpu = await on('cpu', f);
  fused.forEach((v, i) => expect(relError(v, cpu[i])).toBeLessThan(1e-5));
});

test('switching it off puts tfjs own tf.fused.conv2d back', () => {
  registerWasmKernels();
  expect(fusedConvInstalled()).toBe(true);
  const replaced = tf.fused.conv2d;
  registerWasmKernels({ fusedConv: false });
  expect(fusedConvInstalled()).toBe(false);
  expect(tf.fused.conv2d).not.toBe(replaced);
  registerWasmKernels();
  expect(tf.fused.conv2d).toBe(replaced);
});
