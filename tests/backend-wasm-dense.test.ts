/**
 * ReLU and linear dense layers as one kernel while training (src/engine/wasm-dense.ts): the same loss and
 * weight gradients, bit for bit, as tfjs's unfused path on wasm, the cpu backend's to float
 * rounding, the kernel really runs (and only while gradients are recorded), the first layer's
 * unneeded input gradient is still skipped, and nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { DENSE_LINEAR_KERNEL, DENSE_RELU_KERNEL, fusedDenseInstalled, registerWasmKernels } from '../src/engine';
import { kernelCounts, modelLossAndGrads, on, relError, seededValues } from './wasm-fixtures';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
});

afterAll(async () => {
  registerWasmKernels();
  await tf.setBackend('wasm');
});

/**
 * A 12-16-8-6-5 model: two ReLU dense layers (with and without bias), a linear one and a sigmoid
 * output (a product without bias, then tfjs-layers' bias add and sigmoid), seeded weights.
 */
function model(): tf.LayersModel {
  const input = tf.input({ shape: [12] });
  let h = tf.layers
    .dense({
      units: 16,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: 4 }),
    })
    .apply(input) as tf.SymbolicTensor;
  h = tf.layers
    .dense({ units: 8, activation: 'relu', useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })
    .apply(h) as tf.SymbolicTensor;
  h = tf.layers
    .dense({
      units: 6,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: 6 }),
    })
    .apply(h) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 5, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const x = seededValues(9 * 12, 5, 1);

/** Loss and weight gradients of one batch on wasm, the kernel on or off. */
const onWasm = (fused: boolean): Promise<Float32Array[]> => modelLossAndGrads('wasm', model, () => tf.tensor2d(x, [9, 12]), { fusedDense: fused });

test('loss and weight gradients equal the unfused path on wasm bit for bit, and the cpu backend to 1e-5', async () => {
  const fused = await onWasm(true);
  const unfused = await onWasm(false);
  expect(fused.length).toBe(8); // loss + 2 ReLU kernels + 1 bias + linear kernel and bias + output kernel and bias
  fused.forEach((f, i) => expect({ i, f: Array.from(f) }).toEqual({ i, f: Array.from(unfused[i]) }));
  const cpu = await modelLossAndGrads('cpu', model, () => tf.tensor2d(x, [9, 12]));
  fused.forEach((f, i) => expect(relError(f, cpu[i])).toBeLessThan(1e-5));
});

test('while training the ReLU and linear layers run as one kernel each; the first layer input gradient is still not computed', async () => {
  await tf.setBackend('wasm');
  const m = model();
  const xs = tf.tensor2d(x, [9, 12]);
  const step = (): tf.Tensor[] => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(m.apply(xs) as tf.Tensor)) as tf.Scalar);
    return [value, ...Object.values(grads)];
  };
  const fusedCounts = await kernelCounts(step);
  registerWasmKernels({ fusedDense: false });
  const unfusedCounts = await kernelCounts(step);
  registerWasmKernels();
  expect(fusedCounts[DENSE_RELU_KERNEL]).toBe(2);
  expect(unfusedCounts[DENSE_RELU_KERNEL]).toBeUndefined();
  // The linear layer and the sigmoid layer's product (tfjs-layers adds its bias and sigmoid after).
  expect(fusedCounts[DENSE_LINEAR_KERNEL]).toBe(2);
  expect(unfusedCounts[DENSE_LINEAR_KERNEL]).toBeUndefined();
  expect(fusedCounts._FusedMatMul).toBeUndefined();
  expect(unfusedCounts._FusedMatMul).toBe(2);
  expect(fusedCounts.Sigmoid).toBe(1);
  // No 3-D reshapes and saved copies of tfjs's fused op.
  expect(fusedCounts.Reshape ?? 0).toBeLessThan(unfusedCounts.Reshape);
  expect(fusedCounts.Relu).toBeUndefined();
  expect(unfusedCounts.Relu).toBe(2);
  // Products: forward 2 ReLU layers (now in the dense kernel), the linear ones in theirs;
  // backward 4 weight gradients + 3 input gradients (none for the model's input): the same as unfused.
  expect(fusedCounts.BatchMatMul).toBe(unfusedCounts.BatchMatMul - 2);
  // Inference does not record gradients: tfjs's own fused kernel, not vaelab's.
  const predictCounts = await kernelCounts(() => m.predict(xs) as tf.Tensor);
  expect(predictCounts[DENSE_RELU_KERNEL]).toBeUndefined();
  expect(predictCounts._FusedMatMul).toBe(4);
  expect(predictCounts[DENSE_LINEAR_KERNEL]).toBeUndefined();
  xs.dispose();
  m.dispose();
});

test('a training step leaks no tensor', () => {
  const m = model();
  const xs = tf.tensor2d(x, [9, 12]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 2; i++) {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(m.apply(xs) as tf.Tensor)) as tf.Scalar);
    tf.dispose([value, ...Object.values(grads)]);
  }
  expect(tf.memory().numTensors).toBe(before);
  xs.dispose();
  m.dispose();
});

test('what it does not take (transposes, a [1,n] bias, another activation) goes to tfjs and still equals cpu', async () => {
  const a = seededValues(6 * 10, 7, 1);
  const b = seededValues(10 * 4, 8, 1);
  const bias = seededValues(4, 9, 1);
  const f = (): tf.Tensor[] =>
    tf.grads((aa: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) =>
      tf
        .add(
          tf.sum(tf.fused.matMul({ a: aa as tf.Tensor2D, b: tf.transpose(bb) as tf.Tensor2D, transposeB: true, bias: cc, activation: 'relu' })),
          tf.sum(tf.fused.matMul({ a: aa as tf.Tensor2D, b: bb as tf.Tensor2D, bias: tf.reshape(cc, [1, 4]), activation: 'relu' })),
        )
        .add(tf.sum(tf.fused.matMul({ a: aa as tf.Tensor2D, b: bb as tf.Tensor2D, bias: cc, activation: 'elu' }))),
    )([tf.tensor2d(a, [6, 10]), tf.tensor2d(b, [10, 4]), tf.tensor1d(bias)]);
  const wasm = await on('wasm', f);
  const cpu = await on('cpu', f);
  wasm.forEach((w, i) => expect(relError(w, cpu[i])).toBeLessThan(1e-5));
});

test('switching it off puts tfjs own tf.fused.matMul back', () => {
  registerWasmKernels();
  expect(fusedDenseInstalled()).toBe(true);
  const replaced = tf.fused.matMul;
  registerWasmKernels({ fusedDense: false });
  expect(fusedDenseInstalled()).toBe(false);
  expect(tf.fused.matMul).not.toBe(replaced);
  registerWasmKernels();
  expect(tf.fused.matMul).toBe(replaced);
});
