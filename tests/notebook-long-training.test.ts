/**
 * `isLongTraining`: the switch 09, 10 and 11 use to pick, from their settings, which claims about the training
 * length they make. The boundary, the errors, and that each profile's settings land on the side its notebooks'
 * answers describe (quick: short, full: long).
 */
import * as fs from 'fs';
import * as path from 'path';
import { isLongTraining, LONG_TRAINING_PRESENTATIONS } from '../src/notebook/claims';
import { loadProfiles } from '../src/tools/runner/profiles';

const solutions = path.join(__dirname, '..', 'solutions');

test('a training is long from LONG_TRAINING_PRESENTATIONS image presentations on', () => {
  expect(isLongTraining(1, LONG_TRAINING_PRESENTATIONS)).toBe(true);
  expect(isLongTraining(50, 10_000)).toBe(true);
  expect(isLongTraining(1, LONG_TRAINING_PRESENTATIONS - 1)).toBe(false);
  expect(isLongTraining(3, 6_000)).toBe(false);
  expect(isLongTraining(0, 60_000)).toBe(false);
});

test('a negative or non-finite count is refused with its name', () => {
  expect(() => isLongTraining(-1, 100)).toThrow(/epochs must be a finite number >= 0, got -1/);
  expect(() => isLongTraining(3, Number.NaN)).toThrow(/trainCount must be a finite number >= 0, got NaN/);
  expect(() => isLongTraining(Infinity, 100)).toThrow(/epochs/);
});

/** The notebooks that choose claims by training length, and the numeric `let` settings of their parameters cell. */
function notebooksUsingIt(): { name: string; defaults: Record<string, number> }[] {
  return fs
    .readdirSync(solutions)
    .filter((f) => f.endsWith('.ipynb'))
    .map((f) => ({
      f,
      cells: (JSON.parse(fs.readFileSync(path.join(solutions, f), 'utf8')) as { cells: { source: string[]; metadata?: { tags?: string[] } }[] })
        .cells,
    }))
    .filter(({ cells }) => cells.some((c) => c.source.join('').includes('vl.isLongTraining(epochs, train.count)')))
    .map(({ f, cells }) => {
      const params = cells.find((c) => c.metadata?.tags?.includes('parameters'));
      if (!params) throw new Error(`${f} has no parameters cell`);
      const defaults: Record<string, number> = {};
      for (const m of params.source.join('').matchAll(/^let (\w+) = ([\d_]+);/gm)) defaults[m[1]] = Number(m[2].replace(/_/g, ''));
      return { name: f.replace(/\.ipynb$/, ''), defaults };
    });
}

test('09, 10 and 11 choose by it, and every one of their own computations of the threshold is gone', () => {
  const names = notebooksUsingIt().map((n) => n.name.slice(0, 2));
  expect(names).toEqual(['09', '10', '11']);
  for (const f of fs.readdirSync(solutions).filter((x) => x.endsWith('.ipynb'))) {
    expect(`${f}: ${fs.readFileSync(path.join(solutions, f), 'utf8').includes('200_000')}`).toBe(`${f}: false`);
  }
});

test('the quick profile trains them short and the full profile long, so each run makes the claims its answer describes', () => {
  const profiles = loadProfiles(path.join(solutions, 'profiles.json'));
  for (const { name, defaults } of notebooksUsingIt()) {
    const settings = (profile: string) => ({ ...defaults, ...(profiles.profiles[profile].notebooks?.[name] ?? {}) }) as Record<string, unknown>;
    const quick = settings('quick');
    const full = settings('full');
    expect(`${name} quick: ${isLongTraining(Number(quick.epochs), Number(quick.trainCount))}`).toBe(`${name} quick: false`);
    expect(`${name} full: ${isLongTraining(Number(full.epochs), Number(full.trainCount))}`).toBe(`${name} full: true`);
  }
});
