/**
 * Fault handling of the runner that needs no kernel: unique run folders and the `out/latest` link
 * under concurrent runs, checks of `--set` values against the types the parameters cell declares,
 * line separators in injected values, and removal of temporary folders of dead kernels.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRunDir, linkLatest } from '../src/notebook/runner-cli';

const ROOT = path.resolve(__dirname, '..');
const DIST_RUNNER = path.join(ROOT, 'dist', 'notebook', 'runner-cli.js');

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
    const runs = Array.from({ length: 4 }, () =>
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
