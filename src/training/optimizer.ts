/**
 * The one place vaelab creates optimizers, so a faster implementation can replace this body
 * without touching the training engine.
 *
 * Contract for replacements: return a `tf.Optimizer` whose `computeGradients` / `applyGradients`
 * work as in tfjs, and update variables with `Variable.assign` (never write into a variable's
 * buffer in place): the training engine keeps cheap snapshots (`tf.clone`) that share buffers
 * with the variables to restore the last good or the best weights.
 *
 * Adam keeps two running averages per weight, m (of the gradients) and v (of the squared
 * gradients), and moves each weight by about lr * m / sqrt(v). Both averages start at zero,
 * so early on they are too small; dividing by (1 - beta^t) at step t ("bias correction")
 * fixes that. The course documents use two formulations that differ only in where the small
 * epsilon (which avoids dividing by zero) goes; see {@link AdamFormulation}.
 *
 * Both reduce to one update per step t:
 *
 *     m <- beta1 m + (1 - beta1) g,     v <- beta2 v + (1 - beta2) g^2
 *     value <- value - alpha_t * m / (sqrt(v) + epsHat_t)
 *     alpha_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
 *     epsHat_t = epsilon * sqrt(1 - beta2^t)   ('pytorch')   or   epsilon   ('keras')
 *
 * which {@link VaelabAdam} runs as one fused kernel per variable (the wasm engine's `adam-kernel.ts`) on the
 * `wasm` and `cpu` backends, and as composed tf ops elsewhere.
 *
 * alpha_t and epsHat_t are computed in double precision from beta^t, as PyTorch does. tfjs's
 * `tf.train.adam` keeps beta^t as a float32 running product (float32(0.999) is 1.3e-8 too big,
 * so its 1 - beta2^t is ~1.3e-5 too small): the two take steps that differ by ~1e-5 relative,
 * enough to move a loss in its 4th-5th digit after a few dozen steps.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE_KERNEL, hasAdamKernel, registerAdamKernel, type AdamUpdateAttrs } from '../engine';

export { ADAM_UPDATE_KERNEL, registerAdamKernel, type AdamUpdateAttrs } from '../engine';

/**
 * Where Adam adds epsilon. In one sentence: PyTorch adds epsilon after correcting v for its
 * zero start, Keras before, so Keras's epsilon acts 1/sqrt(1 - beta2^t) times larger (about 32x
 * at step 1 with beta2 = 0.999, fading to 1x) and damps the first steps of weights whose
 * gradients are tiny.
 * - `'pytorch'`: m_hat / (sqrt(v_hat) + epsilon) with m_hat, v_hat the bias-corrected moments:
 *   PyTorch's `torch.optim.Adam`, TensorFlow.js's `tf.train.adam`, the Adam paper's Algorithm 1.
 * - `'keras'`: lr_t * m / (sqrt(v) + epsilon) with lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t):
 *   tf.keras's `Adam` (the paper's "more efficient" ordering of Section 2).
 * With a tiny epsilon (1e-7, 1e-8) both train almost the same.
 */
export type AdamFormulation = 'pytorch' | 'keras';

/** Options of {@link createAdam} / {@link VaelabAdam} (defaults: today's tfjs Adam). */
export interface AdamOptions {
  /** Decay of the running mean of gradients, in [0, 1) (default 0.9). */
  readonly beta1?: number;
  /** Decay of the running mean of squared gradients, in [0, 1) (default 0.999). */
  readonly beta2?: number;
  /** The small number that keeps the division finite, > 0 (default 1e-7; PyTorch's default is 1e-8). */
  readonly epsilon?: number;
  /** Where epsilon goes (default `'pytorch'`); see {@link AdamFormulation}. */
  readonly formulation?: AdamFormulation;
  /**
   * Use the fused one-pass update kernel when the running backend has it (default true).
   * `false` runs the same update as composed tf ops (for comparison; same numbers to float rounding).
   */
  readonly fused?: boolean;
}

/** The resolved settings of a {@link VaelabAdam}. */
export interface AdamSettings {
  /** Step size lr. */
  readonly learningRate: number;
  /** Decay of the first moment. */
  readonly beta1: number;
  /** Decay of the second moment. */
  readonly beta2: number;
  /** Epsilon, added where {@link AdamSettings.formulation} says. */
  readonly epsilon: number;
  /** Where epsilon goes. */
  readonly formulation: AdamFormulation;
  /** Whether the fused kernel is used where the backend has it. */
  readonly fused: boolean;
}

const FORMULATIONS: readonly AdamFormulation[] = ['pytorch', 'keras'];

/** Checks and fills in the options; RangeError/TypeError naming the bad one. */
function resolveAdamOptions(learningRate: number, options: AdamOptions = {}): AdamSettings {
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate <= 0) {
    throw new RangeError(`createAdam: learningRate must be a finite number > 0, got ${String(learningRate)}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`createAdam: options must be an object, got ${String(options)}`);
  }
  const beta = (name: 'beta1' | 'beta2', fallback: number): number => {
    const b = options[name] ?? fallback;
    if (typeof b !== 'number' || !(b >= 0 && b < 1)) {
      throw new RangeError(`createAdam: ${name} must be a number with 0 <= ${name} < 1, got ${String(b)}`);
    }
    return b;
  };
  const beta1 = beta('beta1', 0.9);
  const beta2 = beta('beta2', 0.999);
  const epsilon = options.epsilon ?? 1e-7;
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0) {
    throw new RangeError(`createAdam: epsilon must be a finite number > 0, got ${String(epsilon)}`);
  }
  const formulation = options.formulation ?? 'pytorch';
  if (!FORMULATIONS.includes(formulation)) {
    throw new RangeError(`createAdam: formulation must be one of ${FORMULATIONS.map((f) => `'${f}'`).join(', ')}, got '${String(formulation)}'`);
  }
  const fused = options.fused ?? true;
  if (typeof fused !== 'boolean') throw new TypeError(`createAdam: fused must be true or false, got ${String(fused)}`);
  return { learningRate, beta1, beta2, epsilon, formulation, fused };
}

/** alpha_t and epsHat_t of step t (1-based) in double precision (see the module comment). */
function adamStepConstants(settings: AdamSettings, t: number): { alpha: number; epsHat: number } {
  const c1 = 1 - Math.pow(settings.beta1, t);
  const root2 = Math.sqrt(1 - Math.pow(settings.beta2, t));
  return {
    alpha: (settings.learningRate * root2) / c1,
    epsHat: settings.formulation === 'pytorch' ? settings.epsilon * root2 : settings.epsilon,
  };
}

type VariableGradients = Parameters<tf.Optimizer['applyGradients']>[0];
type NamedWeights = Awaited<ReturnType<tf.Optimizer['getWeights']>>;

/** The moments Adam keeps for one variable. */
interface Moments {
  m: tf.Variable;
  v: tf.Variable;
}

/**
 * vaelab's Adam optimizer (a `tf.Optimizer`): both formulations of {@link AdamFormulation},
 * one fused kernel per variable where the backend has it. Variables are updated with
 * `Variable.assign` of fresh tensors only. Create it with {@link createAdam}.
 */
export class VaelabAdam extends tf.Optimizer {
  /** Name under which tfjs serialisation knows this class. */
  static get className(): string {
    return 'VaelabAdam';
  }

  /** The resolved settings (learning rate, betas, epsilon, formulation, fused). */
  readonly settings: AdamSettings;
  private moments = new Map<string, Moments>();

  constructor(learningRate: number, options: AdamOptions = {}) {
    super();
    this.settings = resolveAdamOptions(learningRate, options);
    registerAdamKernel();
  }

  /** Applies one Adam step to the named variables (gradients keyed by variable name, as tfjs). */
  applyGradients(variableGradients: VariableGradients): void {
    const pairs: Array<[string, tf.Tensor | undefined]> = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.keys(variableGradients).map((name) => [name, variableGradients[name]]);
    const { alpha, epsHat } = adamStepConstants(this.settings, this.iterations + 1);
    const attrs: AdamUpdateAttrs = { alpha, epsHat, beta1: this.settings.beta1, beta2: this.settings.beta2 };
    const fused = this.settings.fused && hasAdamKernel();
    for (const [name, grad] of pairs) {
      if (grad == null) continue;
      const value = tf.engine().registeredVariables[name];
      if (value === undefined) throw new Error(`VaelabAdam: no variable named '${name}' (was it disposed?)`);
      if (value.dtype !== 'float32' || grad.dtype !== 'float32') {
        throw new TypeError(`VaelabAdam: variable '${name}' and its gradient must be float32, got ${value.dtype} and ${grad.dtype}`);
      }
      if (!tf.util.arraysEqual(value.shape, grad.shape)) {
        throw new RangeError(`VaelabAdam: gradient of '${name}' has shape [${grad.shape}], expected [${value.shape}]`);
      }
      const { m, v } = this.momentsOf(name, value);
      const [newValue, newM, newV] = fused
        ? (tf.engine().runKernel(ADAM_UPDATE_KERNEL, { value, m, v, grad }, { ...attrs }) as tf.Tensor[])
        : composedUpdate(value, m, v, grad, attrs);
      m.assign(newM);
      v.assign(newV);
      value.assign(newValue);
      tf.dispose([newValue, newM, newV]);
    }
    this.incrementIterations();
  }

  /** The moments of a variable, zeros the first time. */
  private momentsOf(name: string, value: tf.Variable): Moments {
    let moments = this.moments.get(name);
    if (moments === undefined) {
      moments = tf.tidy(() => ({ m: tf.zerosLike(value).variable(false), v: tf.zerosLike(value).variable(false) }));
      this.moments.set(name, moments);
    }
    return moments;
  }

  /** Frees the moments (the optimizer can keep training afterwards, from zero moments). */
  override dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
    super.dispose();
  }

  /**
   * The state, in tfjs Adam's layout: `iter` (int32 scalar, steps taken), then every `<name>/m`,
   * then every `<name>/v` (the tensors themselves; do not dispose them).
   */
  override async getWeights(): Promise<NamedWeights> {
    const entries = [...this.moments.entries()];
    return [
      await this.saveIterations(),
      ...entries.map(([name, { m }]) => ({ name: `${name}/m`, tensor: m })),
      ...entries.map(([name, { v }]) => ({ name: `${name}/v`, tensor: v })),
    ];
  }

  /** Restores a state saved by {@link VaelabAdam.getWeights} (copies the tensors). */
  override async setWeights(weightValues: NamedWeights): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    if (rest.length % 2 !== 0) throw new RangeError(`VaelabAdam.setWeights: expected pairs of <name>/m and <name>/v, got ${rest.length} tensors`);
    const half = rest.length / 2;
    const next = new Map<string, Moments>();
    for (let i = 0; i < half; i++) {
      const mEntry = rest[i];
      const vEntry = rest[half + i];
      const name = mEntry.name.replace(/\/m$/, '');
      if (mEntry.name !== `${name}/m` || vEntry.name !== `${name}/v`) {
        throw new RangeError(`VaelabAdam.setWeights: expected '${name}/m' and '${name}/v', got '${mEntry.name}' and '${vEntry.name}'`);
      }
      next.set(
        name,
        tf.tidy(() => ({ m: tf.clone(mEntry.tensor).variable(false), v: tf.clone(vEntry.tensor).variable(false) })),
      );
    }
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments = next;
  }

  /** The settings as a plain object (for tfjs serialisation). */
  getConfig(): tf.serialization.ConfigDict {
    const { learningRate, beta1, beta2, epsilon, formulation } = this.settings;
    return { learningRate, beta1, beta2, epsilon, formulation };
  }

  /** Rebuilds an optimizer from {@link VaelabAdam.getConfig}'s output. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const ctor = cls as unknown as new (learningRate: number, options: AdamOptions) => T;
    return new ctor(config.learningRate as number, {
      beta1: config.beta1 as number,
      beta2: config.beta2 as number,
      epsilon: config.epsilon as number,
      formulation: config.formulation as AdamFormulation,
    });
  }
}
tf.serialization.registerClass(VaelabAdam);

/** The same update as the fused kernel, as tf ops (float32 per op); returns fresh [value, m, v]. */
function composedUpdate(value: tf.Tensor, m: tf.Tensor, v: tf.Tensor, grad: tf.Tensor, a: AdamUpdateAttrs): tf.Tensor[] {
  return tf.tidy(() => {
    const newM = tf.add(tf.mul(m, a.beta1), tf.mul(grad, 1 - a.beta1));
    const newV = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(grad), 1 - a.beta2));
    const step = tf.div(tf.mul(newM, a.alpha), tf.add(tf.sqrt(newV), a.epsHat));
    return [tf.sub(value, step), newM, newV];
  });
}

/**
 * Adam with the given learning rate: beta1 0.9, beta2 0.999, epsilon 1e-7 and the `'pytorch'`
 * formulation unless `options` says otherwise: the defaults are tfjs's `tf.train.adam(lr, 0.9,
 * 0.999, 1e-7)` with exact bias corrections (see the module comment). RangeError for a learning
 * rate <= 0, a beta outside [0, 1), an epsilon <= 0 or an unknown formulation.
 */
export function createAdam(learningRate: number, options: AdamOptions = {}): VaelabAdam {
  return new VaelabAdam(learningRate, options);
}
