/**
 * The output check of the smoke run (tests/notebook-outputs.ts): how notebooks declare figures and
 * published numbers, how saved figures are judged, and, on a fixture notebook run by the real
 * runner, that a blank or tiny figure, a declared figure never saved, a NaN and a declared number
 * never published each fail the check.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { defaultRunnerPaths, runCli, type RunnerIo } from '../src/tools/runner/runner-cli';
import { declaredOutputs, figureProblems, FIGURE_LIMITS, notebookOutputProblems } from './notebook-outputs';
import { readSummary } from './summary-schema';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-outputs-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function notebookWith(...sources: string[]): string {
  const file = path.join(dir, 'nb.ipynb');
  const cells = sources.map((source, i) => ({ id: `c${i}`, cell_type: 'code', metadata: {}, source, execution_count: null, outputs: [] }));
  fs.writeFileSync(
    file,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [{ id: 'm', cell_type: 'markdown', metadata: {}, source: "vl.show(x, 'in_markdown')" }, ...cells],
    }),
  );
  return file;
}

describe('declaredOutputs', () => {
  it('reads literal names, and template names as patterns, from vl.show / vl.publish calls', () => {
    const declared = declaredOutputs(
      notebookWith(
        "vl.show(vl.lossCurveChart(h, { title: 'a, b' }), '01_loss');\nvl.publish('test_mse', mse);",
        'for (const b of betas) {\n  vl.show(chart, `08_beta_${String(b).replace(".", "p")}_scatter`, { display: true });\n  vl.publish(`beta_${b}_kl`, kl);\n}\nvl.publish(`plain`, 1);',
      ),
    );
    expect(declared.problems).toEqual([]);
    expect(declared.figures.map((p) => p.text)).toEqual(['01_loss', '08_beta_*_scatter']);
    expect(declared.published.map((p) => p.text)).toEqual(['test_mse', 'beta_*_kl', 'plain']);
    const [loss, beta] = declared.figures;
    expect([loss.regex.test('01_loss'), loss.regex.test('01_lossy'), loss.regex.test('x01_loss')]).toEqual([true, false, false]);
    expect([beta.regex.test('08_beta_0p5_scatter'), beta.regex.test('08_beta__scatter'), beta.regex.test('08_beta_1_scatter.png')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('reports names it cannot read and show/publish used in other ways', () => {
    const { problems } = declaredOutputs(
      notebookWith(
        "const name = 'x';\nvl.show(fig, name);\nvl.publish(prefix + '_mse', 1);",
        'const { show } = vl;\nshow(fig, "y");',
        "vl.saveAndShow(fig, 'z');",
        'vl.show(fig);',
      ),
    );
    expect(problems).toEqual([
      'nb.ipynb cell 1: vl.show(fig, name): the figure name must be a string or template literal in the call',
      "nb.ipynb cell 1: vl.publish(prefix + '_mse', 1): the published name must be a string or template literal in the call",
      'nb.ipynb cell 2: show: "show" used other than as vl.show(...); its outputs would not be declared',
      'nb.ipynb cell 2: show(fig, "y"): "show" used other than as vl.show(...); its outputs would not be declared',
      "nb.ipynb cell 3: vl.saveAndShow(fig, 'z'): use vl.show(figure, 'name') so that the figure is declared",
      'nb.ipynb cell 4: vl.show(fig): the figure name must be a string or template literal in the call',
    ]);
  });
});

describe('figureProblems', () => {
  const write = async (name: string, width: number, height: number, paint: (x: number, y: number) => number, alpha = false) => {
    const channels = alpha ? 4 : 3;
    const raw = Buffer.alloc(width * height * channels);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = paint(x, y);
        raw.fill(v, (y * width + x) * channels, (y * width + x) * channels + 3);
        if (alpha) raw[(y * width + x) * channels + 3] = 0; // fully transparent
      }
    }
    const file = path.join(dir, `${name}.png`);
    await sharp(raw, { raw: { width, height, channels } }).png().toFile(file);
    return file;
  };

  it('passes a gradient and names blank, nearly blank, transparent, too small, too large and missing figures', async () => {
    expect(await figureProblems(await write('ok', 200, 100, (x) => x))).toEqual([]);
    const blank = await write('blank', 200, 100, () => 0);
    expect(await figureProblems(blank)).toEqual([`${blank}: blank (one colour)`]);
    // Three black pixels on white: standard deviation 255 * sqrt(p (1 - p)) with p = 3 / 20000, about 3.1.
    const dots = await write('dots', 200, 100, (x, y) => (y === 50 && x < 3 ? 0 : 255));
    const expectedStdev = 255 * Math.sqrt((3 / 20000) * (1 - 3 / 20000));
    expect(expectedStdev).toBeLessThan(FIGURE_LIMITS.minStdev);
    expect(await figureProblems(dots)).toEqual([
      `${dots}: nearly blank (pixel standard deviation ${expectedStdev.toFixed(2)} < ${FIGURE_LIMITS.minStdev})`,
    ]);
    // A gradient that is fully transparent shows as white paper.
    const invisible = await write('invisible', 200, 100, (x) => x, true);
    expect(await figureProblems(invisible)).toEqual([`${invisible}: blank (one colour)`]);
    const tiny = await write('tiny', 20, 100, (x, y) => y);
    expect(await figureProblems(tiny)).toEqual([`${tiny}: 20 x 100 pixels, expected each side in [64, 8000]`]);
    const huge = await write('huge', 8001, 64, (x) => x % 256);
    expect(await figureProblems(huge)).toEqual([`${huge}: 8001 x 64 pixels, expected each side in [64, 8000]`]);
    expect(await figureProblems(path.join(dir, 'nope.png'))).toEqual([`${path.join(dir, 'nope.png')}: missing`]);
  });
});

describe('notebookOutputProblems on a fixture notebook run by the real runner', () => {
  it('reports the blank and the tiny figure, the figure never saved, the NaN and the number never published', async () => {
    const source = path.join(__dirname, 'fixtures', 'notebooks', 'bad-outputs.ipynb');
    const io: RunnerIo = { out: () => undefined, err: () => undefined, tty: false };
    expect(await runCli([source, '--out', dir], defaultRunnerPaths(), io)).toBe(0);
    const summary = readSummary(dir);
    const [entry] = summary.notebooks;
    expect(entry.status).toBe('ok');
    const figure = (stem: string) => path.join(dir, 'bad-outputs', 'figures', `${stem}.png`);
    expect((await notebookOutputProblems(entry, dir)).sort()).toEqual(
      [
        'bad-outputs: declared figure "never_saved" was not saved',
        `bad-outputs: ${figure('blank_white')}: blank (one colour)`,
        `bad-outputs: ${figure('tiny_gradient')}: 20 x 20 pixels, expected each side in [64, 8000]`,
        'bad-outputs: declared published number "never_published" is missing',
        'bad-outputs: published "nan_number" is "NaN", expected a finite number',
      ].sort(),
    );
    // The same run with the good outputs only passes: the check is not just always failing.
    const good = { ...entry, figures: entry.figures.filter((f) => /good_|copy_/.test(f)), published: { good_number: 0.25, copy_0_value: 0 } };
    const goodOnly = (await notebookOutputProblems(good, dir)).filter(
      (p) => !/declared (figure|published number) "(blank_white|tiny_gradient|never_saved|nan_number|never_published)"/.test(p),
    );
    expect(goodOnly).toEqual([]);
  }, 120000);
});
