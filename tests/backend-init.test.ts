/** initBackend starts the asked-for backend, honours VAELAB_BACKEND, and says which one runs. */
import * as tf from '@tensorflow/tfjs';
import { BACKEND_ENV, backendNotice, initBackend, installedWasmKernels } from '../src/backend';

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
