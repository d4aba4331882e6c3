import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { exportReconstructionsCsv, readReconstructionsCsv, reconstructDataset, reconstructionErrors } from '../src/analysis';
import { auc } from '../src/metrics';
import { Rng } from '../src/rng';
import { PIXELS, probeModel } from './analysis-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('reconstructionErrors', () => {
  test('scores images the model cannot rebuild higher, and separates them by AUC', () => {
    // probeModel rebuilds pixels 0-1 exactly and outputs 0 elsewhere: "normal" images are dark
    // beyond pixel 1, "anomalies" have a bright stroke.
    const rng = new Rng(3);
    const count = 40;
    const images = new Float32Array(count * PIXELS);
    const isAnomaly: boolean[] = [];
    for (let i = 0; i < count; i++) {
      images[i * PIXELS] = rng.uniform();
      images[i * PIXELS + 1] = rng.uniform();
      const anomalous = i % 4 === 0;
      isAnomaly.push(anomalous);
      if (anomalous) for (let k = 100; k < 130; k++) images[i * PIXELS + k] = 0.5 + 0.5 * rng.uniform();
    }
    const model = probeModel('ae');
    const recon = reconstructDataset(model, images, { batchSize: 7 });
    expect(recon[0]).toBeCloseTo(images[0], 5);
    const scores = reconstructionErrors(model, images, { batchSize: 7 });
    expect(scores[1]).toBeCloseTo(0, 6);
    expect(scores[0]).toBeGreaterThan(0.005);
    expect(auc(scores, isAnomaly)).toBe(1);
  });
});

describe('exportReconstructionsCsv', () => {
  test('writes the documented header and round-trips the values', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-csv-'));
    const file = path.join(dir, 'sub', 'recon.csv');
    const rng = new Rng(6);
    const orig = rng.uniformArray(3 * PIXELS);
    const recon = rng.uniformArray(3 * PIXELS);
    expect(exportReconstructionsCsv(file, orig, recon)).toBe(3);
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.trim().split('\n');
    expect(lines.length).toBe(4);
    const header = lines[0].split(',');
    expect(header.length).toBe(1 + 2 * PIXELS);
    expect(header.slice(0, 5)).toEqual(['row_id', 'orig_px0', 'recon_px0', 'orig_px1', 'recon_px1']);
    expect(header[header.length - 1]).toBe('recon_px783');
    expect(lines[2].split(',')[0]).toBe('1');
    const back = readReconstructionsCsv(file);
    expect(back.rowIds).toEqual([0, 1, 2]);
    for (let i = 0; i < orig.length; i++) {
      expect(Math.abs(back.originals[i] - orig[i])).toBeLessThan(1e-6);
      expect(Math.abs(back.reconstructions[i] - recon[i])).toBeLessThan(1e-6);
    }
    expect(fs.readdirSync(path.dirname(file))).toEqual(['recon.csv']); // no temp file left
    expect(() => exportReconstructionsCsv(file, orig, recon.subarray(0, PIXELS))).toThrow(/one reconstruction per original/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
