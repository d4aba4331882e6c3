/**
 * vaelab's Adam (`createAdam` / `VaelabAdam`): both formulations agree with a plain
 * double-precision Adam on wasm and cpu, through the fused kernel (SIMD and JavaScript passes)
 * and through composed tf ops; the defaults train like tfjs's own Adam; options are checked;
 * state, serialisation, memory and the "assign, never write in place" contract hold.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { createAdam, VaelabAdam, ADAM_UPDATE_KERNEL, type AdamFormulation, type AdamOptions } from '../src/training/optimizer';
import { setAdamSimd } from '../src/engine';

type Backend = 'cpu' | 'wasm';
const BACKENDS: Backend[] = ['wasm', 'cpu'];

/** Deterministic pseudo-random values in [-scale, scale). */
function values(n: number, seed: number, scale = 1): Float64Array {
  const out = new Float64Array(n);
  let s = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31 - 1) * scale;
  }
  return out;
}

/**
 * Adam written out from its textbook form for one array: arithmetic and moments in double
 * precision, the weights stored as float32 after each step (as a tf variable holds them).
 */
class ReferenceAdam {
  private m: Float64Array;
  private v: Float64Array;
  private t = 0;
  constructor(
    readonly value: Float64Array,
    private readonly lr: number,
    private readonly o: Required<Pick<AdamOptions, 'beta1' | 'beta2' | 'epsilon' | 'formulation'>>,
  ) {
    this.m = new Float64Array(value.length);
    this.v = new Float64Array(value.length);
  }
  step(g: Float64Array): void {
    const { beta1: b1, beta2: b2, epsilon: eps, formulation } = this.o;
    this.t += 1;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (let i = 0; i < g.length; i++) {
      this.m[i] = b1 * this.m[i] + (1 - b1) * g[i];
      this.v[i] = b2 * this.v[i] + (1 - b2) * g[i] * g[i];
      if (formulation === 'pytorch') {
        // m_hat / (sqrt(v_hat) + eps)
        this.value[i] = Math.fround(this.value[i] - (this.lr * (this.m[i] / c1)) / (Math.sqrt(this.v[i] / c2) + eps));
      } else {
        // Keras: the step size carries both corrections, eps meets the uncorrected v.
        this.value[i] = Math.fround(this.value[i] - ((this.lr * Math.sqrt(c2)) / c1) * (this.m[i] / (Math.sqrt(this.v[i]) + eps)));
      }
    }
  }
  moments(): [Float64Array, Float64Array] {
    return [this.m, this.v];
  }
}

/** max |a - ref| / max(|ref|, floor): relative error with a floor for entries near zero. */
function relErr(a: ArrayLike<number>, ref: ArrayLike<number>, floor: number): number {
  expect(a.length).toBe(ref.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - ref[i]) / Math.max(Math.abs(ref[i]), floor));
  return worst;
}

const maxAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((s, x) => Math.max(s, Math.abs(x)), 0);

// Sizes: a multiple of 4 (all SIMD), 35 (SIMD + a JavaScript tail of 3), 3 (JavaScript only).
const SHAPES: number[][] = [[8, 12], [7, 5], [3]];

type Path = 'fused' | 'fused-js' | 'composed';

/** Runs `steps` Adam steps with seeded gradients on `backend`; returns values and moments after each step. */
async function runAdam(backend: Backend, path: Path, lr: number, options: AdamOptions, steps: number) {
  await tf.setBackend(backend);
  setAdamSimd(path !== 'fused-js');
  try {
    const init = SHAPES.map((s, k) =>
      values(
        s.reduce((a, b) => a * b, 1),
        100 + k,
        0.5,
      ),
    );
    const vars = SHAPES.map((s, k) =>
      tf.variable(tf.tensor(Float32Array.from(init[k]), s), true, `adamtest_${backend}_${path}_${k}_${Math.random()}`),
    );
    const opt = createAdam(lr, { ...options, fused: path !== 'composed' });
    const out: Array<{ value: Float32Array[]; m: Float32Array[]; v: Float32Array[] }> = [];
    for (let t = 0; t < steps; t++) {
      const grads: tf.NamedTensorMap = {};
      vars.forEach((w, k) => {
        // Gradients of mixed scale, some exactly zero, as real networks give.
        const g = values(w.size, 1000 * t + k, t % 2 === 0 ? 1 : 1e-3).map((x, i) => (i % 7 === 0 ? 0 : x));
        grads[w.name] = tf.tensor(Float32Array.from(g), w.shape);
      });
      opt.applyGradients(grads);
      tf.dispose(grads);
      const state = await opt.getWeights();
      const half = (state.length - 1) / 2;
      out.push({
        value: vars.map((w) => w.dataSync() as Float32Array),
        m: state.slice(1, 1 + half).map((s) => s.tensor.dataSync() as Float32Array),
        v: state.slice(1 + half).map((s) => s.tensor.dataSync() as Float32Array),
      });
      tf.dispose(state[0].tensor);
    }
    opt.dispose();
    tf.dispose(vars);
    return { init, out };
  } finally {
    setAdamSimd(true);
  }
}

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
});

afterAll(async () => {
  setAdamSimd(true);
  await tf.setBackend('wasm');
});

describe('createAdam options', () => {
  test('defaults are tfjs Adam: beta1 0.9, beta2 0.999, epsilon 1e-7, PyTorch formulation, fused', () => {
    const opt = createAdam(1e-3);
    expect(opt).toBeInstanceOf(VaelabAdam);
    expect(opt).toBeInstanceOf(tf.Optimizer);
    expect(opt.settings).toEqual({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, formulation: 'pytorch', fused: true });
    opt.dispose();
  });

  test.each<[string, number, AdamOptions, RegExp]>([
    ['zero learning rate', 0, {}, /learningRate/],
    ['NaN learning rate', Number.NaN, {}, /learningRate/],
    ['beta1 = 1', 1e-3, { beta1: 1 }, /0 <= beta1 < 1/],
    ['negative beta1', 1e-3, { beta1: -0.1 }, /beta1/],
    ['beta2 = 1.5', 1e-3, { beta2: 1.5 }, /0 <= beta2 < 1/],
    ['NaN beta2', 1e-3, { beta2: Number.NaN }, /beta2/],
    ['zero epsilon', 1e-3, { epsilon: 0 }, /epsilon must be a finite number > 0/],
    ['negative epsilon', 1e-3, { epsilon: -1e-8 }, /epsilon/],
    ['unknown formulation', 1e-3, { formulation: 'adamw' as AdamFormulation }, /formulation must be one of 'pytorch', 'keras'/],
  ])('%s is a RangeError naming the option', (_label, lr, options, message) => {
    expect(() => createAdam(lr, options)).toThrow(RangeError);
    expect(() => createAdam(lr, options)).toThrow(message);
  });

  test('getConfig / fromConfig round-trip the settings (registered for tfjs serialisation)', () => {
    const opt = createAdam(2e-3, { beta1: 0.8, beta2: 0.99, epsilon: 1e-8, formulation: 'keras' });
    const config = opt.getConfig();
    expect(config).toEqual({ learningRate: 2e-3, beta1: 0.8, beta2: 0.99, epsilon: 1e-8, formulation: 'keras' });
    const cls = tf.serialization.SerializationMap.getMap().classNameMap[VaelabAdam.className];
    expect(cls).toBeDefined();
    const back = VaelabAdam.fromConfig(VaelabAdam, config) as VaelabAdam;
    expect(back.settings).toEqual(opt.settings);
    opt.dispose();
    back.dispose();
  });
});

describe.each(BACKENDS)('Adam on %s', (backend) => {
  test('registers the fused kernel for this backend', async () => {
    createAdam(1e-3).dispose();
    expect(tf.getKernel(ADAM_UPDATE_KERNEL, backend)).toBeDefined();
  });

  const paths: Path[] = backend === 'wasm' ? ['fused', 'fused-js', 'composed'] : ['fused', 'composed'];
  const settings: Array<[AdamFormulation, number, number]> = [
    ['pytorch', 1e-2, 1e-7],
    ['keras', 1e-2, 1e-7],
    // A large epsilon, where the two formulations really differ.
    ['pytorch', 5e-2, 1e-3],
    ['keras', 5e-2, 1e-3],
  ];
  const cases = paths.flatMap((path) => settings.map(([f, lr, eps]) => [path, f, lr, eps] as [Path, AdamFormulation, number, number]));
  test.each(cases)(
    '%s update, %s formulation (lr %p, epsilon %p) matches double precision to 1e-6 over 6 steps',
    async (path, formulation, lr, epsilon) => {
      const steps = 6;
      const options = { beta1: 0.9, beta2: 0.999, epsilon, formulation };
      const { init, out } = await runAdam(backend, path, lr, options, steps);
      const refs = init.map((x) => new ReferenceAdam(x.map(Math.fround), lr, options));
      // Errors relative to each tensor's largest entry; the weights also by how far they moved.
      let worst = { value: 0, moved: 0, m: 0, v: 0 };
      for (let t = 0; t < steps; t++) {
        refs.forEach((ref, k) => {
          const g = values(ref.value.length, 1000 * t + k, t % 2 === 0 ? 1 : 1e-3).map((x, i) => (i % 7 === 0 ? 0 : Math.fround(x)));
          ref.step(g);
          const [m, v] = ref.moments();
          const moved = ref.value.map((x, i) => x - init[k][i]);
          const ourMoved = out[t].value[k].map((x, i) => x - Math.fround(init[k][i]));
          worst = {
            value: Math.max(worst.value, relErr(out[t].value[k], ref.value, maxAbs(ref.value))),
            moved: Math.max(worst.moved, relErr(ourMoved, moved, maxAbs(moved))),
            m: Math.max(worst.m, relErr(out[t].m[k], m, maxAbs(m))),
            v: Math.max(worst.v, relErr(out[t].v[k], v, maxAbs(v))),
          };
        });
      }
      expect(worst.value).toBeLessThan(1e-6);
      // How far each weight moved, to 1e-5 of the largest move: a float32 weight near 0.5 rounds by
      // up to 3e-8, about 1e-6 of the ~0.06 the weights move here. With epsilon 1e-3 the two
      // formulations' moves differ by ~1e-2, so this also tells them apart.
      expect(worst.moved).toBeLessThan(1e-5);
      expect(worst.m).toBeLessThan(1e-6);
      expect(worst.v).toBeLessThan(1e-6);
    },
  );

  test('the two formulations take different steps when epsilon matters', async () => {
    const pytorch = await runAdam(backend, 'fused', 5e-2, { epsilon: 1e-2, formulation: 'pytorch' }, 2);
    const keras = await runAdam(backend, 'fused', 5e-2, { epsilon: 1e-2, formulation: 'keras' }, 2);
    expect(relErr(keras.out[1].value[0], pytorch.out[1].value[0], 1e-3)).toBeGreaterThan(1e-4);
  });

  test('updates by assign only (a clone taken before the step keeps the old values), no tensor leaks', async () => {
    await tf.setBackend(backend);
    for (const fused of [true, false]) {
      const w = tf.variable(tf.tidy(() => tf.tensor2d(Float32Array.from(values(24, 3)), [4, 6])));
      const snapshot = tf.clone(w);
      const old = snapshot.dataSync().slice();
      const g = tf.tensor2d(Float32Array.from(values(24, 4)), [4, 6]);
      const before = tf.memory().numTensors;
      const opt = createAdam(0.1, { fused });
      opt.applyGradients({ [w.name]: g });
      opt.applyGradients([{ name: w.name, tensor: g }]);
      expect(Array.from(snapshot.dataSync())).toEqual(Array.from(old));
      expect(Array.from(w.dataSync())).not.toEqual(Array.from(old));
      // Per variable the optimizer keeps exactly two moments, and nothing else.
      expect(tf.memory().numTensors - before).toBe(2);
      opt.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([w, snapshot, g]);
    }
  });
});

describe('bad gradients', () => {
  test('a gradient of the wrong shape or for an unknown variable is an error naming it', async () => {
    await tf.setBackend('wasm');
    const w = tf.variable(tf.tidy(() => tf.zeros([2, 3])));
    const g = tf.zeros([3, 2]);
    const opt = createAdam(1e-3);
    expect(() => opt.applyGradients({ [w.name]: g })).toThrow(RangeError);
    expect(() => opt.applyGradients({ [w.name]: g })).toThrow(/shape \[3,2\], expected \[2,3\]/);
    expect(() => opt.applyGradients({ no_such_variable: g })).toThrow(/no variable named 'no_such_variable'/);
    opt.dispose();
    tf.dispose([w, g]);
  });
});

describe('state', () => {
  test('getWeights / setWeights carry the moments and step count to another optimizer', async () => {
    await tf.setBackend('wasm');
    const w1 = tf.variable(tf.tensor1d(Float32Array.from(values(10, 5))));
    const w2 = tf.variable(tf.tensor1d(Float32Array.from(values(10, 5))));
    const a = createAdam(0.05, { formulation: 'keras' });
    const b = createAdam(0.05, { formulation: 'keras' });
    const grad = (t: number): tf.Tensor => tf.tensor1d(Float32Array.from(values(10, 50 + t)));
    for (let t = 0; t < 3; t++) {
      const g = grad(t);
      a.applyGradients({ [w1.name]: g });
      g.dispose();
    }
    const saved = await a.getWeights();
    expect(saved.map((s) => s.name)).toEqual(['iter', `${w1.name}/m`, `${w1.name}/v`]);
    // b learns a's state under w2's name, and w2 gets w1's weights.
    await b.setWeights(saved.map((s, i) => (i === 0 ? s : { name: s.name.replace(w1.name, w2.name), tensor: s.tensor })));
    tf.dispose(saved[0].tensor);
    w2.assign(w1);
    expect(b.iterations).toBe(3);
    const g = grad(3);
    a.applyGradients({ [w1.name]: g });
    b.applyGradients({ [w2.name]: g });
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w1.dataSync()));
    tf.dispose([g, w1, w2]);
    a.dispose();
    b.dispose();
  });
});

describe.each(BACKENDS)('training with the defaults on %s', (backend) => {
  test('createAdam(lr) trains a small model to the same loss as tf.train.adam(lr, 0.9, 0.999, 1e-7)', async () => {
    await tf.setBackend(backend);
    const x = tf.tensor2d(Float32Array.from(values(32 * 12, 21)), [32, 12]);
    const y = tf.tensor2d(Float32Array.from(values(32 * 4, 22)), [32, 4]);
    const train = (make: () => tf.Optimizer): number[] => {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [12], units: 16, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
          tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        ],
      });
      const opt = make();
      const losses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const loss = opt.minimize(() => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor) as tf.Scalar, true);
        losses.push(loss!.dataSync()[0]);
        loss!.dispose();
      }
      opt.dispose();
      model.dispose();
      return losses;
    };
    const before = tf.memory().numTensors;
    const ours = train(() => createAdam(1e-2));
    const stock = train(() => tf.train.adam(1e-2, 0.9, 0.999, 1e-7));
    expect(tf.memory().numTensors).toBe(before);
    expect(ours[39]).toBeLessThan(ours[0] * 0.8);
    for (let i = 0; i < ours.length; i++) expect(Math.abs(ours[i] - stock[i])).toBeLessThanOrEqual(1e-5 * stock[i]);
    tf.dispose([x, y]);
  });
});
