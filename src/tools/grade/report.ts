/** The grader's outputs: `grades.csv` (one row per student) and `feedback/<student>.html`. */
import * as path from 'path';
import { writeFileAtomic } from '../../util/atomic-write';
import { CheckScore } from './submission';

/** One graded notebook of a student. */
export interface NotebookGrade {
  /** Course notebook name, e.g. `07_vae`. */
  readonly notebook: string;
  /** The submitted file, relative to the student's folder. */
  readonly file: string;
  readonly checks: CheckScore[];
  /** Cells that failed outside the checks (first lines), e.g. a syntax error in an exercise cell. */
  readonly otherFailures: string[];
  /** What the grader changed or noticed (restored checks, restarts, output caps ...). */
  readonly notes: string[];
  /** Executed notebook, relative to the output folder. */
  readonly executed: string | null;
  readonly durationSec: number;
}

/** Everything graded for one student. */
export interface StudentGrade {
  /** The student's folder name. */
  readonly student: string;
  readonly notebooks: NotebookGrade[];
  /** Problems with the student's files (unidentified files, duplicates, copy limits). */
  readonly problems: string[];
}

/** One column of the CSV: a course notebook's exercise and its maximum. */
export interface ExerciseColumn {
  readonly notebook: string;
  readonly exercise: string;
  readonly max: number;
}

/** Points scored per exercise (visible and hidden checks together), or null when the notebook was not submitted. */
function exercisePoints(student: StudentGrade, column: ExerciseColumn): number | null {
  const nb = student.notebooks.find((n) => n.notebook === column.notebook);
  if (!nb) return null;
  return nb.checks.filter((c) => c.exercise === column.exercise).reduce((s, c) => s + c.scored, 0);
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const round = (x: number) => String(Math.round(x * 100) / 100);

/** One line per student for the CSV's `problems` column. */
export function problemLine(student: StudentGrade): string {
  const parts = [...student.problems];
  for (const nb of student.notebooks) {
    const failed = nb.checks.filter((c) => c.scored === 0);
    const broken = nb.checks.filter((c) => c.status === 'timeout' || c.status === 'kernel-died' || c.status === 'not-run');
    const reasons = new Map<string, string[]>();
    for (const c of broken) {
      const reason = `${c.status}: ${c.message.split('\n')[0]}`;
      reasons.set(reason, [...(reasons.get(reason) ?? []), `${c.exercise}${c.hidden ? ' (hidden)' : ''}`]);
    }
    for (const [reason, which] of reasons) parts.push(`${nb.notebook}:${which.join(',')} ${reason}`);
    if (failed.length > broken.length) parts.push(`${nb.notebook}: ${failed.length - broken.length} check(s) failed`);
    parts.push(...nb.otherFailures.slice(0, 2).map((f) => `${nb.notebook}: ${f}`));
  }
  return parts.join('; ');
}

/**
 * The text of `grades.csv`: `student`, one column per exercise (`<notebook>:<exercise>`, points of
 * its check and hidden checks; empty when the notebook was not submitted), `total`, `max` (the most
 * points of the columns) and `problems` (one line: failed cells, timeouts, unidentified files).
 */
export function gradesCsv(students: readonly StudentGrade[], columns: readonly ExerciseColumn[]): string {
  const max = columns.reduce((s, c) => s + c.max, 0);
  const header = ['student', ...columns.map((c) => `${c.notebook}:${c.exercise}`), 'total', 'max', 'problems'];
  const rows = students.map((s) => {
    const points = columns.map((c) => exercisePoints(s, c));
    const total = points.reduce<number>((a, p) => a + (p ?? 0), 0);
    return [s.student, ...points.map((p) => (p === null ? '' : round(p))), round(total), round(max), problemLine(s)];
  });
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/** Writes `grades.csv` in `outDir` atomically; returns its path. */
export function writeGradesCsv(outDir: string, students: readonly StudentGrade[], columns: readonly ExerciseColumn[]): string {
  const file = path.join(outDir, 'grades.csv');
  writeFileAtomic(file, gradesCsv(students, columns));
  return file;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The student's feedback page: per notebook and exercise the points, the check's message and what failed. */
export function feedbackHtml(student: StudentGrade, columns: readonly ExerciseColumn[]): string {
  const max = columns.reduce((s, c) => s + c.max, 0);
  const total = student.notebooks.flatMap((n) => n.checks).reduce((s, c) => s + c.scored, 0);
  const parts: string[] = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>Feedback: ${esc(student.student)}</title>`,
    '<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}table{border-collapse:collapse;width:100%}' +
      'td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}.ok{color:#176117}.fail{color:#a31515}' +
      'pre{white-space:pre-wrap;margin:0;font-size:90%}</style></head><body>',
    `<h1>Feedback for ${esc(student.student)}</h1>`,
    `<p><strong>Total: ${round(total)} / ${round(max)} points</strong> (checks run by <code>npm run grade</code>; a check scores its points when it runs without error).</p>`,
  ];
  if (student.problems.length > 0) {
    parts.push('<h2>Problems with the submitted files</h2><ul>', ...student.problems.map((p) => `<li>${esc(p)}</li>`), '</ul>');
  }
  const notebooks = [...new Set(columns.map((c) => c.notebook))];
  for (const name of notebooks) {
    const nb = student.notebooks.find((n) => n.notebook === name);
    const nbMax = columns.filter((c) => c.notebook === name).reduce((s, c) => s + c.max, 0);
    if (!nb) {
      parts.push(`<h2>${esc(name)}: not submitted (0 / ${round(nbMax)})</h2>`);
      continue;
    }
    const got = nb.checks.reduce((s, c) => s + c.scored, 0);
    parts.push(
      `<h2>${esc(name)}: ${round(got)} / ${round(nbMax)} points</h2>`,
      `<p>File <code>${esc(nb.file)}</code>, ran in ${round(nb.durationSec)} s.</p>`,
    );
    parts.push('<table><tr><th>exercise</th><th>check</th><th>points</th><th>message</th></tr>');
    for (const c of nb.checks) {
      const cls = c.scored > 0 ? 'ok' : 'fail';
      parts.push(
        `<tr class="${cls}"><td>${esc(c.exercise)}</td><td>${c.hidden ? 'hidden check' : 'check'}</td><td>${round(c.scored)} / ${round(c.points)}</td>` +
          `<td><pre>${esc(c.message)}</pre></td></tr>`,
      );
    }
    parts.push('</table>');
    if (nb.otherFailures.length > 0) {
      parts.push('<h3>Other cells that failed</h3><ul>', ...nb.otherFailures.map((f) => `<li><pre>${esc(f)}</pre></li>`), '</ul>');
    }
    if (nb.notes.length > 0) parts.push('<h3>Notes</h3><ul>', ...nb.notes.map((n) => `<li>${esc(n)}</li>`), '</ul>');
  }
  parts.push('</body></html>\n');
  return parts.join('\n');
}

/** A file-name-safe form of a student's folder name. */
export function safeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
  return safe === '' ? '_' : safe;
}

/** Writes `feedback/<student>.html` in `outDir` atomically; returns its path. */
export function writeFeedback(outDir: string, student: StudentGrade, columns: readonly ExerciseColumn[]): string {
  const file = path.join(outDir, 'feedback', `${safeName(student.student)}.html`);
  writeFileAtomic(file, feedbackHtml(student, columns));
  return file;
}
