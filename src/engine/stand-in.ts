/**
 * vaelab's stand-ins for functions on TensorFlow.js's own objects (`tf.fused.matMul`,
 * `tf.fused.conv2d`, the engine's `saveTensorsForBackwardMode`) and for registered gradients
 * (`Sum`, `Relu`): one place that puts a replacement in a function's place and the original back,
 * and tells whether gradients are being recorded, the condition under which the fused-layer
 * stand-ins act.
 */
import * as tf from '@tensorflow/tfjs';

/** Whether TensorFlow.js is recording gradients right now (inside `tf.grads`, an optimizer's `minimize`, ...). */
export function recordingGradients(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

/**
 * A function property `key` of the object `target()` that vaelab can replace by `replacement` and
 * put back. The replacement reaches tfjs's function through {@link StandIn.original}.
 */
export class StandIn<O extends object, K extends keyof O> {
  private saved: O[K] | undefined;

  /** `target` is read on every switch (tfjs's objects are looked up, never cached). */
  constructor(
    private readonly target: () => O,
    private readonly key: K,
    private readonly replacement: O[K],
  ) {}

  /** Puts the replacement in place (`on`) or the original back; idempotent. */
  set(on: boolean): void {
    const object = this.target();
    if (on && this.saved === undefined) {
      this.saved = object[this.key];
      object[this.key] = this.replacement;
    } else if (!on && this.saved !== undefined) {
      object[this.key] = this.saved;
      this.saved = undefined;
    }
  }

  /** Whether the replacement is in place. */
  get installed(): boolean {
    return this.saved !== undefined;
  }

  /** TensorFlow.js's own function; only while the replacement is in place. */
  get original(): O[K] {
    if (this.saved === undefined) throw new Error(`StandIn: ${String(this.key)} is not replaced, so there is no original to call`);
    return this.saved;
  }
}

/**
 * A gradient registered for `kernelName` that vaelab can replace by `gradFunc` (keeping tfjs's
 * `inputsToSave` / `outputsToSave`) and put back; the replacement reaches tfjs's gradient through
 * {@link GradientStandIn.original}.
 */
export class GradientStandIn {
  private saved: tf.GradConfig | undefined;

  constructor(
    private readonly kernelName: string,
    private readonly gradFunc: tf.GradConfig['gradFunc'],
  ) {}

  /** Registers the replacement (`on`; nothing when tfjs has no gradient for the kernel) or tfjs's own again; idempotent. */
  set(on: boolean): void {
    if (on && this.saved === undefined) {
      const own = tf.getGradient(this.kernelName);
      if (own === undefined) return;
      this.saved = own;
      tf.registerGradient({ kernelName: this.kernelName, inputsToSave: own.inputsToSave, outputsToSave: own.outputsToSave, gradFunc: this.gradFunc });
    } else if (!on && this.saved !== undefined) {
      tf.registerGradient(this.saved);
      this.saved = undefined;
    }
  }

  /** Whether the replacement is registered. */
  get installed(): boolean {
    return this.saved !== undefined;
  }

  /** TensorFlow.js's own gradient; only while the replacement is registered. */
  get original(): tf.GradConfig {
    if (this.saved === undefined)
      throw new Error(`GradientStandIn: the ${this.kernelName} gradient is not replaced, so there is no original to call`);
    return this.saved;
  }
}
