/**
 * The grader's report of a run: `summary.json` (machine readable) and `report.html`
 * (one section per notebook with status, published numbers and figures).
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../../util/atomic-write';
import { formatSignificant } from '../../util/format-number';
import { ClaimRecord, formatEvidenceValue } from '../../notebook/claims';
import { NotebookRunResult, NotebookStatus } from './run-notebook';

/** Versions of the tools a run used. */
export interface RunVersions {
  node: string;
  tfjs: string | null;
  tslab: string | null;
  typescript: string | null;
  vaelab: string | null;
}

/** Everything `summary.json` holds. */
export interface RunSummary {
  /** `ok` when every notebook passed; `failed` when one failed or did not show its lesson; `interrupted` when the run was stopped (SIGINT/SIGTERM). */
  status: 'ok' | 'failed' | 'interrupted';
  profile: string;
  /** Whether the profile enforces claims (`enforceClaims`): a claim that did not hold made its notebook `lesson not shown`. */
  claimsEnforced: boolean;
  startedAt: string;
  durationSec: number;
  outDir: string;
  versions: RunVersions;
  /** Every selected notebook in run order (after an interruption, those not started have status `not run`). */
  notebooks: Array<NotebookRunResult & { outputRelative: string | null }>;
}

function packageVersion(name: string, from: string): string | null {
  try {
    const file = require.resolve(`${name}/package.json`, { paths: [from] });
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/** Versions of node, tfjs, tslab, TypeScript and vaelab as installed in `projectRoot`. */
export function collectVersions(projectRoot: string): RunVersions {
  let vaelab: string | null;
  try {
    vaelab = (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? null;
  } catch {
    vaelab = null;
  }
  return {
    node: process.version,
    tfjs: packageVersion('@tensorflow/tfjs', projectRoot),
    tslab: packageVersion('tslab', projectRoot),
    typescript: packageVersion('typescript', projectRoot),
    vaelab,
  };
}

/** Writes `summary.json` into the run folder (atomically) and returns its path. */
export function writeSummary(summary: RunSummary): string {
  const file = path.join(summary.outDir, 'summary.json');
  writeFileAtomic(file, JSON.stringify(summary, null, 2) + '\n');
  return file;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const urlPath = (relative: string) => relative.split(path.sep).map(encodeURIComponent).join('/');

function formatNumber(value: number | string | boolean): string {
  if (typeof value !== 'number') return String(value);
  return Number.isInteger(value) ? String(value) : formatSignificant(value, 5);
}

/** Status word and CSS class of a notebook's badge. */
function badge(status: NotebookStatus): string {
  const word = status === 'ok' ? 'passed' : status;
  return `<span class="badge ${status.replace(/ /g, '-')}">${word}</span>`;
}

/** The claims of a notebook: a held / not held badge, the statement and its evidence per claim. */
function claimsTable(claims: ReadonlyArray<ClaimRecord>, enforced: boolean): string {
  if (claims.length === 0) return '<p class="muted">No claims.</p>';
  const held = claims.filter((c) => c.held).length;
  const rows = claims
    .map((c) => {
      const evidence = Object.entries(c.evidence)
        .map(([k, v]) => `${escapeHtml(k)} = ${escapeHtml(formatEvidenceValue(v))}`)
        .join(', ');
      const mark = c.held ? '<span class="badge held">held</span>' : '<span class="badge not-held">not held</span>';
      return `<tr class="${c.held ? 'claim-held' : 'claim-not-held'}"><td>${mark}</td><td><code>${escapeHtml(c.id)}</code></td><td>${escapeHtml(c.statement)}</td><td>${evidence}</td></tr>`;
    })
    .join('');
  return (
    `<p class="claims-count">Claims held ${held}/${claims.length}${enforced ? '' : ' (reported, not enforced in this profile)'}</p>` +
    `<table class="claims"><thead><tr><th>claim</th><th>id</th><th>statement</th><th>evidence</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

function section(nb: RunSummary['notebooks'][number], enforced: boolean): string {
  const numbers = Object.entries(nb.published);
  const params = Object.entries(nb.parameters);
  const where = nb.failure?.codeCell != null ? ` in code cell ${nb.failure.codeCell} of ${nb.codeCells}` : '';
  const failure = nb.failure
    ? `<div class="failure"><p><strong>${escapeHtml(nb.failure.kind)}</strong>${where}` +
      `${nb.failure.cellId ? ` (id <code>${escapeHtml(nb.failure.cellId)}</code>)` : ''}: ` +
      `<code>${escapeHtml(nb.failure.ename)}: ${escapeHtml(nb.failure.evalue)}</code></p>` +
      (nb.failure.hint ? `<p>Hint: ${escapeHtml(nb.failure.hint)}</p>` : '') +
      (nb.failure.traceback.length ? `<pre>${escapeHtml(nb.failure.traceback.join('\n').slice(0, 4000))}</pre>` : '') +
      `</div>`
    : '';
  const table = numbers.length
    ? `<table><thead><tr><th>published</th><th>value</th></tr></thead><tbody>` +
      numbers.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="num">${escapeHtml(formatNumber(v))}</td></tr>`).join('') +
      `</tbody></table>`
    : '<p class="muted">No published numbers.</p>';
  const figures = nb.figures.length
    ? `<div class="figures">` +
      nb.figures
        .map(
          (f) =>
            `<figure><img src="${urlPath(f)}" alt="${escapeHtml(path.basename(f))}" loading="lazy"><figcaption>${escapeHtml(path.basename(f, '.png'))}</figcaption></figure>`,
        )
        .join('') +
      `</div>`
    : '<p class="muted">No figures.</p>';
  return `<section id="${escapeHtml(nb.name)}">
<h2>${badge(nb.status)} ${escapeHtml(nb.name)}</h2>
<p class="meta">${nb.durationSec.toFixed(1)} s · ${nb.executedCells}/${nb.codeCells} code cells · backend ${escapeHtml(nb.backend ?? 'not loaded')} ·
${nb.outputRelative === null ? 'not executed' : `<a href="${urlPath(nb.outputRelative)}">executed notebook</a>`}${params.length ? ` · parameters: <code>${escapeHtml(params.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' '))}</code>` : ''}</p>
${failure}${claimsTable(nb.claims, enforced)}${table}${figures}
</section>`;
}

/** Renders the HTML report for a run (figures are linked relative to the run folder). */
export function renderReportHtml(summary: RunSummary): string {
  const passed = summary.notebooks.filter((n) => n.status === 'ok').length;
  const claims = summary.notebooks.flatMap((n) => n.claims);
  const claimsHeld = claims.filter((c) => c.held).length;
  const v = summary.versions;
  const rows = summary.notebooks
    .map(
      (n) =>
        `<tr><td><a href="#${escapeHtml(n.name)}">${escapeHtml(n.name)}</a></td><td>${badge(n.status)}</td><td class="num">${n.durationSec.toFixed(1)} s</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vaelab run report</title>
<style>
body{font-family:system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem} .meta,.muted{color:#666} code{background:#f3f3f3;padding:0 .25em;border-radius:3px}
section{border-top:1px solid #ddd;padding:.5rem 0 1rem}
.badge{display:inline-block;padding:.1em .5em;border-radius:4px;color:#fff;font-size:.8em;vertical-align:middle}
.badge.ok,.badge.held{background:#2e7d32}.badge.not-held,.badge.lesson-not-shown{background:#ad1457}.badge.failed{background:#c62828}.badge.interrupted{background:#ef6c00}.badge.not-run{background:#757575}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}.num{text-align:right;font-variant-numeric:tabular-nums}
.failure{background:#fdecea;border-left:4px solid #c62828;padding:.3rem .8rem}.failure pre{white-space:pre-wrap;font-size:.8em;max-height:16em;overflow:auto}
.figures{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;max-width:48%}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}
</style></head><body>
<h1>vaelab run report</h1>
<p class="muted">Cells are numbered as code cells, 1-based, in the executed notebook (the injected parameters cell included).</p>
<p class="meta">${passed}/${summary.notebooks.length} notebooks passed · claims held ${claimsHeld}/${claims.length}${summary.claimsEnforced ? '' : ' (not enforced)'} · profile <code>${escapeHtml(summary.profile)}</code> ·
${escapeHtml(summary.startedAt)} · ${summary.durationSec.toFixed(1)} s · node ${escapeHtml(v.node)} · tfjs ${escapeHtml(v.tfjs ?? '?')} ·
tslab ${escapeHtml(v.tslab ?? '?')} · vaelab ${escapeHtml(v.vaelab ?? '?')}${summary.status === 'interrupted' ? ' · <strong>interrupted</strong>' : ''}</p>
<table><thead><tr><th>notebook</th><th>status</th><th>time</th></tr></thead><tbody>${rows}</tbody></table>
${summary.notebooks.map((nb) => section(nb, summary.claimsEnforced)).join('\n')}
</body></html>
`;
}

/** Writes `report.html` into the run folder (atomically) and returns its path. */
export function writeReportHtml(summary: RunSummary): string {
  const file = path.join(summary.outDir, 'report.html');
  writeFileAtomic(file, renderReportHtml(summary));
  return file;
}
