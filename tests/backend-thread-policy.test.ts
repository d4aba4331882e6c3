/** How many wasm threads vaelab starts: one per core by default (capped), a share per kernel under the runner. */
import {
  defaultWasmThreads,
  MAX_DEFAULT_WASM_THREADS,
  wasmThreadsEnvForJobs,
  wasmThreadsFromEnv,
  wasmThreadsPerJob,
  WASM_THREADS_ENV,
} from '../src/backend/thread-policy';

describe('default thread count', () => {
  test('is one per core: 1 on a one-core machine, 2 on two cores, capped on big machines', () => {
    expect(defaultWasmThreads(1)).toBe(1);
    expect(defaultWasmThreads(2)).toBe(2);
    expect(defaultWasmThreads(64)).toBe(MAX_DEFAULT_WASM_THREADS);
  });

  test('refuses a core count that is not a positive integer', () => {
    expect(() => defaultWasmThreads(0)).toThrow(RangeError);
    expect(() => defaultWasmThreads(1.5)).toThrow(/integer >= 1, got 1.5/);
  });
});

describe('threads per kernel when several run at once', () => {
  test('is max(1, floor(cores / jobs)), capped', () => {
    expect(wasmThreadsPerJob(1, 2)).toBe(2);
    expect(wasmThreadsPerJob(2, 2)).toBe(1);
    expect(wasmThreadsPerJob(3, 2)).toBe(1);
    expect(wasmThreadsPerJob(2, 5)).toBe(2);
    expect(wasmThreadsPerJob(1, 32)).toBe(MAX_DEFAULT_WASM_THREADS);
    expect(() => wasmThreadsPerJob(0, 2)).toThrow(/jobs must be an integer >= 1, got 0/);
  });

  test('goes into the kernel environment unless the user set VAELAB_WASM_THREADS', () => {
    expect(wasmThreadsEnvForJobs(2, {}, 2)).toEqual({ [WASM_THREADS_ENV]: '1' });
    expect(wasmThreadsEnvForJobs(1, { PATH: '/bin' }, 2)).toEqual({ [WASM_THREADS_ENV]: '2' });
    expect(wasmThreadsEnvForJobs(1, { [WASM_THREADS_ENV]: '' }, 4)).toEqual({ [WASM_THREADS_ENV]: '4' });
    expect(wasmThreadsEnvForJobs(2, { [WASM_THREADS_ENV]: '3' }, 2)).toEqual({});
  });
});

describe('VAELAB_WASM_THREADS', () => {
  const saved = process.env[WASM_THREADS_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[WASM_THREADS_ENV];
    else process.env[WASM_THREADS_ENV] = saved;
  });

  test('is read as a thread count, unset or empty means "not given", and nonsense is refused', () => {
    delete process.env[WASM_THREADS_ENV];
    expect(wasmThreadsFromEnv()).toBeUndefined();
    process.env[WASM_THREADS_ENV] = '';
    expect(wasmThreadsFromEnv()).toBeUndefined();
    process.env[WASM_THREADS_ENV] = '2';
    expect(wasmThreadsFromEnv()).toBe(2);
    process.env[WASM_THREADS_ENV] = 'many';
    expect(() => wasmThreadsFromEnv()).toThrow(/VAELAB_WASM_THREADS=many .*integer >= 1/);
    process.env[WASM_THREADS_ENV] = '0';
    expect(() => wasmThreadsFromEnv()).toThrow(/integer >= 1/);
  });
});
