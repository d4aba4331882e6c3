/**
 * Shared by every test that reads a runner's summary.json: validates it against the published
 * schema (docs/summary.schema.json) and checks what the schema cannot (paths that agree with the
 * run folder, versions that match what is installed, times that add up).
 */
import Ajv2020 from 'ajv/dist/2020';
import * as fs from 'fs';
import * as path from 'path';
import type { RunSummary } from '../src/tools/runner/report';

const ROOT = path.resolve(__dirname, '..');
/** The published schema of summary.json. */
export const SUMMARY_SCHEMA_FILE = path.join(ROOT, 'docs', 'summary.schema.json');

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(JSON.parse(fs.readFileSync(SUMMARY_SCHEMA_FILE, 'utf8')) as object);

/** Schema errors of a parsed summary as readable lines (empty when valid). */
export function summarySchemaErrors(summary: unknown): string[] {
  if (validate(summary)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** Reads `<outDir>/summary.json`, fails the test with every schema error when it is invalid, and returns it. */
export function readSummary(outDir: string): RunSummary {
  const summary = JSON.parse(fs.readFileSync(path.join(outDir, 'summary.json'), 'utf8')) as unknown;
  expect(summarySchemaErrors(summary)).toEqual([]);
  return summary as RunSummary;
}

/** The version field of an installed package's package.json, read here independently of the runner. */
function installedVersion(name: string): string {
  const file = require.resolve(`${name}/package.json`, { paths: [ROOT] });
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

/** What the test knows about the run it started. */
export interface ExpectedRun {
  /** The run folder given with `--out`. */
  outDir: string;
  /** Source notebook file per notebook name, in the order the run lists them. */
  sources: Array<[string, string]>;
  /** Wall-clock time just before the test started the runner. */
  startedAfter: Date;
}

/**
 * Checks the fields of a summary against the run the test started: run folder, notebook paths,
 * times and installed versions. Call after {@link readSummary}.
 */
export function expectSummaryMatchesRun(summary: RunSummary, run: ExpectedRun): void {
  const outDir = path.resolve(run.outDir);
  expect(summary.outDir).toBe(outDir);
  const started = Date.parse(summary.startedAt);
  // The runner starts after the test spawned it and before the file exists.
  expect(started).toBeGreaterThanOrEqual(run.startedAfter.getTime() - 1000);
  const written = fs.statSync(path.join(outDir, 'summary.json')).mtimeMs;
  expect(started + summary.durationSec * 1000).toBeLessThanOrEqual(written + 1000);
  expect(summary.versions).toEqual({
    node: process.version,
    tfjs: installedVersion('@tensorflow/tfjs'),
    tslab: installedVersion('tslab'),
    typescript: installedVersion('typescript'),
    vaelab: (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
  });
  expect(summary.notebooks.map((n) => [n.name, n.source])).toEqual(run.sources.map(([name, file]) => [name, path.resolve(file)]));
  for (const nb of summary.notebooks) {
    expect(nb.output).toBe(path.join(outDir, `${nb.name}.ipynb`));
    expect(nb.outputRelative).toBe(`${nb.name}.ipynb`);
    expect(nb.outputDir).toBe(path.join(outDir, nb.name));
    expect(fs.existsSync(path.join(outDir, `${nb.name}.ipynb`))).toBe(true);
    expect(fs.statSync(path.join(outDir, nb.name)).isDirectory()).toBe(true);
    // Every notebook ran inside the run's time span.
    expect(nb.durationSec).toBeLessThanOrEqual(summary.durationSec + 0.01);
    expect(nb.executedCells).toBeLessThanOrEqual(nb.codeCells);
    expect(nb.failure === null).toBe(nb.status === 'ok');
    for (const figure of nb.figures) {
      expect(figure.startsWith(`${nb.name}${path.sep}`)).toBe(true);
      expect(fs.existsSync(path.join(outDir, figure))).toBe(true);
    }
  }
}
