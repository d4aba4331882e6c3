/**
 * Jest global setup: runs once in jest's main process before the test workers start, so what it
 * sets in process.env reaches every worker and every child process the tests spawn.
 *
 * dist/ must be up to date with src/: many suites and every notebook test run the compiled
 * helpers, so a stale build would make them test old code. `npm test` builds first; a bare
 * `npx jest` after an edit in src/ stops here with the stale files and the fix (`npm run build`).
 *
 * wasm starts one thread per core by default; with jest's 2 workers on 2 cores that would
 * oversubscribe the machine, so tests run wasm single-threaded unless the person running them
 * set VAELAB_WASM_THREADS. Tests about threads ask for them explicitly (`wasmThreads`).
 */
const path = require('path');
const { assertDistFresh } = require('./dist-freshness');

module.exports = async function globalSetup() {
  assertDistFresh(path.resolve(__dirname, '..'));
  if (process.env.VAELAB_WASM_THREADS === undefined || process.env.VAELAB_WASM_THREADS === '') {
    process.env.VAELAB_WASM_THREADS = '1';
  }
};
