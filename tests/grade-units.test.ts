/** The grader's parts that need no kernel: recognising submissions, the notebook it runs, the box, the CSV. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cellTags, cellText, readNotebook } from '../src/tools/notebook-file';
import { gradesCsv, StudentGrade } from '../src/tools/grade/report';
import { createSandbox, permissionArgs } from '../src/tools/grade/sandbox';
import { assembleSubmission, identifySubmission, scoreChecks } from '../src/tools/grade/submission';
import { parseGradeArgs } from '../src/tools/grade/grade-cli';
import { pastedSubmission } from './grade-fixtures';

const ROOT = path.resolve(__dirname, '..');
const COURSE = fs
  .readdirSync(path.join(ROOT, 'solutions'))
  .filter((f) => f.endsWith('.ipynb'))
  .map((f) => f.slice(0, -6));
const solution07 = readNotebook(path.join(ROOT, 'solutions', '07_vae.ipynb'));
const params = { values: { epochs: 1 }, origin: 'profile "smoke"' };

describe('identifySubmission', () => {
  test('by the stamped metadata first, whatever the file name', () => {
    expect(identifySubmission(pastedSubmission('07_vae'), 'homework.ipynb', COURSE)).toEqual({ name: '07_vae', by: 'metadata' });
    expect(identifySubmission(pastedSubmission('07_vae'), '10_box.ipynb', COURSE)).toEqual({ name: '07_vae', by: 'metadata' });
  });
  test('else by an NN_ file-name prefix; else not at all', () => {
    const bare = pastedSubmission('07_vae', { unstamped: true });
    expect(identifySubmission(bare, '07_vae_mine.ipynb', COURSE)).toEqual({ name: '07_vae', by: 'file name' });
    expect(identifySubmission(bare, '13-map.ipynb', COURSE)).toEqual({ name: '13_map_denoising', by: 'file name' });
    expect(identifySubmission(bare, 'vae.ipynb', COURSE)).toBeNull();
    expect(identifySubmission(bare, '99_x.ipynb', COURSE)).toBeNull();
    expect(identifySubmission({ ...bare, metadata: { vaelab: { notebook: 'not_a_course_notebook' } } }, 'x.ipynb', COURSE)).toBeNull();
  });
});

describe('assembleSubmission', () => {
  test('runs the course checks: an edited check is restored, a deleted one put back, hidden checks follow their check', () => {
    const sub = pastedSubmission('07_vae', { replace: { 'kl-check': "console.log('\u2714 checkKlDivergence passed: trust me');" } });
    sub.cells = sub.cells.filter((c) => c.id !== 'loss-check');
    const { notebook, checks, notes } = assembleSubmission(sub, solution07, 'solutions/07_vae.ipynb', params);
    const ids = notebook.cells.map((c) => c.id);
    const text = (id: string) => cellText(notebook.cells[ids.indexOf(id)]);
    expect(text('kl-check')).toBe('vl.checkKlDivergence(klDivergence);');
    expect(ids.indexOf('loss-check')).toBe(ids.indexOf('loss-exercise') + 1);
    expect(notes).toEqual([
      "exercise 7.2: the check cell was edited; the course's check was run instead",
      "exercise 7.3: the check cell was missing; the course's check was put back",
    ]);
    // visible then hidden, per exercise, in notebook order; each hidden check right after its check
    expect(checks.map((c) => `${c.exercise}${c.hidden ? 'h' : ''}:${c.points}`)).toEqual([
      '7.1:2',
      '7.1h:1',
      '7.2:3',
      '7.2h:1',
      '7.3:4',
      '7.3h:1',
      '7.4:1',
      '7.4h:1',
      '7.5:3',
      '7.5h:1',
    ]);
    for (const c of checks.filter((x) => x.hidden)) {
      const visible = checks.find((x) => !x.hidden && x.exercise === c.exercise) as (typeof checks)[number];
      expect(ids.indexOf(c.cellId)).toBe(ids.indexOf(visible.cellId) + 1);
      expect(cellTags(notebook.cells[ids.indexOf(c.cellId)])).toEqual(['hidden-check']);
    }
    // the profile's parameters are injected right after the parameters cell
    expect(cellTags(notebook.cells[ids.indexOf('parameters') + 1])).toEqual(['injected-parameters']);
    expect(text(ids[ids.indexOf('parameters') + 1] as string)).toContain('epochs = 1;');
  });

  test('scores a check only when its cell ran without error, with the pass line or the error as message', () => {
    const { notebook, checks } = assembleSubmission(pastedSubmission('07_vae'), solution07, 'solutions/07_vae.ipynb', params);
    const at = (id: string) => notebook.cells.findIndex((c) => c.id === id);
    const reparam = notebook.cells[at('reparam-check')];
    if (reparam.cell_type === 'code')
      reparam.outputs = [{ output_type: 'stream', name: 'stdout', text: ['\u2714 checkReparameterize passed: fine\n'] }];
    const results = new Map([
      [at('reparam-check'), { status: 'ok' as const, durationSec: 1 }],
      [at('kl-check'), { status: 'error' as const, ename: 'AutograderError', evalue: 'checkKlDivergence: wrong sign', durationSec: 1 }],
      [at('loss-check'), { status: 'timeout' as const, ename: 'CellTimeout', evalue: 'too slow', durationSec: 1 }],
    ]);
    const scores = scoreChecks(notebook, checks, results);
    const visible = (e: string) => scores.find((s) => s.exercise === e && !s.hidden) as (typeof scores)[number];
    expect(visible('7.1')).toMatchObject({ scored: 2, status: 'ok', message: '\u2714 checkReparameterize passed: fine' });
    expect(visible('7.2')).toMatchObject({ scored: 0, status: 'error', message: 'AutograderError: checkKlDivergence: wrong sign' });
    expect(visible('7.3')).toMatchObject({ scored: 0, status: 'timeout' });
    expect(visible('7.4')).toMatchObject({ scored: 0, status: 'not-run' });
  });
});

describe('the box a submission runs in', () => {
  test('holds copies, no symbolic links (a link would lead out of it), and the permissions name no solutions', () => {
    const student = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-grade-student-'));
    fs.writeFileSync(path.join(student, '07_vae.ipynb'), '{}');
    fs.mkdirSync(path.join(student, 'data'));
    fs.writeFileSync(path.join(student, 'data', 'mine.csv'), '1,2');
    fs.symlinkSync(path.join(ROOT, 'solutions'), path.join(student, 'answers'));
    fs.mkdirSync(path.join(ROOT, 'out'), { recursive: true }); // a fresh clone has no out/ yet
    const parent = fs.mkdtempSync(path.join(ROOT, 'out', '.grade-units-'));
    try {
      const box = createSandbox(ROOT, student, parent);
      expect(fs.readFileSync(path.join(box.work, 'data', 'mine.csv'), 'utf8')).toBe('1,2');
      expect(fs.existsSync(path.join(box.work, 'answers'))).toBe(false);
      expect(box.skipped).toEqual(['answers (a symbolic link; links are not copied)']);
      expect(fs.existsSync(path.join(box.dir, 'dist', 'index.js'))).toBe(true);
      const links: string[] = [];
      const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          if (e.isSymbolicLink()) links.push(path.join(dir, e.name));
          else if (e.isDirectory()) walk(path.join(dir, e.name));
        }
      };
      walk(box.dir);
      expect(links).toEqual([]);
      const args = permissionArgs(ROOT, box, '/tmp/vaelab-kernel-1-abcdef');
      expect(args[0]).toMatch(/^--(experimental-)?permission$/);
      const reads = args.filter((a) => a.startsWith('--allow-fs-read=')).map((a) => a.slice('--allow-fs-read='.length));
      const writes = args.filter((a) => a.startsWith('--allow-fs-write=')).map((a) => a.slice('--allow-fs-write='.length));
      expect(writes).toEqual([box.dir]);
      expect(reads).toContain(box.dir);
      for (const r of reads) {
        // nothing allowed holds the solutions: not the root, not solutions/, no prefix of them
        expect(path.join(ROOT, 'solutions').startsWith(r.replace(/\*$/, ''))).toBe(false);
      }
      expect(args).not.toContain('--allow-child-process');
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
      fs.rmSync(student, { recursive: true, force: true });
    }
  });
});

describe('grades.csv', () => {
  test('one row per student, a column per exercise, total, max and problems; quoting and unsubmitted notebooks', () => {
    const score = (exercise: string, hidden: boolean, points: number, scored: number) => ({
      exercise,
      hidden,
      points,
      scored,
      cellId: `${exercise}${hidden}`,
      status: scored > 0 ? ('ok' as const) : ('error' as const),
      message: 'm',
    });
    const students: StudentGrade[] = [
      {
        student: 'Smith, Ann',
        problems: [],
        notebooks: [
          {
            notebook: '07_vae',
            file: 'a.ipynb',
            checks: [score('7.1', false, 2, 2), score('7.1', true, 1, 0)],
            otherFailures: [],
            notes: [],
            executed: null,
            durationSec: 1,
          },
        ],
      },
      { student: 'bo', problems: ['x.ipynb: not recognised'], notebooks: [] },
    ];
    const columns = [
      { notebook: '07_vae', exercise: '7.1', max: 3 },
      { notebook: '10_gaussian_denoising', exercise: '10.1', max: 3 },
    ];
    expect(gradesCsv(students, columns)).toBe(
      'student,07_vae:7.1,10_gaussian_denoising:10.1,total,max,problems\n' +
        '"Smith, Ann",2,,2,6,07_vae: 1 check(s) failed\n' +
        'bo,,,0,6,x.ipynb: not recognised\n',
    );
  });
});

describe('parseGradeArgs', () => {
  test('defaults and options', () => {
    expect(parseGradeArgs(['subs'])).toMatchObject({ folder: 'subs', profile: 'smoke', notebookTimeoutSec: 1800, overrides: [] });
    expect(
      parseGradeArgs(['subs', '--profile=quick', '--timeout', '30', '--notebook-timeout', '90', '--out', 'o', '--set', 'epochs=2']),
    ).toMatchObject({
      profile: 'quick',
      timeoutSec: 30,
      notebookTimeoutSec: 90,
      out: 'o',
      overrides: [{ name: 'epochs', value: 2 }],
    });
    expect(() => parseGradeArgs(['a', 'b'])).toThrow('expected one folder, got 2: a b');
    expect(() => parseGradeArgs(['a', '--frobnicate'])).toThrow('unknown option "--frobnicate"');
    expect(() => parseGradeArgs(['a', '--notebook-timeout', 'x'])).toThrow('--notebook-timeout expects a positive number of seconds, got "x"');
  });
});
