/** Seeded subsets, shuffles, selections, batch indices and label counts. */
import { Rng } from '../src/rng';
import type { ImageDataset } from '../src/types';
import { batchIndices, labelCounts, selectDataset, shuffleDataset, subsetDataset } from '../src/data';

/** A 2x2 dataset where image i has every pixel equal to i/100 and label i % 10. */
function tiny(count: number): ImageDataset {
  const images = new Float32Array(count * 4);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    images.fill(i / 100, i * 4, i * 4 + 4);
    labels[i] = i % 10;
  }
  return { images, labels, count, rows: 2, cols: 2 };
}

/** The index each image came from (pixels encode it), checking image and label moved together. */
function origins(ds: ImageDataset): number[] {
  const out: number[] = [];
  for (let k = 0; k < ds.count; k++) {
    const i = Math.round(ds.images[k * 4] * 100);
    expect(ds.labels[k]).toBe(i % 10);
    out.push(i);
  }
  return out;
}

test('selectDataset copies the chosen images and labels in order and checks indices', () => {
  const ds = tiny(10);
  const sel = selectDataset(ds, [7, 2, 2]);
  expect(origins(sel)).toEqual([7, 2, 2]);
  sel.images[0] = 0.99;
  expect(ds.images[28]).toBeCloseTo(0.07);
  expect(() => selectDataset(ds, [10])).toThrow(/index 10 is out of range; expected an integer in \[0, 9\]/);
});

test('subsetDataset: distinct images, deterministic per seed, different across seeds', () => {
  const ds = tiny(50);
  const a = origins(subsetDataset(ds, 20, new Rng(1)));
  const b = origins(subsetDataset(ds, 20, new Rng(1)));
  const c = origins(subsetDataset(ds, 20, new Rng(2)));
  expect(new Set(a).size).toBe(20);
  expect(a).toEqual(b);
  expect(a).not.toEqual(c);
  expect(subsetDataset(ds, 0, new Rng(1)).count).toBe(0);
  expect(() => subsetDataset(ds, 51, new Rng(1))).toThrow(RangeError);
  expect(() => subsetDataset(ds, -1, new Rng(1))).toThrow(/count must be an integer in \[0, 50\]/);
});

test('shuffleDataset is a seeded permutation of all images', () => {
  const ds = tiny(30);
  const a = origins(shuffleDataset(ds, new Rng('s')));
  expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  expect(a).toEqual(origins(shuffleDataset(ds, new Rng('s'))));
  expect(a).not.toEqual(Array.from({ length: 30 }, (_, i) => i));
});

test('batchIndices covers every index once, in order without rng, seeded order with rng', () => {
  const plain = batchIndices(10, 4);
  expect(plain.map((b) => Array.from(b))).toEqual([
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9],
  ]);
  const s1 = batchIndices(103, 10, new Rng(3));
  const s2 = batchIndices(103, 10, new Rng(3));
  expect(s1.length).toBe(11);
  expect(s1[10].length).toBe(3);
  const flat = s1.flatMap((b) => Array.from(b));
  expect([...flat].sort((x, y) => x - y)).toEqual(Array.from({ length: 103 }, (_, i) => i));
  expect(flat).toEqual(s2.flatMap((b) => Array.from(b)));
  expect(batchIndices(0, 5)).toEqual([]);
  expect(() => batchIndices(10, 0)).toThrow(/batchIndices: batchSize must be an integer >= 1, got 0/);
  expect(() => batchIndices(-1, 2)).toThrow(RangeError);
});

test('labelCounts counts every label', () => {
  expect(Array.from(labelCounts(tiny(25)))).toEqual([3, 3, 3, 3, 3, 2, 2, 2, 2, 2]);
  const ds: ImageDataset = { images: new Float32Array(2), labels: new Uint8Array([12, 0]), count: 2, rows: 1, cols: 1 };
  expect(labelCounts(ds).length).toBe(13);
});
