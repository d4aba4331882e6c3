/** The benchmark models have the PyTorch peer's shapes, and a benchmark case measures without leaking tensors. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { runBenchCase } from '../src/tools/bench/bench';
import { BENCH_MODEL_NAMES, benchLoss, buildBenchModel } from '../src/tools/bench/bench-models';

const dense = (i: number, o: number): number => i * o + o;
const conv = (k: number, i: number, o: number): number => k * k * i * o + o;

/** Parameter counts of ../shared/peers/pytorch_bench.py's models, layer by layer. */
const PEER_PARAMS: Record<string, number> = {
  dense_vae: dense(784, 512) + dense(512, 256) + dense(256, 32) + dense(16, 256) + dense(256, 512) + dense(512, 784),
  conv_vae:
    conv(3, 1, 32) + conv(3, 32, 64) + dense(3136, 128) + dense(128, 32) + dense(16, 3136) + conv(3, 64, 64) + conv(3, 64, 32) + conv(3, 32, 1),
  conv_ae: conv(3, 1, 16) + 2 * conv(3, 16, 16) + conv(3, 16, 1) + conv(3, 1, 16) + 2 * conv(3, 16, 16) + conv(3, 16, 1),
};

beforeAll(async () => {
  await initBackend({ backend: 'wasm', announce: false });
});

describe.each(BENCH_MODEL_NAMES)('%s', (name) => {
  test('has the peer parameter count and maps [n,784] -> latent -> [n,784]', () => {
    const m = buildBenchModel(name, 3);
    const params = [...m.encoder.trainableWeights, ...m.decoder.trainableWeights].reduce(
      (s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1),
      0,
    );
    expect(params).toBe(PEER_PARAMS[name]);
    tf.tidy(() => {
      const x = tf.fill([4, 784], 0.5) as tf.Tensor2D;
      const h = m.encoder.predict(x) as tf.Tensor;
      expect(h.shape).toEqual([4, m.variational ? 2 * m.latentDim : m.latentDim]);
      const r = m.decoder.predict(tf.zeros([4, m.latentDim])) as tf.Tensor;
      expect(r.shape).toEqual([4, 784]);
      const eps = m.variational ? (tf.zeros([4, m.latentDim]) as tf.Tensor2D) : undefined;
      expect(Number.isFinite(benchLoss(m, x, eps).dataSync()[0])).toBe(true);
    });
    m.dispose();
  });
});

test('a benchmark case reports positive throughputs, memory, and equal live tensors before and after', async () => {
  const data = new Float32Array(200 * 784).map((_, i) => (i % 29) / 29);
  const r = await runBenchCase({ model: 'conv_ae', backend: 'wasm', data, images: 200, mapIterations: 2 });
  expect(r).toMatchObject({ model: 'conv_ae', backend: 'wasm', kernels: 'fast', images: 200, batch: 100 });
  for (const k of [
    'images_per_s',
    'warm_images_per_s',
    'cpu_images_per_s',
    'inference_images_per_s',
    'map_iters_per_s',
    'peak_rss_mb',
    'peak_heap_mb',
  ] as const) {
    expect(r[k]).toBeGreaterThan(0);
  }
  expect(Number.isFinite(r.final_loss)).toBe(true);
  expect(r.tensors_after).toBe(r.tensors_before);
  // The machine's load is recorded so a reader can tell shared wall-clock numbers.
  expect(r.cores).toBeGreaterThanOrEqual(1);
  expect(r.load_avg).toBeGreaterThanOrEqual(0);
});

test('bad sizes are refused with a RangeError that says what was expected', async () => {
  const data = new Float32Array(100 * 784);
  await expect(runBenchCase({ model: 'dense_vae', backend: 'wasm', data, images: 150 })).rejects.toThrow(/multiple of the batch/);
  await expect(runBenchCase({ model: 'dense_vae', backend: 'wasm', data, images: 200 })).rejects.toThrow(RangeError);
});
