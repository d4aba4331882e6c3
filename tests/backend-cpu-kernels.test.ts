/** The cpu backend's UpSampling (resizeNearestNeighbor) gradient is right for batches > 1 once vaelab's fix is registered. */
import * as tf from '@tensorflow/tfjs';
import { registerCpuKernels } from '../src/backend';

beforeAll(async () => {
  registerCpuKernels();
  registerCpuKernels(); // idempotent
  await tf.setBackend('cpu');
});

test('2x nearest upsampling: the gradient of each input pixel is the sum of its 2x2 block of dy, for every image', () => {
  const [n, h, w, c] = [3, 2, 3, 2];
  const dyValues = Array.from({ length: n * 2 * h * 2 * w * c }, (_, i) => (i * 7) % 11);
  const dy = tf.tensor4d(dyValues, [n, 2 * h, 2 * w, c]);
  const x = tf.zeros([n, h, w, c]) as tf.Tensor4D;
  const dx = tf
    .grad((t: tf.Tensor) => tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [2 * h, 2 * w]))(x, dy)
    .arraySync() as number[][][][];
  const at = (b: number, r: number, q: number, d: number): number => dyValues[((b * 2 * h + r) * 2 * w + q) * c + d];
  for (let b = 0; b < n; b++)
    for (let r = 0; r < h; r++)
      for (let q = 0; q < w; q++)
        for (let d = 0; d < c; d++) {
          const expected = at(b, 2 * r, 2 * q, d) + at(b, 2 * r, 2 * q + 1, d) + at(b, 2 * r + 1, 2 * q, d) + at(b, 2 * r + 1, 2 * q + 1, d);
          expect(dx[b][r][q][d]).toBe(expected);
        }
});

test('resizing 8x8 to 14x14 (non-integer factor): each dy pixel lands on the pixel the forward pass copied', () => {
  const x = tf.tensor4d(
    Array.from({ length: 2 * 64 }, (_, i) => i),
    [2, 8, 8, 1],
  );
  const y = tf.image.resizeNearestNeighbor(x, [14, 14]);
  // With dy = the forward output, dx[p] = value(p) * (number of copies of p); copies from the forward pass.
  const dx = tf
    .grad((t: tf.Tensor) => tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [14, 14]))(x, y)
    .dataSync();
  const ys = y.dataSync();
  const counts = new Map<number, number>();
  for (const v of ys) counts.set(v, (counts.get(v) ?? 0) + 1);
  x.dataSync().forEach((v, i) => expect(dx[i]).toBe(v * (counts.get(v) ?? 0)));
});
