/**
 * Numbers that restate settings go stale: a notebook that says "60,000 images and 12 epochs" or
 * repeats the document's MSE is wrong the day a preset or profile changes. Settings live in
 * src/models/presets.ts and solutions/profiles.json; notebooks print them from there (answers and
 * printed output compute them, Markdown and comments name them without the number). This test
 * scans every solution notebook (Markdown, code, comments) for such literals.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as presets from '../src/models/presets';

const ROOT = path.resolve(__dirname, '..');
const SOLUTIONS = path.join(ROOT, 'solutions');

/** Image counts of the presets (60000, 10000, ...) as they could be written: 60000, 60,000, 60 000. */
const presetCounts = [
  ...new Set(Object.values(presets).flatMap((p) => (typeof p === 'object' && p && 'trainCount' in p ? [p.trainCount, p.testCount] : []))),
].filter((n) => n >= 1000);
const countPattern = (n: number) => new RegExp(`\\b${String(n).replace(/(\d)(?=(\d{3})+$)/g, '$1[,\\s]?')}\\b`);

/** Patterns of a restated setting in prose (Markdown and code comments), with what each catches. */
const PROSE_PATTERNS: Array<[string, RegExp]> = [
  ['a count of epochs or images', /\b\d+(,\d{3})*\s+(epochs?|(training |test )?images)\b/i],
  ['a batch size', /\bbatch(es)?( size)?( of)?\s+\d/i],
  ['a learning rate', /\blearning rate( of)?\s+\d/i],
];

/** Patterns of a restated setting anywhere (prose, code, strings). */
const PATTERNS: Array<[string, RegExp]> = [
  ['a code size restated in prose', /\b(?!784\b)\d+ numbers\b/i],
  ["a document's setting", /\b(tutorial|document|guide|assignment)('s)?:?\s+(at least\s+|trains (on\s+)?|Adam\s+(default\s+)?)?\d/i],
  ["a profile's setting", /\((full|quick|smoke)( profile)?:\s*\d/i],
  ["the document's MSE", /\b0\.0120?\b/],
  ...presetCounts.map((n): [string, RegExp] => [`the preset image count ${n}`, countPattern(n)]),
];

/** Every restated setting in `text` (`prose`: Markdown, else code whose comments count as prose), as `what: "line"`. */
export function settingsLiterals(text: string, prose = true): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const comment = prose ? line : line.includes('//') ? line.slice(line.indexOf('//')) : '';
    const hits = [...PROSE_PATTERNS.filter(([, p]) => p.test(comment)), ...PATTERNS.filter(([, p]) => p.test(line))];
    for (const [what] of hits) found.push(`${what}: "${line.trim().slice(0, 120)}"`);
  }
  return found;
}

const notebooks = fs
  .readdirSync(SOLUTIONS)
  .filter((f) => f.endsWith('.ipynb'))
  .sort();
const cellsOf = (file: string) =>
  (JSON.parse(fs.readFileSync(path.join(SOLUTIONS, file), 'utf8')) as { cells: Array<{ cell_type: string; source: string | string[] }> }).cells.map(
    (c) => ({
      type: c.cell_type,
      text: Array.isArray(c.source) ? c.source.join('') : c.source,
    }),
  );

test('the detector catches the literals that went stale before (and leaves MNIST facts alone)', () => {
  expect(presetCounts).toEqual(expect.arrayContaining([60000, 10000]));
  const stale = [
    'The course document trains this FCN on all 60,000 images for 12 epochs and its',
    'log ends at a validation MSE of 0.0120. How does your run compare',
    "`60,000 images and 12 epochs, so the document's 0.0120 is out of reach by design`",
    'the FCN code keeps 48 numbers per image, the convolutional code only 2',
    'Adam. We use the settings of the course document: learning rate 0.0015, batches of 300 images,',
    'let trainCount = 6000;      // training images (full: 60000)',
    'let epochs = 6;             // dense VAE (the tutorial: 50)',
    'at least 30 epochs; the `full` profile trains that long.',
    'let learningRate = 0.003;    // the guide: Adam 0.001; faster here',
    'const documentSettings = train.count === 60000 && test.count === 10000',
  ];
  for (const line of stale) expect([line, settingsLiterals(line).length > 0]).toEqual([line, true]);
  // In code only comments are prose: a local count in a message is not a setting, a comment restating one is.
  expect(settingsLiterals('console.log(`untrained network, 8 test images: ${x}`);', false)).toEqual([]);
  expect(settingsLiterals('let fcnEpochs = 10;         // the document trains 12 epochs', false)).toHaveLength(2);
  expect(settingsLiterals('const documentSettings = train.count === 60000 && fcnEpochs === 12;', false)).toHaveLength(1);
  const fine = [
    'The first model flattens each image into a vector of 784 numbers and squeezes it through dense',
    'console.log(`${train.count} training images, ${test.count} test images, backend ${backend}`);',
    'let trainCount = 6000;      // training images (full profile: the whole training set)',
    '`the document trains ${doc.epochs} epochs on ${doc.trainCount.toLocaleString()} images`',
    '**784 → 144 → 72 → 48**, with ReLU activations in the two hidden layers',
  ];
  for (const line of fine) expect([line, settingsLiterals(line)]).toEqual([line, []]);
});

test.each(notebooks)('%s restates no setting as a literal', (file) => {
  const found = cellsOf(file).flatMap((c, i) => settingsLiterals(c.text, c.type !== 'code').map((f) => `cell ${i} (${c.type}): ${f}`));
  expect(found).toEqual([]);
});

test("the document's FCN MSE is written once in src/ and notebook 01 uses the constant", () => {
  const hits: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.ts')) {
        fs.readFileSync(full, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (/\b0\.0120?\b/.test(line)) hits.push(`${path.relative(ROOT, full)}:${i + 1}`);
          });
      }
    }
  };
  walk(path.join(ROOT, 'src'));
  expect(hits).toHaveLength(1);
  expect(hits[0]).toMatch(/^src\/models\/presets\.ts:/);
  expect(presets.FCN_DOCUMENT_VALIDATION_MSE).toBe(0.012);
  const text = cellsOf('01_autoencoders.ipynb')
    .map((c) => c.text)
    .join('\n');
  expect(text).toContain('vl.FCN_DOCUMENT_VALIDATION_MSE');
  expect(text).toContain('vl.FCN_AUTOENCODER_TRAINING');
});
