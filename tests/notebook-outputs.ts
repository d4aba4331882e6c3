/**
 * What a notebook declares it produces, and whether a run produced it.
 *
 * A notebook declares its figures and published numbers by its calls
 * `vl.show(figure, 'name')` and `vl.publish('name', value)`: the name argument is a string or a
 * template literal (each `${...}` stands for one or more characters, so names computed from
 * parameters are declared as patterns). The declarations are read from the source of the code
 * cells with the TypeScript parser; a name given any other way (a variable, a call) or an aliased
 * `show`/`publish` is reported as a problem, so every figure and number stays declared.
 *
 * After a run, every declaration must match at least one saved figure / published value, every
 * figure and value must match a declaration, every figure must be a non-blank PNG of sensible
 * size, and every published value a finite number.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import * as ts from 'typescript';
import type { RunSummary } from '../src/tools/runner/report';

/** A declared name: exact, or with wildcards where the source computes part of it. */
export interface NamePattern {
  /** The name as written, `*` where a template literal computes a part. */
  readonly text: string;
  /** Matches the names the pattern stands for. */
  readonly regex: RegExp;
}

/** The figures and published numbers a notebook declares. */
export interface DeclaredOutputs {
  readonly figures: NamePattern[];
  readonly published: NamePattern[];
  /** Calls whose name cannot be read from the source. */
  readonly problems: string[];
}

/** Limits a saved figure must keep. */
export const FIGURE_LIMITS = {
  /** Smallest and largest width / height in pixels. */
  minSide: 64,
  maxSide: 8000,
  /** Smallest standard deviation of the pixel values (0-255, largest over R, G, B) of the figure flattened on white. */
  minStdev: 8,
} as const;

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function patternOf(node: ts.Expression): NamePattern | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    return { text: node.text, regex: new RegExp(`^${escapeRegex(node.text)}$`) };
  }
  if (ts.isTemplateExpression(node)) {
    const parts = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)];
    return { text: parts.join('*'), regex: new RegExp(`^${parts.map(escapeRegex).join('.+')}$`) };
  }
  return null;
}

function cellSource(cell: { source: string | string[] }): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** Reads the declared figures and published numbers from the code cells of a notebook file. */
export function declaredOutputs(notebookFile: string): DeclaredOutputs {
  const nb = JSON.parse(fs.readFileSync(notebookFile, 'utf8')) as { cells: Array<{ cell_type: string; source: string | string[] }> };
  const figures: NamePattern[] = [];
  const published: NamePattern[] = [];
  const problems: string[] = [];
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'code') return;
    const file = ts.createSourceFile(`cell${index}.ts`, cellSource(cell), ts.ScriptTarget.ES2022, true);
    const where = (node: ts.Node) => `${path.basename(notebookFile)} cell ${index}: ${node.getText(file).split('\n')[0].slice(0, 80)}`;
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.expression.getText(file) === 'vl') {
        const method = node.expression.name.text;
        const nameArg = method === 'show' ? node.arguments[1] : method === 'publish' ? node.arguments[0] : undefined;
        if (method === 'show' || method === 'publish') {
          const pattern = nameArg ? patternOf(nameArg) : null;
          if (pattern) (method === 'show' ? figures : published).push(pattern);
          else
            problems.push(`${where(node)}: the ${method === 'show' ? 'figure' : 'published'} name must be a string or template literal in the call`);
        } else if (method === 'saveAndShow') {
          problems.push(`${where(node)}: use vl.show(figure, 'name') so that the figure is declared`);
        }
      } else if (ts.isIdentifier(node) && ['show', 'publish', 'saveAndShow'].includes(node.text)) {
        const parent = node.parent;
        const isVlMember = ts.isPropertyAccessExpression(parent) && parent.name === node && parent.expression.getText(file) === 'vl';
        if (!isVlMember) problems.push(`${where(parent)}: "${node.text}" used other than as vl.${node.text}(...); its outputs would not be declared`);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  });
  return { figures, published, problems };
}

/** Problems of one saved figure: not a PNG, odd size, blank or one colour. */
export async function figureProblems(file: string): Promise<string[]> {
  if (!fs.existsSync(file)) return [`${file}: missing`];
  const image = sharp(file);
  const meta = await image.metadata();
  if (meta.format !== 'png' || !meta.width || !meta.height) return [`${file}: not a PNG image`];
  const problems: string[] = [];
  const { minSide, maxSide, minStdev } = FIGURE_LIMITS;
  if (meta.width < minSide || meta.height < minSide || meta.width > maxSide || meta.height > maxSide) {
    problems.push(`${file}: ${meta.width} x ${meta.height} pixels, expected each side in [${minSide}, ${maxSide}]`);
  }
  // What a reader sees: transparent parts show the page's white.
  // (stats() reads the input image, not the pipeline's result: flatten to a buffer first.)
  const flat = await sharp(file).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const stats = await sharp(flat.data, { raw: { width: flat.info.width, height: flat.info.height, channels: flat.info.channels } }).stats();
  const rgb = stats.channels.slice(0, 3);
  const oneColour = rgb.every((c) => c.min === c.max);
  const stdev = Math.max(...rgb.map((c) => c.stdev));
  if (oneColour) problems.push(`${file}: blank (one colour)`);
  else if (stdev < minStdev) problems.push(`${file}: nearly blank (pixel standard deviation ${stdev.toFixed(2)} < ${minStdev})`);
  return problems;
}

/**
 * Everything wrong with what a notebook's run produced, compared with what its source declares
 * (empty when all is well). `outDir` is the run folder the summary entry's paths are relative to.
 */
export async function notebookOutputProblems(entry: RunSummary['notebooks'][number], outDir: string): Promise<string[]> {
  const declared = declaredOutputs(entry.source);
  const problems = [...declared.problems];
  const name = entry.name;
  const stems = entry.figures.map((f) => path.basename(f, '.png'));
  for (const pattern of declared.figures) {
    if (!stems.some((s) => pattern.regex.test(s))) problems.push(`${name}: declared figure "${pattern.text}" was not saved`);
  }
  for (const stem of stems) {
    if (!declared.figures.some((p) => p.regex.test(stem))) problems.push(`${name}: figure "${stem}" is saved but no vl.show call declares it`);
  }
  for (const figure of entry.figures) problems.push(...(await figureProblems(path.join(outDir, figure))).map((p) => `${name}: ${p}`));
  const keys = Object.keys(entry.published);
  for (const pattern of declared.published) {
    if (!keys.some((k) => pattern.regex.test(k))) problems.push(`${name}: declared published number "${pattern.text}" is missing`);
  }
  for (const [key, value] of Object.entries(entry.published)) {
    if (!declared.published.some((p) => p.regex.test(key))) problems.push(`${name}: "${key}" is published but no vl.publish call declares it`);
    if (typeof value !== 'number' || !Number.isFinite(value))
      problems.push(`${name}: published "${key}" is ${JSON.stringify(value)}, expected a finite number`);
  }
  return problems;
}
