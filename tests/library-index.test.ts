/**
 * The library's index (src/index.ts) exports the course API: every `vl.name` the notebooks, the
 * exercise template and the instructors' guide use is there (as a value or, for annotations, a type).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vl from '../src';

const ROOT = path.resolve(__dirname, '..');

/** The `vl.name`s written in the files under `dir` whose names end with one of `exts`. */
function vlNames(dir: string, exts: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const f of fs.readdirSync(path.join(ROOT, dir))) {
    if (!exts.some((e) => f.endsWith(e))) continue;
    for (const m of fs.readFileSync(path.join(ROOT, dir, f), 'utf8').matchAll(/\bvl\.([A-Za-z_$][\w$]*)/g)) names.add(m[1]);
  }
  return names;
}

test('every vl.name of the notebooks, the exercise template and the instructors guide is exported', () => {
  const used = new Set([...vlNames('solutions', ['.ipynb']), ...vlNames('notebooks', ['.ipynb']), ...vlNames('docs', ['.ipynb', '.md'])]);
  expect(used.size).toBeGreaterThan(50);
  const indexText = fs.readFileSync(path.join(ROOT, 'src', 'index.ts'), 'utf8');
  const typeNames = new Set<string>();
  for (const m of indexText.matchAll(/export type \{([^}]*)\}/g)) for (const n of m[1].split(',')) typeNames.add(n.trim());
  const values = new Set(Object.keys(vl));
  const missing = [...used].filter((n) => !values.has(n) && !typeNames.has(n)).sort();
  expect(missing).toEqual([]);
});

test("the PyTorch report's VAE and its training settings are in the course API (vl.pytorchReportVae, vl.PYTORCH_REPORT_VAE_TRAINING)", () => {
  // The report (course document 001): fc1 784 -> 400 ReLU, fc21 / fc22 400 -> 20 (mu, logVar),
  // fc3 20 -> 400 ReLU, fc4 400 -> 784 sigmoid; BCE summed over pixels + KL, Adam 1e-3, batch 64, 100 epochs.
  const exported = vl as unknown as Record<string, unknown>;
  expect(typeof exported.pytorchReportVae).toBe('function');
  const model = vl.pytorchReportVae();
  try {
    const dense = (m: {
      layers: { getClassName(): string; name: string; getConfig(): Record<string, unknown>; getWeights(): { shape: number[] }[] }[];
    }) =>
      m.layers
        .filter((l) => l.getClassName() === 'Dense')
        .map((l) => `${l.name}:${l.getWeights()[0].shape.join('x')}:${String(l.getConfig().activation)}`);
    expect(dense(model.encoder)).toEqual(['enc_dense1:784x400:relu', 'enc_mu:400x20:linear', 'enc_logVar:400x20:linear']);
    expect(dense(model.decoder)).toEqual(['dec_dense1:20x400:relu', 'dec_output:400x784:sigmoid']);
    expect(model.kind).toBe('vae');
    expect(model.latentDim).toBe(20);
  } finally {
    model.dispose();
  }
  const preset = exported.PYTORCH_REPORT_VAE_TRAINING as Record<string, unknown> | undefined;
  expect(preset).toMatchObject({ loss: 'bce', optimizer: 'adam', learningRate: 0.001, batchSize: 64, epochs: 100, beta: 1 });
});
