/**
 * Self-contained HTML pages for interactive charts: the Vega runtime is inlined from the installed
 * `vega` package and the spec is compiled in Node, so the page works offline in any browser.
 */
import * as fs from 'fs';
import * as vegaLite from 'vega-lite';
import { escapeSvgText } from './svg-text';
import type { VegaLiteSpec } from './figure';

let vegaRuntime: string | null = null;

function vegaScript(): string {
  if (vegaRuntime === null) vegaRuntime = fs.readFileSync(require.resolve('vega/build/vega.min.js'), 'utf8');
  return vegaRuntime;
}

/** Makes JSON safe to place inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A standalone HTML page showing a Vega-Lite spec with its interactive controls (sliders, tooltips). */
export function vegaHtmlPage(spec: VegaLiteSpec, title: string): string {
  const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec).spec;
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeSvgText(title)}</title>`,
    '<style>body{font-family:"DejaVu Sans",Arial,sans-serif;margin:16px} .vega-bind{margin:4px 0} .vega-bind-name{display:inline-block;min-width:90px}</style>',
    `<script>${vegaScript().replace(/<\/script/gi, '<\\/script')}</script>`,
    '</head><body>',
    '<div id="chart"></div>',
    '<script>',
    `const spec = ${scriptJson(compiled)};`,
    "new vega.View(vega.parse(spec), { renderer: 'svg', container: '#chart', hover: true }).runAsync();",
    '</script>',
    '</body></html>',
    '',
  ].join('\n');
}
