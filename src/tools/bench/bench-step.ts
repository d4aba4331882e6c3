/**
 * `node dist/tools/bench/bench-step.js [--model M] [--threads T] [--steps N] [--toggle pack|packall|packsplit|sumgrad|saves|adamthreads|sparse|wasmpad|elementwise|relugrad|upsamplegrad|poolrows|maxpool|bce|denselinear|log|sigmoidgrad|session13]
 * [--products] [--data mnist|synthetic]`: CPU and wall milliseconds per benchmark training step (batch 100, the
 * first 1,000 MNIST training images as the bench trains on, or uniform noise) with one of
 * vaelab's switches (default: B packing) on and off,
 * alternating every 5 steps in one process (medians), so that a busy machine's load falls on both
 * alike. `--products` also times each call of vaelab's product inside the steps, by shape.
 */
import {
  registerWasmKernels,
  setAdamThreads,
  setFastSumGrad,
  setGemmPackSplit,
  setGemmPacking,
  setGemmSparse,
  setConvGlue,
  setFusedReluGrad,
  setFusedSigmoidGrad,
  setUpsampleGradStrip,
  setMaxPoolGradRows,
  setMaxPoolStrip,
  setFusedBernoulli,
  setFusedDenseLinear,
  wasmGemmOf,
  type GemmProduct,
  type WasmGemm,
} from '../../engine';
import * as tf from '@tensorflow/tfjs';
import { BENCH_MODEL_NAMES, type BenchModelName } from './bench-models';
import { createBenchTraining, startBenchBackend } from './bench-train';
import { median } from './bench-peer';
import { loadMnist } from '../../data';
import { Rng } from '../../rng';
import { positiveInt, readFlags } from './bench-args';

/** Wraps `gemm.multiply` to add each call's milliseconds to `times` under its shape and `config`. */
function timeProducts(gemm: WasmGemm, times: Map<string, number[]>, config: () => string): void {
  const multiply = gemm.multiply.bind(gemm);
  gemm.multiply = (p: GemmProduct): void => {
    const t0 = process.hrtime.bigint();
    multiply(p);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const key = `${config()} ${p.m}x${p.k}x${p.n}${p.transposeA ? ' A^T' : ''}${p.transposeB ? ' B^T' : ''}`;
    const list = times.get(key) ?? [];
    list.push(ms);
    times.set(key, list);
  };
}

/** Switches that `--toggle` can alternate: on is the first configuration, off the second. */
const TOGGLES: Readonly<Record<string, (on: boolean) => void>> = {
  pack: setGemmPacking,
  packall: (on) => setGemmPacking(on ? 'always' : 'auto'),
  sumgrad: setFastSumGrad,
  packsplit: setGemmPackSplit,
  saves: (on) => registerWasmKernels({ sharedSaves: on }),
  adamthreads: setAdamThreads,
  sparse: setGemmSparse,
  wasmpad: (on) => setConvGlue({ wasmPad: on }),
  elementwise: (on) => registerWasmKernels({ fastElementwise: on }),
  relugrad: setFusedReluGrad,
  upsamplegrad: setUpsampleGradStrip,
  poolrows: setMaxPoolGradRows,
  maxpool: setMaxPoolStrip,
  bce: setFusedBernoulli,
  denselinear: setFusedDenseLinear,
  log: (on) => registerWasmKernels({ fastLog: on }),
  sigmoidgrad: setFusedSigmoidGrad,
  session13: (on) => {
    setConvGlue({ wasmPad: on });
    registerWasmKernels({ fastElementwise: on, fusedReluGrad: on });
    setUpsampleGradStrip(on);
    setMaxPoolGradRows(on);
  },
  session10: (on) => {
    setGemmPacking(on);
    registerWasmKernels({ sharedSaves: on, fastSumGrad: on });
  },
};

/** Runs the measurement and prints medians per configuration. */
export async function benchStep(
  model: BenchModelName,
  threads: number,
  steps: number,
  products: boolean,
  toggle = 'pack',
  every = 5,
  synthetic = false,
): Promise<void> {
  const setOn = TOGGLES[toggle];
  if (setOn === undefined) throw new Error(`unknown toggle ${toggle}; one of ${Object.keys(TOGGLES).join(', ')}`);
  await startBenchBackend('wasm', 'fast', threads);
  const count = 1000;
  const data = synthetic ? new Rng(7).uniformArray(count * 784) : loadMnist({ trainCount: count }).train.images.slice(0, count * 784);
  const training = createBenchTraining({ model, data, batch: 100, seed: 0 });
  const gemm = wasmGemmOf(tf.backend());
  if (gemm === null) throw new Error("vaelab's product is not available");
  const configs = ['on', 'off'] as const;
  let current: (typeof configs)[number] = 'on';
  const times = new Map<string, number[]>();
  if (products) timeProducts(gemm, times, () => current);
  const cpu: Record<string, number[]> = { on: [], off: [] };
  const wall: Record<string, number[]> = { on: [], off: [] };
  for (let i = 0; i < 10; i++) training.step((i * 100) % count, false);
  times.clear();
  for (let i = 0; i < steps; i++) {
    current = configs[Math.floor(i / every) % 2];
    setOn(current === 'on');
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    training.step((i * 100) % (count - 100), false);
    const c = process.cpuUsage(c0);
    wall[current].push(Number(process.hrtime.bigint() - t0) / 1e6);
    cpu[current].push((c.user + c.system) / 1000);
  }
  setOn(true);
  const loss = training.step(0, true);
  training.dispose();
  console.log(
    `${model}, ${threads} thread(s), toggle ${toggle}, ${steps} steps alternating every ${every}, medians (tensors ${tf.memory().numTensors}, last loss ${loss})`,
  );
  for (const k of configs) console.log(`  ${k.padEnd(7)} CPU ${median(cpu[k]).toFixed(2)} ms/step, wall ${median(wall[k]).toFixed(2)} ms/step`);
  if (products) {
    const keys = [...times.keys()].sort((a, b) => a.slice(a.indexOf(' ')).localeCompare(b.slice(b.indexOf(' '))) || a.localeCompare(b));
    for (const k of keys) {
      const [, m, kk, n] = /(\d+)x(\d+)x(\d+)/.exec(k) as RegExpExecArray;
      const ms = median(times.get(k) as number[]);
      console.log(
        `  ${k.padEnd(32)} ${ms.toFixed(3)} ms  ${((2 * +m * +kk * +n) / ms / 1e6).toFixed(1)} GFLOP/s  (${(times.get(k) as number[]).length} calls)`,
      );
    }
  }
}

/** Runs bench-step with command-line arguments (after the script name). */
export async function benchStepMain(argv: readonly string[]): Promise<void> {
  const who = 'bench-step';
  const flags = readFlags(argv, ['--model', '--threads', '--steps', '--toggle', '--every', '--data'], ['--products'], who);
  const one = <T extends string>(flag: string, fallback: T, allowed: readonly T[]): T => {
    const chosen = flags.value(flag) ?? fallback;
    if (!(allowed as readonly string[]).includes(chosen))
      throw new Error(`${who}: ${flag} '${chosen}' is unknown; expected one of ${allowed.join(', ')}`);
    return chosen as T;
  };
  const int = (flag: string, fallback: number): number => positiveInt(flag, flags.value(flag) ?? String(fallback), who);
  await benchStep(
    one('--model', 'dense_vae', BENCH_MODEL_NAMES),
    int('--threads', 1),
    int('--steps', 100),
    flags.has('--products'),
    one('--toggle', 'pack', Object.keys(TOGGLES)),
    int('--every', 5),
    one('--data', 'mnist', ['mnist', 'synthetic']) === 'synthetic',
  );
}

if (require.main === module) {
  benchStepMain(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(2);
    },
  );
}
