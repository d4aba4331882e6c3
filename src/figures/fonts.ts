/**
 * Fonts for figure text. SVG text is rasterised by sharp (librsvg + pango), which finds fonts
 * through fontconfig. A fresh machine may have no fonts at all, and then every glyph becomes an
 * empty box. So before the first text is drawn, fontconfig is pointed at a small config that keeps
 * the system's fonts and adds the DejaVu TrueType files shipped by the `dejavu-fonts-ttf` npm package.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic } from '../util/atomic-write';

/** Font family used for all figure text (shipped with the project, so it exists everywhere). */
export const FIGURE_FONT_FAMILY = 'DejaVu Sans';

/** CSS font-family list for SVG text and Vega configs: the shipped font first, generic fallback last. */
export const FIGURE_FONT_STACK = `'${FIGURE_FONT_FAMILY}', 'Liberation Sans', Arial, sans-serif`;

let configuredFile: string | null = null;

/** Folder of the TrueType fonts shipped by the `dejavu-fonts-ttf` package, or null when it is not installed. */
export function shippedFontDir(): string | null {
  try {
    const dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    return fs.existsSync(path.join(dir, 'DejaVuSans.ttf')) ? dir : null;
  } catch {
    return null;
  }
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Makes sure figure text can find a font: writes (once per process) a fontconfig file that
 * includes the system configuration (or the one named by an existing `FONTCONFIG_FILE`) and adds
 * the shipped DejaVu fonts, then sets `FONTCONFIG_FILE` to it. Must run before the first text is
 * rasterised in this process (every figure function calls it). Returns the config path, or null
 * when the font package is missing (text then uses whatever fonts the system has).
 */
export function ensureFigureFonts(): string | null {
  if (configuredFile) return configuredFile;
  const fontDir = shippedFontDir();
  if (!fontDir) return null;
  const base = process.env.FONTCONFIG_FILE && process.env.FONTCONFIG_FILE !== '' ? process.env.FONTCONFIG_FILE : '/etc/fonts/fonts.conf';
  const key = crypto.createHash('sha1').update(`${base}\n${fontDir}`).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), `vaelab-fontconfig-${key}`);
  const file = path.join(dir, 'fonts.conf');
  const xml = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    `  <include ignore_missing="yes">${xmlEscape(base)}</include>`,
    `  <dir>${xmlEscape(fontDir)}</dir>`,
    `  <cachedir>${xmlEscape(path.join(dir, 'cache'))}</cachedir>`,
    '</fontconfig>',
    '',
  ].join('\n');
  try {
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== xml) writeFileAtomic(file, xml);
  } catch (err) {
    console.warn(`figures: could not write a font configuration to ${dir} (${(err as Error).message}); text uses the system fonts`);
    return null;
  }
  process.env.FONTCONFIG_FILE = file;
  configuredFile = file;
  return file;
}
