/**
 * report.html (renderReportHtml / writeReportHtml) on hand-made summaries: escaping of everything a
 * notebook controls, the failure block with its hint, badges and counts, numbers and figure links.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderReportHtml, RunSummary, writeReportHtml } from '../src/tools/runner/report';

type NotebookEntry = RunSummary['notebooks'][number];

function notebook(name: string, overrides: Partial<NotebookEntry> = {}): NotebookEntry {
  return {
    name,
    source: `/course/solutions/${name}.ipynb`,
    output: `/course/out/run/${name}.ipynb`,
    outputDir: `/course/out/run/${name}`,
    outputRelative: `${name}.ipynb`,
    status: 'ok',
    durationSec: 3.25,
    codeCells: 6,
    executedCells: 6,
    failure: null,
    published: {},
    claims: [],
    parameters: {},
    figures: [],
    backend: 'wasm',
    wasmThreads: 1,
    kernelPid: 100,
    ...overrides,
  };
}

function summary(notebooks: NotebookEntry[], overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    status: notebooks.every((n) => n.status === 'ok') ? 'ok' : 'failed',
    profile: 'smoke',
    claimsEnforced: false,
    startedAt: '2026-12-03T12:00:00.000Z',
    durationSec: 42.125,
    outDir: '/course/out/run',
    versions: { node: 'v20.1.0', tfjs: '4.22.0', tslab: '1.0.22', typescript: '5.9.3', vaelab: '0.1.0' },
    notebooks,
    ...overrides,
  };
}

const failing = notebook('07_vae', {
  status: 'failed',
  executedCells: 4,
  backend: null,
  failure: {
    kind: 'error',
    codeCell: 4,
    cellIndex: 5,
    sourceCellIndex: 4,
    cellId: 'c<4>',
    ename: 'ReferenceError',
    evalue: 'x is <script>alert("evalue")</script> & not defined',
    traceback: ['ReferenceError: <script>alert(1)</script>', "    at <anonymous>:1:1 'quoted'"],
    hint: 'write { seed: seed } & not <b>{ seed }</b>',
  },
});

/** The HTML of one notebook's section. */
function sectionOf(html: string, name: string): string {
  const start = html.indexOf(`<section id="${name}">`);
  expect(start).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('renderReportHtml', () => {
  it('escapes everything a notebook controls: failure message, traceback, hint, cell id, names, parameters', () => {
    const evil = notebook('a<script>b', {
      published: { '<i>name</i>': '<img src=x onerror=alert(1)>' },
      parameters: { label: '</code><script>p()</script>' },
      figures: [path.join('a<script>b', 'figures', 'f"ig<1>.png')],
    });
    const html = renderReportHtml(summary([failing, evil]));
    // The only <script> tags a reader could get are the ones a notebook smuggled in: none survive.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img src=x/);
    expect(html).not.toMatch(/<b>\{ seed \}<\/b>/);
    const fail = sectionOf(html, '07_vae');
    expect(fail).toContain('x is &lt;script&gt;alert(&quot;evalue&quot;)&lt;/script&gt; &amp; not defined');
    expect(fail).toContain('ReferenceError: &lt;script&gt;alert(1)&lt;/script&gt;\n    at &lt;anonymous&gt;:1:1 &#39;quoted&#39;');
    expect(fail).toContain('Hint: write { seed: seed } &amp; not &lt;b&gt;{ seed }&lt;/b&gt;');
    expect(fail).toContain('(id <code>c&lt;4&gt;</code>)');
    const other = sectionOf(html, 'a&lt;script&gt;b');
    expect(other).toContain('<td>&lt;i&gt;name&lt;/i&gt;</td><td class="num">&lt;img src=x onerror=alert(1)&gt;</td>');
    expect(other).toContain('label=&quot;&lt;/code&gt;&lt;script&gt;p()&lt;/script&gt;&quot;');
    // Figure links are URL-encoded path segments; the caption is escaped text.
    expect(other).toContain('<img src="a%3Cscript%3Eb/figures/f%22ig%3C1%3E.png"');
    expect(other).toContain('<figcaption>f&quot;ig&lt;1&gt;</figcaption>');
  });

  it('shows the failure block with kind, cell, error, hint and traceback, and no block for a passed notebook', () => {
    const passed = notebook('01_autoencoders', { published: { test_mse: 0.0361234567, runs: 4 } });
    const html = renderReportHtml(summary([passed, failing]));
    const fail = sectionOf(html, '07_vae');
    expect(fail).toMatch(
      /<div class="failure"><p><strong>error<\/strong> in code cell 4 of 6 \(id <code>c&lt;4&gt;<\/code>\): <code>ReferenceError: x is/,
    );
    expect(fail).toMatch(/<p>Hint: write/);
    expect(fail).toMatch(/<pre>ReferenceError: &lt;script&gt;/);
    expect(fail).toContain('4/6 code cells');
    expect(fail).toContain('backend not loaded');
    expect(sectionOf(html, '01_autoencoders')).not.toContain('class="failure"');
    // No hint, no traceback: neither paragraph nor <pre>; a kernel that never started has no cell.
    const bare = notebook('02_latent_space', {
      status: 'failed',
      failure: {
        kind: 'kernel-start',
        codeCell: null,
        cellIndex: null,
        sourceCellIndex: null,
        cellId: null,
        ename: 'Error',
        evalue: 'no kernel',
        traceback: [],
      },
    });
    const bareSection = sectionOf(renderReportHtml(summary([bare])), '02_latent_space');
    expect(bareSection).toContain('<strong>kernel-start</strong>: <code>Error: no kernel</code>');
    expect(bareSection).not.toContain('Hint:');
    expect(bareSection).not.toContain('<pre>');
  });

  it('counts passed notebooks and gives each a passed/failed badge in the table and its section', () => {
    const notebooks = [
      notebook('01_a'),
      failing,
      notebook('03_c'),
      notebook('04_d', { status: 'failed', failure: { ...failing.failure!, hint: undefined } }),
    ];
    const html = renderReportHtml(summary(notebooks));
    expect(html).toContain('2/4 notebooks passed');
    expect(html.match(/<span class="badge ok">passed<\/span>/g)).toHaveLength(2 * 2);
    expect(html.match(/<span class="badge failed">failed<\/span>/g)).toHaveLength(2 * 2);
    expect(html).toMatch(
      /<tr><td><a href="#07_vae">07_vae<\/a><\/td><td><span class="badge failed">failed<\/span><\/td><td class="num">3.3 s<\/td><\/tr>/,
    );
    expect(html).toMatch(/<h2><span class="badge ok">passed<\/span> 01_a<\/h2>/);
    expect(renderReportHtml(summary([]))).toContain('0/0 notebooks passed');
    expect(renderReportHtml(summary([notebook('x')], { status: 'interrupted' }))).toContain('<strong>interrupted</strong>');
    expect(renderReportHtml(summary([notebook('x')]))).not.toContain('<strong>interrupted</strong>');
  });

  it('prints the run header, published numbers to five significant digits, and notes empty sections', () => {
    const nb = notebook('01_autoencoders', {
      published: { test_mse: 0.0361234567, runs: 4, big: 123456.789, flag: true, label: 'dense' },
      figures: [path.join('01_autoencoders', 'figures', 'loss curve.png')],
    });
    const html = renderReportHtml(summary([nb, notebook('02_empty')]));
    expect(html).toContain('profile <code>smoke</code>');
    expect(html).toContain('2026-12-03T12:00:00.000Z · 42.1 s · node v20.1.0 · tfjs 4.22.0');
    const numbers = [...sectionOf(html, '01_autoencoders').matchAll(/<td>(\w+)<\/td><td class="num">([^<]*)<\/td>/g)].map((m) => [m[1], m[2]]);
    expect(numbers).toEqual([
      ['test_mse', '0.036123'],
      ['runs', '4'],
      ['big', '123460'],
      ['flag', 'true'],
      ['label', 'dense'],
    ]);
    expect(html).toContain('<img src="01_autoencoders/figures/loss%20curve.png" alt="loss curve.png"');
    expect(html).toContain('<a href="01_autoencoders.ipynb">executed notebook</a>');
    const empty = sectionOf(html, '02_empty');
    expect(empty).toContain('No published numbers.');
    expect(empty).toContain('No figures.');
  });

  it('writeReportHtml writes report.html into the run folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-report-'));
    try {
      const file = writeReportHtml(summary([notebook('01_a')], { outDir: dir }));
      expect(file).toBe(path.join(dir, 'report.html'));
      expect(fs.readFileSync(file, 'utf8')).toBe(renderReportHtml(summary([notebook('01_a')], { outDir: dir })));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
