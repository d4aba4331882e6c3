/**
 * report.html in a real browser: Debian's chromium renders a report with one passing notebook (a
 * figure, published numbers) and one failing one (hint, traceback, and a script in the message
 * that must stay text) to a PNG, which is decoded and checked: not blank, badges and failure box in
 * their colours, the figure drawn, and the notebook's script never ran.
 * Skipped with a one-line reason when chromium is not installed (`apt-get install chromium`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { RunSummary, writeReportHtml } from '../src/tools/runner/report';

/** The chromium binary on PATH (or $CHROMIUM), or null. */
function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter((c): c is string => Boolean(c));
  for (const name of candidates) {
    if (path.isAbsolute(name)) {
      if (fs.existsSync(name)) return name;
      continue;
    }
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      if (dir && fs.existsSync(path.join(dir, name))) return path.join(dir, name);
    }
  }
  return null;
}

const CHROMIUM = findChromium();
if (!CHROMIUM) console.warn('SKIPPED report.html browser screenshot: chromium is not installed (apt-get install chromium).');

const WIDTH = 1100;
const HEIGHT = 1300;
/** The colour a smuggled script would paint the page with, if it ever ran. */
const SCRIPT_BLUE = [0, 0, 255];

/** How many pixels of an RGB(A) buffer are within `tolerance` of `rgb` on every channel. */
function countColour(data: Buffer, channels: number, rgb: number[], tolerance = 6): number {
  let n = 0;
  for (let i = 0; i < data.length; i += channels) {
    if (Math.abs(data[i] - rgb[0]) <= tolerance && Math.abs(data[i + 1] - rgb[1]) <= tolerance && Math.abs(data[i + 2] - rgb[2]) <= tolerance) n++;
  }
  return n;
}

const hex = (h: string) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));

(CHROMIUM ? describe : describe.skip)('report.html in chromium', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-report-browser-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renders one passing and one failing notebook: not blank, badges, failure box, figure, no script run', async () => {
    // A 20 x 20 checkerboard of two greens no other part of the page uses, as the figure.
    const figureRel = path.join('01_pass', 'figures', '01_checker.png');
    fs.mkdirSync(path.join(dir, '01_pass', 'figures'), { recursive: true });
    const cells = 20;
    const side = 300;
    const raw = Buffer.alloc(side * side * 3);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const dark = (Math.floor((x * cells) / side) + Math.floor((y * cells) / side)) % 2 === 0;
        raw.set(dark ? [20, 160, 140] : [210, 240, 100], (y * side + x) * 3);
      }
    }
    await sharp(raw, { raw: { width: side, height: side, channels: 3 } })
      .png()
      .toFile(path.join(dir, figureRel));
    const script = `<script>document.documentElement.style.background='rgb(${SCRIPT_BLUE.join(',')})';document.body.style.background='rgb(${SCRIPT_BLUE.join(',')})'</script>`;
    const base = { durationSec: 4.5, codeCells: 5, wasmThreads: 1, kernelPid: 1, claims: [] };
    const summary: RunSummary = {
      status: 'failed',
      profile: 'smoke',
      claimsEnforced: false,
      startedAt: '2026-12-03T12:00:00.000Z',
      durationSec: 9.75,
      outDir: dir,
      versions: { node: process.version, tfjs: '4.22.0', tslab: '1.0.22', typescript: '5.9.3', vaelab: '0.1.0' },
      notebooks: [
        {
          ...base,
          name: '01_pass',
          source: '/src/01_pass.ipynb',
          output: path.join(dir, '01_pass.ipynb'),
          outputDir: path.join(dir, '01_pass'),
          outputRelative: '01_pass.ipynb',
          status: 'ok',
          executedCells: 5,
          failure: null,
          published: { test_mse: 0.0361, runs: 4 },
          parameters: { epochs: 1 },
          figures: [figureRel],
          backend: 'wasm',
        },
        {
          ...base,
          name: '02_fail',
          source: '/src/02_fail.ipynb',
          output: path.join(dir, '02_fail.ipynb'),
          outputDir: path.join(dir, '02_fail'),
          outputRelative: '02_fail.ipynb',
          status: 'failed',
          executedCells: 3,
          failure: {
            kind: 'error',
            codeCell: 3,
            cellIndex: 3,
            sourceCellIndex: 2,
            cellId: 'c2',
            ename: 'ReferenceError',
            evalue: `seed is not defined ${script}`,
            traceback: ['ReferenceError: seed is not defined', `    at ${script}`, `    <img src=x onerror="${script.slice(8, -9)}">`],
            hint: '"seed" is declared in an earlier cell; write { seed: seed } instead of { seed }.',
          },
          published: {},
          parameters: {},
          figures: [],
          backend: null,
        },
      ],
    };
    const report = writeReportHtml(summary);
    const shot = path.join(dir, 'report.png');
    const run = spawnSync(
      CHROMIUM as string,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        `--user-data-dir=${path.join(dir, 'profile')}`,
        `--window-size=${WIDTH},${HEIGHT}`,
        `--screenshot=${shot}`,
        `file://${report}`,
      ],
      { encoding: 'utf8', timeout: 90000 },
    );
    expect({ status: run.status, exists: fs.existsSync(shot) }).toEqual({ status: 0, exists: true });
    if (process.env.VAELAB_KEEP_REPORT_SCREENSHOT) fs.copyFileSync(shot, process.env.VAELAB_KEEP_REPORT_SCREENSHOT);

    const image = sharp(shot);
    const meta = await image.metadata();
    expect([meta.width, meta.height]).toEqual([WIDTH, HEIGHT]);
    const stats = await image.stats();
    // Not blank: the channels vary and the picture is not one colour.
    expect(stats.isOpaque).toBe(true);
    for (const c of stats.channels.slice(0, 3)) {
      expect(c.max - c.min).toBeGreaterThan(200);
      expect(c.stdev).toBeGreaterThan(10);
    }
    const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
    const count = (rgb: number[], tolerance?: number) => countColour(data, info.channels, rgb, tolerance);
    // Badges: one passed and one failed in the table, again in each section (#2e7d32 / #c62828).
    expect(count(hex('#2e7d32'))).toBeGreaterThan(300);
    expect(count(hex('#c62828'))).toBeGreaterThan(300);
    // The failure box (#fdecea) with its text, and the figure's two colours drawn.
    expect(count(hex('#fdecea'), 2)).toBeGreaterThan(10000);
    expect(count([20, 160, 140], 3)).toBeGreaterThan(5000);
    expect(count([210, 240, 100], 3)).toBeGreaterThan(5000);
    // The script in the failure message stayed text: nothing painted the page blue.
    expect(count(SCRIPT_BLUE, 10)).toBe(0);
  }, 120000);
});
