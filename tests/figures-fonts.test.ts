/**
 * Figure text must render real glyphs on a fresh machine with no system fonts. A child process
 * gets a fontconfig file that lists no fonts at all (what such a machine has) and renders text
 * twice: two strings of the same length give identical pictures when every glyph is a
 * missing-glyph box, and different pictures when the letters are really drawn.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');

function runChild(dir: string, useFigureFonts: boolean): { differing: number; dark: number } {
  const script = `
const ts = require('typescript');
const fs = require('fs');
require.extensions['.ts'] = (module, file) => {
  const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
  module._compile(out.outputText, file);
};
const sharp = require('sharp');
const { imageGrid } = require(${JSON.stringify(path.join(root, 'src/figures/image-grid.ts'))});
const useFigureFonts = ${useFigureFonts};
async function render(text) {
  if (useFigureFonts) {
    const fig = await imageGrid(new Float32Array(784), { rows: 1, cols: 1, scale: 4, title: text });
    return sharp(fig.png).extract({ left: 0, top: 0, width: fig.width, height: 30 }).greyscale().raw().toBuffer();
  }
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="30"><rect width="200" height="30" fill="white"/><text x="5" y="22" font-family="DejaVu Sans, sans-serif" font-size="18">' + text + '</text></svg>';
  return sharp(Buffer.from(svg)).greyscale().raw().toBuffer();
}
(async () => {
  const a = await render('Wim 08');
  const b = await render('lxQ 71');
  let differing = 0, dark = 0;
  for (let i = 0; i < a.length; i++) { if (Math.abs(a[i] - b[i]) > 60) differing++; if (a[i] < 100) dark++; }
  process.stdout.write(JSON.stringify({ differing, dark }));
})().catch((e) => { console.error(e); process.exit(1); });
`;
  const file = path.join(dir, `render-${useFigureFonts}.js`);
  fs.writeFileSync(file, script);
  const env = { ...process.env, FONTCONFIG_FILE: path.join(dir, 'no-fonts.conf'), NODE_PATH: path.join(root, 'node_modules'), TMPDIR: dir };
  return JSON.parse(execFileSync(process.execPath, [file], { env, cwd: root, encoding: 'utf8' })) as { differing: number; dark: number };
}

describe('figure fonts', () => {
  it('text shows real glyphs even when the system has no fonts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-fonts-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'no-fonts.conf'),
        `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><cachedir>${dir}/cache</cachedir></fontconfig>\n`,
      );
      // Without the shipped font: only missing-glyph boxes, the same for both strings.
      const bare = runChild(dir, false);
      expect(bare.dark).toBeGreaterThan(0);
      expect(bare.differing).toBe(0);
      // With the figure helpers: real letters, so the two strings look different.
      const figure = runChild(dir, true);
      expect(figure.dark).toBeGreaterThan(50);
      expect(figure.differing).toBeGreaterThan(50);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
