/**
 * vaelab replaces `ResizeNearestNeighborGrad` on cpu and on wasm (registered by `initBackend`), so
 * comparing the two backends compares vaelab with itself. Here both are checked against a direct
 * reference: each input pixel's gradient is the sum of the upstream gradients of the output
 * pixels that copy it, with the nearest-neighbour rule of TensorFlow (checked against tfjs's own
 * forward kernel on cpu, which vaelab does not replace).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';

/**
 * Source index of output index `i` (TensorFlow's resize_nearest_neighbor): scale = in / out, or
 * (in - 1) / (out - 1) with alignCorners; source = floor(i * scale), round with alignCorners,
 * floor((i + 0.5) * scale) with half-pixel centres; clamped to [0, in - 1].
 */
function sourceOf(i: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const scale = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const x = halfPixelCenters ? (i + 0.5) * scale : i * scale;
  const s = alignCorners ? Math.round(x) : Math.floor(x);
  return Math.max(0, Math.min(inSize - 1, s));
}

type Shape4 = [number, number, number, number];

/** dx of nearest-neighbour resizing `inShape` to `to`, for upstream gradient `dy` (NHWC, flat). */
function referenceGrad(dy: ArrayLike<number>, inShape: Shape4, to: [number, number], alignCorners: boolean, halfPixelCenters: boolean): Float64Array {
  const [n, h, w, c] = inShape;
  const [oh, ow] = to;
  const dx = new Float64Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // the block of output pixels whose nearest source pixel is (y, x)
        const rows = Array.from({ length: oh }, (_, r) => r).filter((r) => sourceOf(r, h, oh, alignCorners, halfPixelCenters) === y);
        const cols = Array.from({ length: ow }, (_, q) => q).filter((q) => sourceOf(q, w, ow, alignCorners, halfPixelCenters) === x);
        for (let d = 0; d < c; d++) {
          let s = 0;
          for (const r of rows) for (const q of cols) s += dy[((b * oh + r) * ow + q) * c + d];
          dx[((b * h + y) * w + x) * c + d] = s;
        }
      }
    }
  }
  return dx;
}

/** Small integers, so that every sum is exact in float32. */
const integers = (count: number, seed: number): Float32Array => Float32Array.from({ length: count }, (_, i) => ((i * 7 + seed * 13) % 23) - 11);

const cases: Array<{ what: string; x: Shape4; to: [number, number]; alignCorners: boolean; halfPixelCenters: boolean }> = [
  { what: 'UpSampling2D by 2', x: [3, 4, 5, 3], to: [8, 10], alignCorners: false, halfPixelCenters: false },
  { what: 'UpSampling2D by (2, 4) (the 5LSL0 latent)', x: [3, 2, 1, 1], to: [4, 4], alignCorners: false, halfPixelCenters: false },
  { what: 'UpSampling2D by 3, 8 channels', x: [2, 3, 4, 8], to: [9, 12], alignCorners: false, halfPixelCenters: false },
  { what: '8x8 to 14x14 (not an integer factor)', x: [2, 8, 8, 2], to: [14, 14], alignCorners: false, halfPixelCenters: false },
  { what: '7x7 to 3x5 (downscaling: some pixels get nothing)', x: [2, 7, 7, 2], to: [3, 5], alignCorners: false, halfPixelCenters: false },
  { what: 'alignCorners', x: [2, 3, 5, 2], to: [7, 4], alignCorners: true, halfPixelCenters: false },
  { what: 'halfPixelCenters, factor 2', x: [2, 3, 3, 2], to: [6, 6], alignCorners: false, halfPixelCenters: true },
  { what: 'halfPixelCenters, 5x4 to 7x9', x: [2, 5, 4, 3], to: [7, 9], alignCorners: false, halfPixelCenters: true },
];

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
});

test.each(cases)(
  'the nearest-neighbour rule of the reference is the forward kernel of tfjs cpu: $what',
  async ({ x: xs, to, alignCorners, halfPixelCenters }) => {
    await tf.setBackend('cpu');
    const [, h, w] = xs;
    // one channel whose value is the pixel's index: the output shows where each pixel was copied from
    const index = tf.tensor4d(
      Float32Array.from({ length: h * w }, (_, i) => i),
      [1, h, w, 1],
    );
    const up = tf.image.resizeNearestNeighbor(index, to, alignCorners, halfPixelCenters);
    const got = Array.from(up.dataSync());
    tf.dispose([index, up]);
    const want: number[] = [];
    for (let r = 0; r < to[0]; r++) {
      for (let q = 0; q < to[1]; q++)
        want.push(sourceOf(r, h, to[0], alignCorners, halfPixelCenters) * w + sourceOf(q, w, to[1], alignCorners, halfPixelCenters));
    }
    expect(got).toEqual(want);
  },
);

describe.each(['cpu', 'wasm'] as const)('ResizeNearestNeighborGrad on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  test.each(cases)("equals the sum of dy over each pixel's nearest-neighbour block: $what", ({ x: xs, to, alignCorners, halfPixelCenters }) => {
    const dyShape: Shape4 = [xs[0], to[0], to[1], xs[3]];
    const dyValues = integers(
      dyShape.reduce((a, b) => a * b, 1),
      xs[1],
    );
    const x = tf.tensor4d(
      integers(
        xs.reduce((a, b) => a * b, 1),
        5,
      ),
      xs,
    );
    const dy = tf.tensor4d(dyValues, dyShape);
    const dx = tf.grad((t: tf.Tensor) => tf.image.resizeNearestNeighbor(t as tf.Tensor4D, to, alignCorners, halfPixelCenters))(x, dy);
    expect(dx.shape).toEqual(xs);
    expect(Array.from(dx.dataSync())).toEqual(Array.from(referenceGrad(dyValues, xs, to, alignCorners, halfPixelCenters)));
    tf.dispose([x, dy, dx]);
  });

  test('the gradient of a tf.layers.upSampling2d layer (how the models use it) equals the reference', () => {
    const layer = tf.layers.upSampling2d({ size: [2, 3] });
    const xs: Shape4 = [2, 3, 4, 5];
    const dyValues = integers(2 * 6 * 12 * 5, 9);
    const x = tf.tensor4d(integers(2 * 3 * 4 * 5, 2), xs);
    const dy = tf.tensor4d(dyValues, [2, 6, 12, 5]);
    const dx = tf.grad((t: tf.Tensor) => layer.apply(t) as tf.Tensor)(x, dy);
    expect(Array.from(dx.dataSync())).toEqual(Array.from(referenceGrad(dyValues, xs, [6, 12], false, false)));
    tf.dispose([x, dy, dx]);
  });
});
