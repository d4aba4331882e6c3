/**
 * The published schema of summary.json (docs/summary.schema.json): every field is documented, in
 * the schema and in docs/summary.md, and the schema rejects what a grader's script could not read.
 * The runner tests validate every summary they produce against it (tests/summary-schema.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { SUMMARY_SCHEMA_FILE, summarySchemaErrors } from './summary-schema';

const schema = JSON.parse(fs.readFileSync(SUMMARY_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
const guide = fs.readFileSync(path.join(__dirname, '..', 'docs', 'summary.md'), 'utf8');

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  $defs?: Record<string, SchemaNode>;
}

/** Every property of the schema as [dotted path, node]. */
function properties(node: SchemaNode, prefix = ''): Array<[string, SchemaNode]> {
  const found: Array<[string, SchemaNode]> = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    found.push([`${prefix}${name}`, child], ...properties(child, `${prefix}${name}.`));
  }
  for (const [name, child] of Object.entries(node.$defs ?? {})) found.push(...properties(child, `${name}.`));
  return found;
}

/** A valid summary written by hand from the schema's documentation (one passed, one failed notebook). */
function example(): Record<string, unknown> {
  const nb = (name: string, failed: boolean) => ({
    name,
    source: `/course/solutions/${name}.ipynb`,
    output: `/course/out/run-1/${name}.ipynb`,
    outputDir: `/course/out/run-1/${name}`,
    outputRelative: `${name}.ipynb`,
    status: failed ? 'failed' : 'ok',
    durationSec: 12.5,
    codeCells: 9,
    executedCells: failed ? 4 : 9,
    failure: failed
      ? {
          kind: 'error',
          codeCell: 4,
          cellIndex: 5,
          sourceCellIndex: 4,
          cellId: 'c4',
          ename: 'ReferenceError',
          evalue: 'seed is not defined',
          traceback: ['ReferenceError: seed is not defined'],
          hint: 'write { seed: seed }',
        }
      : null,
    published: failed ? {} : { test_mse: 0.036, runs: 4, label: 'dense', converged: true },
    claims: failed
      ? []
      : [
          {
            id: 'beats-mean-image',
            statement: 'the autoencoder beats the mean image',
            held: true,
            evidence: { test_mse: 0.036, mean_image_mse: 0.067 },
          },
        ],
    parameters: { epochs: 2, noiseLevels: [0.1, 0.5], model: { latent: 2 } },
    figures: failed ? [] : [`${name}/figures/${name}_loss.png`],
    backend: failed ? null : 'wasm',
    wasmThreads: failed ? null : 1,
    kernelPid: 4242,
  });
  return {
    status: 'failed',
    profile: 'quick',
    claimsEnforced: true,
    startedAt: '2026-11-22T13:21:04.512Z',
    durationSec: 30.25,
    outDir: '/course/out/run-1',
    versions: { node: 'v20.19.2', tfjs: '4.22.0', tslab: '1.0.22', typescript: '5.9.3', vaelab: '0.1.0' },
    notebooks: [nb('01_autoencoders', false), nb('07_vae', true)],
  };
}

test('every property of the schema has a description, and docs/summary.md names every one', () => {
  const all = properties(schema as SchemaNode);
  expect(all.length).toBeGreaterThan(30);
  expect(all.filter(([, node]) => !node.description || node.description.length < 10).map(([name]) => name)).toEqual([]);
  const undocumented = all.map(([name]) => name.split('.').pop() as string).filter((name) => !guide.includes(`\`${name}\``));
  expect([...new Set(undocumented)]).toEqual([]);
});

test('the hand-written example is valid, including the statuses of an interrupted run', () => {
  expect(summarySchemaErrors(example())).toEqual([]);
  const interrupted = example();
  interrupted.status = 'interrupted';
  const notebooks = interrupted.notebooks as Array<Record<string, unknown>>;
  notebooks[0].status = 'interrupted';
  notebooks[1] = { ...notebooks[1], status: 'not run', failure: null };
  expect(summarySchemaErrors(interrupted)).toEqual([]);
});

test.each<[string, (s: Record<string, unknown>) => void, RegExp]>([
  ['a missing run field', (s) => delete s.startedAt, /must have required property 'startedAt'/],
  ['an unknown run field', (s) => (s.extra = 1), /must NOT have additional properties/],
  ['an unknown run status', (s) => (s.status = 'partial'), /\/status must be equal to one of the allowed values/],
  ['a date that is not ISO 8601 UTC', (s) => (s.startedAt = '22/11/2026 13:21'), /\/startedAt must match pattern/],
  ['a relative run folder', (s) => (s.outDir = 'out/run-1'), /\/outDir must match pattern/],
  ['a negative duration', (s) => (s.durationSec = -1), /\/durationSec must be >= 0/],
  ['a missing version', (s) => delete (s.versions as Record<string, unknown>).tslab, /\/versions must have required property 'tslab'/],
  [
    'a notebook without outputRelative',
    (s) => delete (s.notebooks as Array<Record<string, unknown>>)[0].outputRelative,
    /\/notebooks\/0 must have required property 'outputRelative'/,
  ],
  [
    'an unknown notebook status',
    (s) => ((s.notebooks as Array<Record<string, unknown>>)[0].status = 'skipped'),
    /\/notebooks\/0\/status must be equal to one of the allowed values/,
  ],
  [
    'a published object',
    (s) => ((s.notebooks as Array<Record<string, unknown>>)[0].published = { bad: { x: 1 } }),
    /\/notebooks\/0\/published\/bad must be number,string,boolean/,
  ],
  [
    'a published name with a space',
    (s) => ((s.notebooks as Array<Record<string, unknown>>)[0].published = { 'test mse': 1 }),
    /\/notebooks\/0\/published must match pattern/,
  ],
  [
    'a figure that is not a PNG',
    (s) => ((s.notebooks as Array<Record<string, unknown>>)[0].figures = ['a/figures/x.svg']),
    /\/notebooks\/0\/figures\/0 must match pattern/,
  ],
  [
    'an unknown failure kind',
    (s) => (((s.notebooks as Array<Record<string, unknown>>)[1].failure as Record<string, unknown>).kind = 'crash'),
    /\/notebooks\/1\/failure\/kind must be equal to one of the allowed values/,
  ],
  [
    'a failure without traceback',
    (s) => delete ((s.notebooks as Array<Record<string, unknown>>)[1].failure as Record<string, unknown>).traceback,
    /\/notebooks\/1\/failure must have required property 'traceback'/,
  ],
  [
    'an empty hint',
    (s) => (((s.notebooks as Array<Record<string, unknown>>)[1].failure as Record<string, unknown>).hint = ''),
    /\/notebooks\/1\/failure\/hint must NOT have fewer than 1 characters/,
  ],
])('rejects %s', (_what, spoil, message) => {
  const summary = example();
  spoil(summary);
  const errors = summarySchemaErrors(summary);
  expect(errors.join('\n')).toMatch(message);
});
