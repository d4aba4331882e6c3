/** initBackend starts the asked-for backend, honours VAELAB_BACKEND, and says which one runs. */
import * as tf from '@tensorflow/tfjs';
import { BACKEND_ENV, backendNotice, initBackend } from '../src/backend';
import { installedWasmKernels } from '../src/engine';

afterEach(() => {
  delete process.env[BACKEND_ENV];
});

test('starts wasm when asked, with vaelab kernels installed (conv training works)', async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
  expect(tf.getBackend()).toBe('wasm');
  expect(installedWasmKernels()).toContain('Conv2DBackpropFilter');
});

test('the environment variable picks the backend, an explicit option beats it', async () => {
  process.env[BACKEND_ENV] = 'cpu';
  expect(await initBackend({ announce: false })).toBe('cpu');
  expect(tf.getBackend()).toBe('cpu');
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
});

test('an unknown backend name in the environment is a clear error', async () => {
  process.env[BACKEND_ENV] = 'gpu';
  await expect(initBackend({ announce: false })).rejects.toThrow(/VAELAB_BACKEND=gpu .*expected one of tensorflow, wasm, cpu/);
});

test('prints one line naming the backend, and for non-native ones how to get native speed', async () => {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  await initBackend({ backend: 'cpu' });
  expect(log).toHaveBeenCalledTimes(1);
  expect(log.mock.calls[0][0]).toBe(backendNotice('cpu'));
  log.mockRestore();
  expect(backendNotice('wasm')).toMatch(/"wasm".*slower.*@tensorflow\/tfjs-node/);
  expect(backendNotice('tensorflow')).not.toMatch(/slower/);
});

describe("TensorFlow.js's tfjs-node hint is off once vaelab starts a backend, nothing else is", () => {
  // A fresh Node process each (this test process has the hint off already: jest-setup-quiet-tfjs.js).
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const path = require('path') as typeof import('path');
  const dist = path.resolve(__dirname, '..', 'dist', 'backend');
  const run = (code: string): string => {
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', cwd: path.resolve(__dirname, '..'), timeout: 60_000 });
    return `${r.stdout}${r.stderr}`;
  };
  const useCpu =
    "const tf = require('@tensorflow/tfjs'); tf.setBackend('cpu').then(() => { tf.tensor([1, 2]).dispose(); console.warn('other warning'); });";

  test('without vaelab the cpu backend prints the hint (so the check below can fail)', () => {
    expect(run(useCpu)).toContain('Hi, looks like you are running TensorFlow.js in Node.js');
  });

  test('after initBackend (or quietTfjsNodeHint) it does not; other warnings still print', () => {
    const out = run(`require(${JSON.stringify(dist)}).initBackend({ backend: 'cpu', announce: false }).then(() => { ${useCpu} });`);
    expect(out).not.toContain('Hi, looks like');
    expect(out).toContain('other warning');
    expect(run(`require(${JSON.stringify(dist)}).quietTfjsNodeHint(); ${useCpu}`)).not.toContain('Hi, looks like');
  });
});
