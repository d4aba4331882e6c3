/**
 * Jest global setup: runs once in jest's main process before the test workers start, so what it
 * sets in process.env reaches every worker and every child process the tests spawn.
 *
 * wasm starts one thread per core by default; with jest's 2 workers on 2 cores that would
 * oversubscribe the machine, so tests run wasm single-threaded unless the person running them
 * set VAELAB_WASM_THREADS. Tests about threads ask for them explicitly (`wasmThreads`).
 */
module.exports = async function globalSetup() {
  if (process.env.VAELAB_WASM_THREADS === undefined || process.env.VAELAB_WASM_THREADS === '') {
    process.env.VAELAB_WASM_THREADS = '1';
  }
};
