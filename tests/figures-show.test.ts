import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { figurePlotlyPage, headlessReason, imageGrid, openInBrowser, rocChart } from '../src/figures';
import { saveAndShow, show, tslabDisplayWriter, VEGA_LITE_MIME_TYPE, type TslabDisplayMessage } from '../src/notebook';
import { inNotebook } from '../src/util/notebook-context';

const digit = (): Float32Array => new Float32Array(784).map((_, i) => (i % 28 > 10 && i % 28 < 16 ? 1 : 0));

describe('show', () => {
  let dir: string;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-show-'));
    process.env.VAELAB_OUTPUT_DIR = dir;
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  it('outside a notebook saves outputDir()/figures/<name>.png and prints the path', async () => {
    const fig = await imageGrid(digit(), { rows: 1, cols: 1 });
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const result = saveAndShow(fig, 'one-digit', { writer: null });
    const expected = path.join(dir, 'figures', 'one-digit.png');
    expect(result).toEqual({ png: expected, html: undefined, displayed: false });
    expect(log).toHaveBeenCalledWith(expect.stringContaining(expected));
    const meta = await sharp(expected).metadata();
    expect([meta.width, meta.height]).toEqual([fig.width, fig.height]);
    // Same name again overwrites the same file (stable names), leaving no temp files behind.
    show(fig, 'one-digit.png', { writer: null });
    expect(fs.readdirSync(path.join(dir, 'figures'))).toEqual(['one-digit.png']);
  });

  it('inside a notebook displays the PNG and the Vega-Lite spec in one output, and still saves', async () => {
    const fig = await rocChart({ fpr: [0, 0.2, 1], tpr: [0, 0.8, 1] });
    const messages: TslabDisplayMessage[] = [];
    const result = saveAndShow(fig, 'roc', { writer: (m) => messages.push(m) });
    expect(result.displayed).toBe(true);
    expect(fs.existsSync(path.join(dir, 'figures', 'roc.png'))).toBe(true);
    expect(messages).toHaveLength(1);
    const data = messages[0].data;
    expect(Buffer.from(data['image/png'] as string, 'base64').equals(fig.png)).toBe(true);
    expect(data[VEGA_LITE_MIME_TYPE]).toEqual(fig.vegaLite);
    expect(messages[0].metadata['image/png']).toEqual({ width: fig.width / 2, height: fig.height / 2 });
  });

  it('rejects bad names and non-figures', async () => {
    const fig = await imageGrid(digit(), { rows: 1, cols: 1 });
    expect(() => show(fig, '../escape', { writer: null })).toThrow(/name must start with a letter or digit/);
    expect(() => show({ ...fig, png: Buffer.from('nope') }, 'x', { writer: null })).toThrow(/PNG buffer/);
  });
});

describe('notebook detection', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('finds the display writer of a loaded tslab kernel module, and nothing elsewhere', () => {
    const writer = (): void => undefined;
    expect(tslabDisplayWriter({ '/x/node_modules/tslab/dist/jupyter.js': { exports: { lastWriteDisplayData: writer } } })).toBe(writer);
    // Loaded but no cell executing yet, or not loaded at all: no notebook.
    expect(tslabDisplayWriter({ '/x/node_modules/tslab/dist/jupyter.js': { exports: { lastWriteDisplayData: null } } })).toBeNull();
    expect(tslabDisplayWriter({ '/x/node_modules/other/jupyter.js': { exports: { lastWriteDisplayData: writer } } })).toBeNull();
  });

  it('inNotebook is false in a plain process and follows VAELAB_IN_KERNEL', () => {
    delete process.env.VAELAB_IN_KERNEL;
    expect(inNotebook()).toBe(false);
    process.env.VAELAB_IN_KERNEL = '1';
    expect(inNotebook()).toBe(true);
    process.env.VAELAB_IN_KERNEL = '0';
    expect(inNotebook()).toBe(false);
  });
});

describe('openInBrowser', () => {
  it('headless: returns at once without opening anything', async () => {
    const figure = await imageGrid(digit(), { rows: 1, cols: 1 });
    const saved = { ...process.env };
    process.env.CI = 'true';
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const result = openInBrowser([{ type: 'scatter', x: [1, 2], y: [3, 4] }]);
      expect(result).toEqual({ opened: false, reason: 'running in CI' });
      expect(openInBrowser(figure)).toEqual({ opened: false, reason: 'running in CI' });
      expect(log).toHaveBeenCalledWith(expect.stringContaining('not opening a browser window'));
    } finally {
      process.env = saved;
      log.mockRestore();
    }
  });

  it('can show any figure as a plotly page (its PNG as the image of an empty plot)', async () => {
    const figure = await rocChart({ fpr: [0, 1], tpr: [0, 1] });
    const page = figurePlotlyPage(figure);
    expect(page.layout.width).toBe(figure.width / 2);
    const images = page.layout.images as { source: string }[];
    expect(Buffer.from(images[0].source.replace('data:image/png;base64,', ''), 'base64').equals(figure.png)).toBe(true);
  });

  it('knows when a run is headless', () => {
    expect(headlessReason({}, 'linux')).toMatch(/no display/);
    expect(headlessReason({ DISPLAY: ':0' }, 'linux')).toBeNull();
    expect(headlessReason({ DISPLAY: ':0', VAELAB_PROFILE: 'smoke' }, 'linux')).toMatch(/runner/);
    expect(headlessReason({}, 'darwin')).toBeNull();
    expect(() => openInBrowser([])).toThrow(/non-empty array of plotly traces/);
  });
});
