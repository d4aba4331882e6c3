/**
 * `npm run grade` end to end on submissions made from the real 07_vae student notebook with the
 * solutions pasted back: full points for a correct one; a wrong KL sign in the loss, a syntax
 * error, an endless loop, process.exit and a read of the solutions each score what they should,
 * with the failure named, and the batch completes with a row for every student; a 05 grid without the
 * y flip and a 13 MAP search that also trains the decoder lose those exercises' points; a 5LSL0 encoder with a
 * layer the assignment does not allow (01) loses the visible check; 01, 13 and 14 pasted back score in full. Smoke profile.
 * Needs `npm run build` (the kernels import dist/).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gradeCli, GradeIo } from '../src/tools/grade/grade-cli';
import { cellText, readNotebook } from '../src/tools/notebook-file';
import { pastedSubmission, writeSubmission } from './grade-fixtures';

const ROOT = path.resolve(__dirname, '..');
const SOLUTIONS_07 = path.join(ROOT, 'solutions', '07_vae.ipynb');
/** 07's training cells: the checks do not need them (alice's full notebook runs them). */
const TRAINING = ['dense-build', 'dense-train', 'dense-results', 'stochastic', 'conv-train', 'conv-results', 'kl-annealing-train'];
/** Points per exercise of a notebook (check + hidden check), read from the solution's cell metadata. */
function pointsOf(name: string): Record<string, number> {
  const points: Record<string, number> = {};
  for (const cell of readNotebook(path.join(ROOT, 'solutions', `${name}.ipynb`)).cells) {
    const meta = cell.metadata.vaelab as { exercise?: string; points?: number } | undefined;
    if (meta?.exercise && meta.points) points[meta.exercise] = (points[meta.exercise] ?? 0) + meta.points;
  }
  return points;
}
const POINTS_07 = pointsOf('07_vae');
const MAX_07 = Object.values(POINTS_07).reduce((a, b) => a + b, 0);

/** The source of a cell of a solution notebook (default 07), with `from` replaced by `to` (which must occur). */
function solutionWith(id: string, from: string, to: string, name = '07_vae'): string {
  const cell = readNotebook(path.join(ROOT, 'solutions', `${name}.ipynb`)).cells.find((c) => c.id === id);
  const text = cellText(cell as NonNullable<typeof cell>);
  if (!text.includes(from)) throw new Error(`solution cell ${id} of ${name} does not contain ${from}`);
  return text.replace(from, to);
}

/** grades.csv as rows keyed by student, each a map from column to value. */
function readCsv(file: string): Map<string, Record<string, string>> {
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const split = (line: string): string[] => {
    const out: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') {
        out.push(cur);
        cur = '';
      } else cur += ch;
    }
    out.push(cur);
    return out;
  };
  const header = split(lines[0]);
  const rows = new Map<string, Record<string, string>>();
  for (const line of lines.slice(1)) {
    const values = split(line);
    rows.set(values[0], Object.fromEntries(header.map((h, i) => [h, values[i]])));
  }
  return rows;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-grade-test-'));
const quiet: GradeIo = { out: () => undefined, err: (t) => void (process.env.VAELAB_GRADE_TEST_TRACE ? process.stderr.write(t) : undefined) };

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` before this test');
});

describe('npm run grade on student submissions (smoke profile)', () => {
  test('a complete, correct submission under any file name gets full points', async () => {
    const subs = path.join(work, 'full');
    writeSubmission(subs, 'alice', 'my work.ipynb', pastedSubmission('07_vae'));
    // the other notebooks where the student builds networks, losses and loops (issue 13's list), in full
    for (const name of ['01_autoencoders', '13_map_denoising', '14_conditional_vae'])
      writeSubmission(subs, 'alice', `${name}.ipynb`, pastedSubmission(name));
    const out = path.join(work, 'out-full');
    expect(await gradeCli([subs, '--profile', 'smoke', '--out', out], undefined, quiet)).toBe(0);
    const rows = readCsv(path.join(out, 'grades.csv'));
    const alice = rows.get('alice') as Record<string, string>;
    for (const [exercise, points] of Object.entries(POINTS_07)) expect(Number(alice[`07_vae:${exercise}`])).toBe(points);
    let max = MAX_07;
    for (const name of ['01_autoencoders', '13_map_denoising', '14_conditional_vae']) {
      const points = pointsOf(name);
      expect(Object.keys(points).length).toBeGreaterThan(0);
      for (const [exercise, p] of Object.entries(points)) expect([name, exercise, Number(alice[`${name}:${exercise}`])]).toEqual([name, exercise, p]);
      max += Object.values(points).reduce((a, b) => a + b, 0);
    }
    expect(Number(alice.total)).toBe(max);
    expect(Number(alice.max)).toBe(max);
    expect(alice.problems).toBe('');
    const executed = readNotebook(path.join(out, 'submissions', 'alice', '07_vae.ipynb'));
    // the hidden checks ran inside the submission, right after their exercise's check cell
    const ids = executed.cells.map((c) => c.id);
    expect(ids.indexOf('hidden-check-7.2')).toBe(ids.indexOf('kl-check') + 1);
    const feedback = fs.readFileSync(path.join(out, 'feedback', 'alice.html'), 'utf8');
    expect(feedback).toContain(`Total: ${max} / ${max} points`);
    expect(feedback).toContain('\u2714 klDivergence (hidden) passed');
  }, 900_000);

  test('broken submissions score what they should, each with its failure named, and the batch completes', async () => {
    const subs = path.join(work, 'broken');
    const trimmed = { drop: TRAINING };
    // the loss subtracts the KL term
    writeSubmission(
      subs,
      'bob',
      '07_vae.ipynb',
      pastedSubmission('07_vae', {
        ...trimmed,
        replace: { 'loss-exercise': solutionWith('loss-exercise', 'tf.add(bce, tf.mul(beta,', 'tf.sub(bce, tf.mul(beta,') },
        insertAfter: [{ after: 'setup', id: 'chatty', source: "console.log('x'.repeat(3_000_000));" }],
      }),
    );
    // a syntax error in the first exercise; no metadata stamp: recognised by its file name
    writeSubmission(
      subs,
      'carol',
      '07_vae_carol.ipynb',
      pastedSubmission('07_vae', {
        ...trimmed,
        unstamped: true,
        replace: { 'reparam-exercise': solutionWith('reparam-exercise', 'return tf.tidy(', 'return tf.tidy((') },
      }),
    );
    // an endless loop in the first exercise
    writeSubmission(
      subs,
      'dave',
      'vae.ipynb',
      pastedSubmission('07_vae', {
        ...trimmed,
        replace: {
          'reparam-exercise': solutionWith('reparam-exercise', 'return tf.tidy(', 'while (mu.size > 0) { /* forever */ }\n  return tf.tidy('),
        },
      }),
    );
    // process.exit in the first exercise
    writeSubmission(
      subs,
      'erin',
      'vae.ipynb',
      pastedSubmission('07_vae', {
        ...trimmed,
        replace: { 'reparam-exercise': solutionWith('reparam-exercise', 'return tf.tidy(', 'process.exit(3);\n  return tf.tidy(') },
      }),
    );
    // reads the solutions: from a cell of its own (every folder up from its own) and inside the KL exercise
    const climb = [
      "const fs = require('fs');",
      "const path = require('path');",
      'const attempts: string[] = [];',
      'for (let dir = process.cwd(), k = 0; k < 8; k++, dir = path.dirname(dir)) {',
      "  for (const rel of ['solutions/07_vae.ipynb', '../../solutions/07_vae.ipynb']) {",
      '    try {',
      "      attempts.push('READ ' + fs.readFileSync(path.join(dir, rel), 'utf8').length);",
      '    } catch (e) {',
      "      attempts.push((e as { code?: string }).code ?? 'error');",
      '    }',
      '  }',
      '}',
      "console.log('attempts: ' + attempts.join(' '));",
      "if (attempts.some((a) => a.startsWith('READ'))) throw new Error('read a solution');",
    ].join('\n');
    writeSubmission(
      subs,
      'frank',
      '07_vae.ipynb',
      pastedSubmission('07_vae', {
        ...trimmed,
        insertAfter: [{ after: 'setup', id: 'climb', source: climb }],
        replace: {
          'kl-exercise': solutionWith(
            'kl-exercise',
            'return tf.tidy(',
            `require('fs').readFileSync(${JSON.stringify(SOLUTIONS_07)}, 'utf8');\n  require('fs').readFileSync('../../solutions/07_vae.ipynb', 'utf8');\n  return tf.tidy(`,
          ),
        },
      }),
    );
    fs.writeFileSync(path.join(subs, 'frank', 'broken.ipynb'), '{ not json');
    writeSubmission(subs, 'frank', 'notes.ipynb', { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] });
    fs.mkdirSync(path.join(subs, 'gina'));
    fs.writeFileSync(path.join(subs, 'gina', 'README.txt'), 'nothing here');

    const out = path.join(work, 'out-broken');
    const boxes = path.join(ROOT, 'out', '.grade-boxes');
    const boxesBefore = fs.existsSync(boxes) ? fs.readdirSync(boxes) : [];
    expect(await gradeCli([subs, '--profile', 'smoke', '--timeout', '25', '--out', out], undefined, quiet)).toBe(0);
    // the private copies are gone, whatever happened in them
    expect(fs.readdirSync(boxes)).toEqual(boxesBefore);
    const rows = readCsv(path.join(out, 'grades.csv'));
    expect([...rows.keys()]).toEqual(['bob', 'carol', 'dave', 'erin', 'frank', 'gina']);
    const points = (student: string, exercise: string) => Number((rows.get(student) as Record<string, string>)[`07_vae:${exercise}`]);
    const total = (student: string) => Number((rows.get(student) as Record<string, string>).total);
    const html = (student: string) => fs.readFileSync(path.join(out, 'feedback', `${student}.html`), 'utf8');

    // bob: the loss exercise scores nothing, everything else everything
    expect(points('bob', '7.3')).toBe(0);
    expect(total('bob')).toBe(MAX_07 - POINTS_07['7.3']);
    expect(html('bob')).toContain('AutograderError: checkVaeLoss:');
    expect(html('bob')).toContain('vaeObjective (hidden): on one image of two pixels, beta 2: got 0.386294, expected 2.38629.');
    // its 3 MB of output were capped in the executed notebook, and the feedback says so
    expect(fs.statSync(path.join(out, 'submissions', 'bob', '07_vae.ipynb')).size).toBeLessThan(2.6 * 1024 * 1024);
    expect(html('bob')).toMatch(/1 cell\(s\) wrote more than 2097152 bytes of output/);

    // carol: the syntax error costs exercise 7.1 only; the failing cell is named
    expect(points('carol', '7.1')).toBe(0);
    expect(total('carol')).toBe(MAX_07 - POINTS_07['7.1']);
    expect(html('carol')).toMatch(/TypeScriptError: .*'\)' expected/);
    expect((rows.get('carol') as Record<string, string>).problems).toMatch(/07_vae: code cell 4: TypeScriptError/);

    // dave: the endless loop times out (check and hidden check); the later exercises still score
    expect(points('dave', '7.1')).toBe(0);
    expect(total('dave')).toBe(MAX_07 - POINTS_07['7.1']);
    expect(html('dave')).toContain('CellTimeout: the cell did not finish within its time limit of 25 s');
    expect((rows.get('dave') as Record<string, string>).problems).toMatch(/07_vae:7\.1,7\.1 \(hidden\) timeout/);

    // erin: process.exit ends the kernel; a fresh one takes over for the later exercises
    expect(points('erin', '7.1')).toBe(0);
    expect(total('erin')).toBe(MAX_07 - POINTS_07['7.1']);
    expect(html('erin')).toContain('KernelDied: the kernel exited with code 3 during this cell');

    // frank: no read of the solutions succeeds; the KL exercise that tried fails with the reason (and so
    // does the loss, which calls it)
    expect(points('frank', '7.2')).toBe(0);
    expect(points('frank', '7.3')).toBe(0);
    expect(total('frank')).toBe(MAX_07 - POINTS_07['7.2'] - POINTS_07['7.3']);
    expect(html('frank')).toContain('Access to this API has been restricted (the grader lets a notebook read only its own folder');
    const executed = readNotebook(path.join(out, 'submissions', 'frank', '07_vae.ipynb'));
    const climbed = JSON.stringify((executed.cells.find((c) => c.id === 'climb') as { outputs: unknown[] }).outputs);
    expect(climbed).toContain('attempts: ');
    expect(climbed).not.toContain('READ');
    expect(climbed).toContain('ERR_ACCESS_DENIED');
    const frankProblems = (rows.get('frank') as Record<string, string>).problems;
    expect(frankProblems).toContain('broken.ipynb: not valid JSON');
    expect(frankProblems).toContain('notes.ipynb: not recognised as a course notebook');

    // gina: a row with nothing submitted
    expect(total('gina')).toBe(0);
    expect((rows.get('gina') as Record<string, string>)['07_vae:7.1']).toBe('');
    expect((rows.get('gina') as Record<string, string>).problems).toBe('no course notebook found in this folder');
  }, 1_500_000);

  test('wrong answers elsewhere in the course: a grid without the y flip (05), a MAP search that trains the decoder (13)', async () => {
    const subs = path.join(work, 'elsewhere');
    /** Every code cell of the student notebook except `keep` (the training and figure cells the checks do not need). */
    const allBut = (name: string, keep: readonly string[]) => ({
      drop: readNotebook(path.join(ROOT, 'notebooks', `${name}.ipynb`))
        .cells.filter((c) => c.cell_type === 'code' && !keep.includes(c.id ?? ''))
        .map((c) => c.id ?? ''),
    });
    // hank: rows run from the smallest z1 at the top (the y axis not flipped)
    writeSubmission(
      subs,
      'hank',
      '05_decoder_generator.ipynb',
      pastedSubmission('05_decoder_generator', {
        ...allBut('05_decoder_generator', ['parameters', 'setup', 'grid-exercise', 'grid-check']),
        replace: {
          'grid-exercise': solutionWith(
            'grid-exercise',
            'bounds.max[1] - ((bounds.max[1] - bounds.min[1]) * r) / (n - 1)',
            'bounds.min[1] + ((bounds.max[1] - bounds.min[1]) * r) / (n - 1)',
            '05_decoder_generator',
          ),
        },
      }),
    );
    // hank also hands in 13 with the MAP search letting Adam change every trainable variable (no variable list)
    const keep13 = ['parameters', 'setup', 'objective-exercise', 'objective-check', 'map-loop-exercise', 'map-loop-check'];
    writeSubmission(
      subs,
      'hank',
      '13_map_denoising.ipynb',
      pastedSubmission('13_map_denoising', {
        ...allBut('13_map_denoising', keep13),
        replace: {
          'map-loop-exercise': solutionWith('map-loop-exercise', ', options.beta), true, [z]);', ', options.beta), true);', '13_map_denoising'),
        },
      }),
    );
    const out = path.join(work, 'out-elsewhere');
    expect(await gradeCli([subs, '--profile', 'smoke', '--out', out], undefined, quiet)).toBe(0);
    const hank = readCsv(path.join(out, 'grades.csv')).get('hank') as Record<string, string>;
    const html = fs.readFileSync(path.join(out, 'feedback', 'hank.html'), 'utf8');
    // 05: the grid exercise scores nothing, and the feedback names the missing flip
    expect(Number(hank['05_decoder_generator:5.1'])).toBe(0);
    expect(html).toContain('The y axis is not flipped');
    // 13: the objective scores in full; the search loses the visible check (the decoder moved) but keeps the
    // hidden check's point, whose decoder has no weights to move
    const points13 = pointsOf('13_map_denoising');
    expect(Number(hank['13_map_denoising:13.1'])).toBe(points13['13.1']);
    expect(Number(hank['13_map_denoising:13.2'])).toBe(1);
    expect(html).toContain("the decoder's weights changed: the search must optimise the code z only");
    expect(html).toContain('mapDenoise (hidden) passed');
  }, 900_000);

  test('a 5LSL0 encoder with a layer the assignment does not allow (01) loses the visible check, which names the layer', async () => {
    const subs = path.join(work, 'layers');
    const keep = ['parameters', 'setup', 'conv-exercise', 'conv-check'];
    const drop = readNotebook(path.join(ROOT, 'notebooks', '01_autoencoders.ipynb'))
      .cells.filter((c) => c.cell_type === 'code' && !keep.includes(c.id ?? ''))
      .map((c) => c.id ?? '');
    // ivy: a batch normalisation after the first convolution (same shapes, so the network still runs)
    const pool = 'tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),';
    writeSubmission(
      subs,
      'ivy',
      '01_autoencoders.ipynb',
      pastedSubmission('01_autoencoders', {
        drop,
        replace: { 'conv-exercise': solutionWith('conv-exercise', pool, `tf.layers.batchNormalization(),\n      ${pool}`, '01_autoencoders') },
      }),
    );
    const out = path.join(work, 'out-layers');
    expect(await gradeCli([subs, '--profile', 'smoke', '--out', out], undefined, quiet)).toBe(0);
    const ivy = readCsv(path.join(out, 'grades.csv')).get('ivy') as Record<string, string>;
    const html = fs.readFileSync(path.join(out, 'feedback', 'ivy.html'), 'utf8');
    // the check names the rule broken; the hidden check (scaling, blank image, signs) still holds: batch
    // normalisation at its initial statistics scales like the identity, so only its point remains
    const points = pointsOf('01_autoencoders');
    expect(Number(ivy['01_autoencoders:1.3'])).toBe(1);
    expect(points['1.3']).toBeGreaterThan(1);
    expect(html).toContain('is a BatchNormalization; the encoder may only use Conv2D, MaxPooling2D and ReLU');
  }, 900_000);

  test('grader errors: a missing folder, a folder without students, a bad option (exit 2, nothing run)', async () => {
    const errors: string[] = [];
    const io: GradeIo = { out: () => undefined, err: (t) => void errors.push(t) };
    expect(await gradeCli([path.join(work, 'nope')], undefined, io)).toBe(2);
    expect(errors.join('')).toMatch(/nope does not exist: expected a folder with one subfolder per student/);
    fs.mkdirSync(path.join(work, 'empty'));
    expect(await gradeCli([path.join(work, 'empty')], undefined, io)).toBe(2);
    expect(errors.join('')).toMatch(/empty has no subfolders/);
    expect(await gradeCli([path.join(work, 'empty'), '--timeout', '-1'], undefined, io)).toBe(2);
    expect(errors.join('')).toMatch(/--timeout expects a positive number of seconds, got "-1"/);
    expect(await gradeCli([path.join(work, 'empty'), '--profile', 'nope'], undefined, io)).toBe(2);
    expect(await gradeCli([], undefined, io)).toBe(2);
    expect(errors.join('')).toMatch(/expected the folder of submissions/);
  });
});
