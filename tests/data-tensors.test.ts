/** Tensors and single images from an ImageDataset. */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../src/types';
import { gatherImages, imageAt, imagesTensor, labelsTensor } from '../src/data';

const ds: ImageDataset = {
  images: Float32Array.from({ length: 3 * 4 }, (_, i) => i / 12),
  labels: new Uint8Array([9, 4, 0]),
  count: 3,
  rows: 2,
  cols: 2,
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

test('imagesTensor gives flat float32 [n, rows*cols] images, all or selected', () => {
  const all = imagesTensor(ds);
  expect(all.shape).toEqual([3, 4]);
  expect(all.dtype).toBe('float32');
  expect(Array.from(all.dataSync())).toEqual(Array.from(ds.images));
  const some = imagesTensor(ds, [2, 0]);
  expect(some.shape).toEqual([2, 4]);
  expect(Array.from(some.dataSync())).toEqual([...Array.from(ds.images.subarray(8, 12)), ...Array.from(ds.images.subarray(0, 4))]);
  tf.dispose([all, some]);
});

test('labelsTensor gives int32 [n] labels, all or selected', () => {
  const all = labelsTensor(ds);
  expect(all.dtype).toBe('int32');
  expect(Array.from(all.dataSync())).toEqual([9, 4, 0]);
  const some = labelsTensor(ds, Int32Array.from([1]));
  expect(Array.from(some.dataSync())).toEqual([4]);
  expect(() => labelsTensor(ds, [3])).toThrow(/labelsTensor: index 3 is out of range/);
  tf.dispose([all, some]);
});

test('imageAt returns a copy of one image; gatherImages concatenates images', () => {
  const img = imageAt(ds, 1);
  expect(Array.from(img)).toEqual(Array.from(ds.images.subarray(4, 8)));
  img[0] = 42;
  expect(ds.images[4]).not.toBe(42);
  expect(() => imageAt(ds, -1)).toThrow(RangeError);
  expect(() => imageAt(ds, 1.5)).toThrow(/expected an integer in \[0, 2\]/);
  const second = Array.from(ds.images.subarray(4, 8));
  expect(Array.from(gatherImages(ds, [1, 1]))).toEqual([...second, ...second]);
  const all = gatherImages(ds);
  expect(all).not.toBe(ds.images);
  expect(Array.from(all)).toEqual(Array.from(ds.images));
  expect(() => gatherImages(ds, [5])).toThrow(/gatherImages: index 5/);
});
