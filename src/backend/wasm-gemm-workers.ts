/**
 * Helper threads for vaelab's matrix product (`wasm-gemm.ts`) on a shared wasm memory. Each
 * worker instantiates the product module on the same memory and waits on a small shared control
 * block; the main thread writes a list of strip calls there, wakes the worker, does its own share
 * of rows, and waits for the worker's. Workers are unref'd (they never keep Node alive) and sleep
 * in `Atomics.wait` between products after a short spin (about 50 microseconds), so a step's
 * back-to-back products do not pay a full wake-up each.
 */
import { Worker } from 'worker_threads';

/** Int32 slots per strip call: the function's index, then up to 18 arguments. */
export const CALL_SLOTS = 19;

/** Most strip calls one worker takes per product (a larger share runs on the main thread). */
export const MAX_CALLS = 4096;

const HEADER = 4;
const SEQ = 0;
const DONE = 1;
const COUNT = 2;
const STATUS = 3;
const STATUS_OK = 0;
const STATUS_FAILED = 1;
const STATUS_STOP = 2;

/** How long the main thread waits for a worker's share before giving up (ms). */
const ANSWER_TIMEOUT_MS = 30_000;

/**
 * How long a worker keeps polling for the next product before it sleeps (ms). Waking a sleeping
 * thread costs about 0.1 ms here, longer than a small product; a training step issues its products
 * well within this, so during training the worker never sleeps.
 */
const SPIN_MS = 2;

const WORKER_SOURCE = `
const { workerData } = require('worker_threads');
const { memory, module, control, names } = workerData;
const exportsOf = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = names.map((n) => exportsOf[n]);
const ctl = new Int32Array(control);
const { performance } = require('perf_hooks');
let seen = 0;
let idleSince = performance.now();
for (;;) {
  let seq = Atomics.load(ctl, ${SEQ});
  while (seq === seen && performance.now() - idleSince < ${SPIN_MS}) {
    for (let i = 0; seq === seen && i < 256; i++) seq = Atomics.load(ctl, ${SEQ});
  }
  while (seq === seen) {
    Atomics.wait(ctl, ${SEQ}, seen);
    seq = Atomics.load(ctl, ${SEQ});
  }
  seen = seq;
  if (Atomics.load(ctl, ${STATUS}) === ${STATUS_STOP}) break;
  try {
    const count = ctl[${COUNT}];
    for (let i = 0, p = ${HEADER}; i < count; i++, p += ${CALL_SLOTS}) {
      fns[ctl[p]](ctl[p + 1], ctl[p + 2], ctl[p + 3], ctl[p + 4], ctl[p + 5], ctl[p + 6], ctl[p + 7], ctl[p + 8], ctl[p + 9], ctl[p + 10], ctl[p + 11], ctl[p + 12], ctl[p + 13], ctl[p + 14], ctl[p + 15], ctl[p + 16], ctl[p + 17], ctl[p + 18]);
    }
  } catch (e) {
    Atomics.store(ctl, ${STATUS}, ${STATUS_FAILED});
  }
  idleSince = performance.now();
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

/** One helper thread and its control block. */
class GemmWorker {
  private readonly ctl: Int32Array;
  private seq = 0;
  private readonly worker: Worker;

  constructor(module: object, memory: object, names: readonly string[]) {
    const control = new SharedArrayBuffer(4 * (HEADER + MAX_CALLS * CALL_SLOTS));
    this.ctl = new Int32Array(control);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { memory, module, control, names} });
    this.worker.unref();
  }

  /** Hands the worker `calls` (CALL_SLOTS ints each) and returns at once. */
  start(calls: Int32Array, count: number): void {
    if (count > MAX_CALLS) throw new RangeError(`gemm worker: ${count} calls exceed the ${MAX_CALLS} a worker takes`);
    this.ctl.set(calls.subarray(0, count * CALL_SLOTS), HEADER);
    this.ctl[COUNT] = count;
    Atomics.store(this.ctl, STATUS, STATUS_OK);
    this.seq = (this.seq + 1) | 0;
    Atomics.store(this.ctl, SEQ, this.seq);
    Atomics.notify(this.ctl, SEQ);
  }

  /** Waits until the worker has done what {@link start} gave it; throws if it failed or never answered. */
  finish(): void {
    const ctl = this.ctl;
    let done = Atomics.load(ctl, DONE);
    for (let spin = 0; done !== this.seq && spin < 20000; spin++) done = Atomics.load(ctl, DONE);
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    while (done !== this.seq) {
      if (Date.now() > deadline) throw new Error(`gemm worker: no answer within ${ANSWER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(ctl, DONE, done, 100);
      done = Atomics.load(ctl, DONE);
    }
    if (Atomics.load(ctl, STATUS) === STATUS_FAILED) throw new Error('gemm worker: a strip call failed (out-of-bounds memory access?)');
  }

  /** Ends the worker. */
  stop(): void {
    Atomics.store(this.ctl, STATUS, STATUS_STOP);
    this.seq = (this.seq + 1) | 0;
    Atomics.store(this.ctl, SEQ, this.seq);
    Atomics.notify(this.ctl, SEQ);
    void this.worker.terminate();
  }
}

/** Helper threads sharing one memory and module; `size` of them. */
export class GemmWorkers {
  private readonly workers: GemmWorker[];

  /** `module`: the compiled product module; `memory`: a shared WebAssembly.Memory; `names`: export names by call index. */
  constructor(module: object, memory: object, names: readonly string[], size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`GemmWorkers: size must be an integer >= 1, got ${size}`);
    this.workers = Array.from({ length: size }, () => new GemmWorker(module, memory, names));
  }

  /** Number of helper threads. */
  get size(): number {
    return this.workers.length;
  }

  /** Runs `shares[i]` (calls, count) on worker i while `local` runs here; returns when all are done. */
  run(shares: ReadonlyArray<readonly [Int32Array, number]>, local: () => void): void {
    shares.forEach(([calls, count], i) => this.workers[i].start(calls, count));
    let failure: unknown;
    try {
      local();
    } catch (e) {
      failure = e;
    }
    for (let i = 0; i < shares.length; i++) this.workers[i].finish();
    if (failure !== undefined) throw failure;
  }

  /** Ends every worker. */
  stop(): void {
    for (const w of this.workers) w.stop();
  }
}
