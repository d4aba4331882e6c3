/**
 * Fault handling of the runner that needs no kernel: unique run folders and the `out/latest` link
 * under concurrent runs, checks of `--set` values against the types the parameters cell declares,
 * line separators in injected values, and removal of temporary folders of dead kernels.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { checkOverrideType, formatParameterType, injectedParametersSource, parameterTypes, parseOverride } from '../src/tools/runner/parameters';
import type { ParameterValue } from '../src/tools/notebook-file';
import { createRunDir, runCli } from '../src/tools/runner/runner-cli';
import type { RunnerPaths } from '../src/tools/runner/runner-cli';

const ROOT = path.resolve(__dirname, '..');
const DIST_RUNNER = path.join(ROOT, 'dist', 'tools', 'runner', 'runner-cli.js');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-runner-faults-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('run folders', () => {
  test('two runs started in the same second get two different, new folders', () => {
    const now = new Date('2026-12-03T14:05:09.250Z');
    const a = createRunDir(dir, now);
    const b = createRunDir(dir, now);
    expect(a).not.toBe(b);
    for (const d of [a, b]) {
      expect(path.dirname(d)).toBe(dir);
      expect(path.basename(d)).toMatch(/^run-20261203-140509/);
      expect(fs.readdirSync(d)).toEqual([]);
    }
  });

  test('runs in separate processes at the same moment never share a folder', async () => {
    if (!fs.existsSync(DIST_RUNNER)) throw new Error(`${DIST_RUNNER} is missing: run "npx tsc -p tsconfig.build.json" first`);
    // every process creates 5 folders for the same time stamp, all starting at the same instant
    const startAt = Date.now() + 1500;
    const script = `
      const { createRunDir, linkLatest } = require(${JSON.stringify(DIST_RUNNER)});
      while (Date.now() < ${startAt}) {}
      const made = [];
      for (let i = 0; i < 5; i++) { const d = createRunDir(${JSON.stringify(dir)}, new Date('2026-12-03T14:05:09Z')); linkLatest(d); made.push(d); }
      process.stdout.write(JSON.stringify(made));`;
    const runs = Array.from(
      { length: 4 },
      () =>
        new Promise<string[]>((resolve, reject) => {
          const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`child exited with ${code}`))));
        }),
    );
    const made = (await Promise.all(runs)).flat();
    expect(made).toHaveLength(20);
    expect(new Set(made).size).toBe(20);
    // out/latest is a link to one of them, and no temporary link is left behind
    const latest = path.join(dir, 'latest');
    expect(fs.lstatSync(latest).isSymbolicLink()).toBe(true);
    expect(made).toContain(path.join(dir, fs.readlinkSync(latest)));
    expect(fs.readdirSync(dir).sort()).toEqual([...made.map((d) => path.basename(d)), 'latest'].sort());
  });
});

describe('--set values are checked against the declared types', () => {
  const PARAMETERS = [
    '// Parameters',
    'let epochs = 10;            // training epochs',
    'let learningRate: number = 1e-3;',
    'let betaValues = [0.1, 1, 4];',
    "let label = 'digits';",
    'let useNoise = false;',
    "let mode: 'fast' | 'slow' = 'fast';",
  ].join('\n');
  let paths: RunnerPaths;
  let err: string;
  const io = { out: (t: string) => void (err += t), err: (t: string) => void (err += t), tty: false };
  beforeEach(() => {
    err = '';
    const solutions = path.join(dir, 'solutions');
    fs.mkdirSync(solutions);
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [{ id: 'p', cell_type: 'code', metadata: { tags: ['parameters'] }, source: PARAMETERS, execution_count: null, outputs: [] }],
    };
    fs.writeFileSync(path.join(solutions, '01_intro.ipynb'), JSON.stringify(nb));
    paths = { root: dir, solutions, profiles: path.join(solutions, 'profiles.json') };
  });

  test('the types of a parameters cell: annotations, and what TypeScript infers from the initial value', () => {
    const types = parameterTypes(PARAMETERS);
    expect([...types.entries()].map(([n, t]) => `${n}: ${formatParameterType(t)}`)).toEqual([
      'epochs: number',
      'learningRate: number',
      'betaValues: number[]',
      'label: string',
      'useNoise: boolean',
      "mode: 'fast' | 'slow'",
    ]);
  });

  test.each([
    [
      'epochs=[1,',
      /--set epochs=\[1,: "epochs" is declared as number in the parameters cell of 01_intro, but the value is not valid JSON \(.+\); expected a JSON number/,
    ],
    ['betaValues=[1,', /"betaValues" is declared as number\[\] .* not valid JSON .*expected a JSON number\[\]/],
    ['epochs=ten', /"epochs" is declared as number .* not valid JSON/],
    ['epochs="3"', /"epochs" is declared as number in the parameters cell of 01_intro; got the string "3"/],
    ['betaValues=[1,"2"]', /"betaValues" is declared as number\[\] .*; element 1: got the string "2"/],
    ['useNoise=1', /"useNoise" is declared as boolean .*; got the number 1/],
    ['mode=medium', /"mode" is declared as 'fast' \| 'slow' .* not valid JSON/],
    ['01_intro.label=3', /--set 01_intro.label=3: "label" is declared as string .*; got the number 3/],
  ])('--set %s is refused before any kernel starts (exit 2) with the declared type', async (setting, message) => {
    expect(await runCli(['--set', setting, '--out', path.join(dir, 'out')], paths, io)).toBe(2);
    expect(err).toMatch(message);
    expect(err).toContain('Usage: npm start');
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  test('well-typed values pass, and a plain word is fine for a string parameter', () => {
    const overrides = [
      'epochs=3',
      'learningRate=2e-3',
      'betaValues=[0.5,2]',
      'label=fashion',
      'label="a b"',
      'useNoise=true',
      'mode=slow',
      'mode="fast"',
    ];
    const types = parameterTypes(PARAMETERS);
    for (const o of overrides) {
      const parsed = parseOverride(o);
      expect(() => checkOverrideType('01_intro', parsed, types.get(parsed.name))).not.toThrow();
    }
  });
});

describe('line separators in injected values', () => {
  /** Compiles `let` declarations + the injected cell with TypeScript and runs it; returns the variables' values. */
  function compileAndRun(values: Record<string, ParameterValue>, origin: string): { diagnostics: string[]; result: Record<string, unknown> } {
    const names = Object.keys(values);
    const source = `${names.map((n) => `let ${n}: unknown = null;`).join('\n')}\n${injectedParametersSource(values, origin)}\nexports.result = { ${names.map((n) => `${n}: ${n}`).join(', ')} };\n`;
    const out = ts.transpileModule(source, {
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
    });
    const diagnostics = (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    const exportsObject: { result?: Record<string, unknown> } = {};
    if (diagnostics.length === 0) new Function('exports', out.outputText)(exportsObject);
    return { diagnostics, result: exportsObject.result ?? {} };
  }

  test.each([
    ['U+2028', '\u2028'],
    ['U+2029', '\u2029'],
  ])('a %s in a --set string stays inside the string and the comment', (_name, separator) => {
    const text = `line one${separator}process.exit(3)${separator}end`;
    const override = parseOverride(`label=${text}`);
    const origin = `profile "smoke", --set label=${JSON.stringify(override.value)}`;
    const injected = injectedParametersSource({ label: override.value }, origin);
    // the cell has exactly its lines: comment, one assignment, the closing empty statement
    expect(injected.split(/\r\n|[\n\r\u2028\u2029]/)).toHaveLength(3);
    const { diagnostics, result } = compileAndRun({ label: override.value }, origin);
    expect(diagnostics).toEqual([]);
    expect(result.label).toBe(text);
  });
});
