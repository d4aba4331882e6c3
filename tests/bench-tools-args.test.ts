/**
 * The command lines of the measuring tools beside `npm run bench` (bench-step, bench-products):
 * `readFlags` reads `--flag value` pairs and switches, and a wrong argument is a one-line error
 * naming it and what is expected (exit code 2, before anything is measured).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { readFlags } from '../src/tools/bench/bench-args';

const ROOT = path.resolve(__dirname, '..');

describe('readFlags', () => {
  test('values, switches and absent flags', () => {
    const f = readFlags(
      ['--threads', '2', '--products', '--data', 'synthetic'],
      ['--threads', '--data', '--steps'],
      ['--products', '--shared'],
      'tool',
    );
    expect(f.value('--threads')).toBe('2');
    expect(f.value('--data')).toBe('synthetic');
    expect(f.value('--steps')).toBeUndefined();
    expect(f.has('--products')).toBe(true);
    expect(f.has('--shared')).toBe(false);
  });

  test('an unknown argument and a flag without its value are errors that name them', () => {
    expect(() => readFlags(['--fast'], ['--threads'], ['--products'], 'tool')).toThrow(
      "tool: unknown argument '--fast'; expected --threads VALUE, --products",
    );
    expect(() => readFlags(['--threads'], ['--threads'], [], 'tool')).toThrow('tool: --threads needs a value');
    expect(() => readFlags(['2'], ['--threads'], [], 'tool')).toThrow("unknown argument '2'");
  });
});

describe('the compiled tools refuse bad arguments before measuring', () => {
  test.each<[string, string[], RegExp]>([
    ['bench-step.js', ['--bogus'], /^bench-step: unknown argument '--bogus'; expected --model VALUE/],
    ['bench-step.js', ['--toggle', 'nope'], /^bench-step: --toggle 'nope' is unknown; expected one of pack, .*sparse/],
    [
      'bench-step.js',
      ['--model', 'dense_vae,conv_vae'],
      /^bench-step: --model 'dense_vae,conv_vae' is unknown; expected one of dense_vae, conv_vae, conv_ae/,
    ],
    ['bench-step.js', ['--data', 'noise'], /^bench-step: --data 'noise' is unknown; expected one of mnist, synthetic/],
    ['bench-step.js', ['--threads', '0'], /^bench-step: --threads must be a positive integer, got '0'/],
    ['bench-step.js', ['--steps'], /^bench-step: --steps needs a value/],
    ['bench-products.js', ['--shift', '-1'], /^bench-products: --shift must be an integer >= 0, got '-1'/],
    ['bench-products.js', ['--reps', 'x'], /^bench-products: --reps must be a positive integer, got 'x'/],
  ])('%s %j', (tool, argv, message) => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'tools', 'bench', tool), ...argv], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
