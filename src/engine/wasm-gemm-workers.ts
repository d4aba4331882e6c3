/**
 * Helper threads for vaelab's matrix product and convolutions (`wasm-gemm.ts`) on a shared wasm
 * memory. Each worker instantiates the product module on the same memory and waits on one shared
 * control block. A job is a list of strip calls cut into chunks; the main thread writes it there,
 * wakes the workers, and every thread (the main one included) claims the next chunk until none is
 * left, so a thread that starts late or runs slower simply takes fewer chunks.
 *
 * A job ends when every chunk is done, not when every worker has checked in: a worker that is
 * still asleep, or descheduled on a busy machine, when the others have taken the last chunk
 * costs the job nothing (it finds no chunk left, or helps with a later job). The claim word holds
 * the next chunk and the chunk count together, so a claim (compare-and-swap) succeeds only on the
 * job that is current; the job's calls are read only after a claim, and the main thread rewrites
 * them only after every claimed chunk is done.
 *
 * Workers are unref'd (they never keep Node alive) and sleep in `Atomics.wait` between jobs after
 * a spin (20 ms), so a training step's back-to-back products do not pay a full wake-up each.
 */
import { Worker } from 'worker_threads';

/** Int32 slots per strip call: the function's index, then up to 18 arguments. */
export const CALL_SLOTS = 19;

/** Most strip calls one job may hold (a larger job runs on the main thread alone). */
export const MAX_CALLS = 8192;

/** Most chunks one job may be cut into. */
export const MAX_CHUNKS = 256;

const SEQ = 0;
const DONE = 1; // chunks of the current job done
const CLAIM = 2; // next chunk | chunk count << CLAIM_SHIFT
const STATUS = 3;
const STARTS = 8; // chunk i's calls are [starts[i], starts[i+1])
const CALLS = STARTS + MAX_CHUNKS + 1;
const STATUS_OK = 0;
const STATUS_FAILED = 1;
const STATUS_STOP = 2;
/** Bits of the next chunk in the claim word (MAX_CHUNKS fits). */
const CLAIM_SHIFT = 9;
const CLAIM_MASK = (1 << CLAIM_SHIFT) - 1;

/** How long the main thread waits for the workers before giving up (ms). */
const ANSWER_TIMEOUT_MS = 30_000;

/**
 * How long a worker keeps polling for the next job before it sleeps (ms). Waking a sleeping
 * thread costs about 0.05 to 0.1 ms here, longer than a small product; a training step issues its
 * products well within this, so during training the workers never sleep.
 */
const SPIN_MS = 20;

const WORKER_SOURCE = `
const { workerData } = require('worker_threads');
const { performance } = require('perf_hooks');
const { memory, module, control, names } = workerData;
const exportsOf = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = names.map((n) => exportsOf[n]);
const ctl = new Int32Array(control);
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
  for (;;) {
    const w = Atomics.load(ctl, ${CLAIM});
    const c = w & ${CLAIM_MASK};
    const chunks = w >>> ${CLAIM_SHIFT};
    if (c >= chunks) break;
    if (Atomics.compareExchange(ctl, ${CLAIM}, w, w + 1) !== w) continue;
    try {
      const end = ${CALLS} + ctl[${STARTS} + c + 1] * ${CALL_SLOTS};
      for (let p = ${CALLS} + ctl[${STARTS} + c] * ${CALL_SLOTS}; p < end; p += ${CALL_SLOTS}) {
        fns[ctl[p]](ctl[p + 1], ctl[p + 2], ctl[p + 3], ctl[p + 4], ctl[p + 5], ctl[p + 6], ctl[p + 7], ctl[p + 8], ctl[p + 9],
          ctl[p + 10], ctl[p + 11], ctl[p + 12], ctl[p + 13], ctl[p + 14], ctl[p + 15], ctl[p + 16], ctl[p + 17], ctl[p + 18]);
      }
    } catch (e) {
      Atomics.store(ctl, ${STATUS}, ${STATUS_FAILED});
    }
    if (Atomics.add(ctl, ${DONE}, 1) + 1 === chunks) Atomics.notify(ctl, ${DONE});
  }
  idleSince = performance.now();
}
`;

/** A job: encoded calls and where each chunk starts (`starts[chunks]` = the call count). */
export interface GemmJob {
  readonly calls: Int32Array;
  readonly starts: Int32Array;
  readonly chunks: number;
}

/** Helper threads sharing one memory, module and control block; `size` of them. */
export class GemmWorkers {
  private readonly ctl: Int32Array;
  private readonly workers: Worker[];
  private seq = 0;

  /** `module`: the compiled product module; `memory`: a shared WebAssembly.Memory; `names`: export names by call index. */
  constructor(module: object, memory: object, names: readonly string[], size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`GemmWorkers: size must be an integer >= 1, got ${size}`);
    const control = new SharedArrayBuffer(4 * (CALLS + MAX_CALLS * CALL_SLOTS));
    this.ctl = new Int32Array(control);
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { memory, module, control, names } });
      worker.unref();
      return worker;
    });
  }

  /** Number of helper threads. */
  get size(): number {
    return this.workers.length;
  }

  /** Whether a job of this size fits the control block. */
  fits(callCount: number, chunks: number): boolean {
    return callCount <= MAX_CALLS && chunks <= MAX_CHUNKS;
  }

  /**
   * Runs the job's chunks on the workers and on this thread (`runRange(from, to)` runs calls
   * [from, to) here) and returns when every chunk is done, without waiting for a worker that took
   * none. Throws if a chunk failed or a claimed chunk never finished.
   */
  run(job: GemmJob, runRange: (from: number, to: number) => void): void {
    const ctl = this.ctl;
    const callCount = job.starts[job.chunks];
    if (!this.fits(callCount, job.chunks))
      throw new RangeError(`gemm workers: a job of ${callCount} calls in ${job.chunks} chunks exceeds ${MAX_CALLS} / ${MAX_CHUNKS}`);
    ctl.set(job.starts.subarray(0, job.chunks + 1), STARTS);
    ctl.set(job.calls.subarray(0, callCount * CALL_SLOTS), CALLS);
    ctl[DONE] = 0;
    Atomics.store(ctl, STATUS, STATUS_OK);
    Atomics.store(ctl, CLAIM, job.chunks << CLAIM_SHIFT);
    this.seq = (this.seq + 1) | 0;
    Atomics.store(ctl, SEQ, this.seq);
    Atomics.notify(ctl, SEQ);
    let failure: unknown;
    for (let c = this.claim(); c >= 0; c = this.claim()) {
      // After a failure the rest of this thread's claims are only counted, not run.
      if (failure === undefined) {
        try {
          runRange(job.starts[c], job.starts[c + 1]);
        } catch (e) {
          failure = e;
        }
      }
      Atomics.add(ctl, DONE, 1);
    }
    this.awaitChunks(job.chunks);
    if (failure !== undefined) throw failure;
    if (Atomics.load(ctl, STATUS) === STATUS_FAILED) throw new Error('gemm worker: a strip call failed (out-of-bounds memory access?)');
  }

  /** Claims the current job's next chunk for this thread: its index, or -1 when none is left. */
  private claim(): number {
    const ctl = this.ctl;
    for (;;) {
      const w = Atomics.load(ctl, CLAIM);
      const c = w & CLAIM_MASK;
      if (c >= w >>> CLAIM_SHIFT) return -1;
      if (Atomics.compareExchange(ctl, CLAIM, w, w + 1) === w) return c;
    }
  }

  /** Waits until all `chunks` chunks of the current job are done (every one is claimed by now). */
  private awaitChunks(chunks: number): void {
    const ctl = this.ctl;
    let done = Atomics.load(ctl, DONE);
    for (let spin = 0; done < chunks && spin < 20000; spin++) done = Atomics.load(ctl, DONE);
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    while (done < chunks) {
      if (Date.now() > deadline)
        throw new Error(`gemm worker: a chunk claimed by a helper thread did not finish within ${ANSWER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(ctl, DONE, done, 100);
      done = Atomics.load(ctl, DONE);
    }
  }

  /** Ends every worker. */
  stop(): void {
    Atomics.store(this.ctl, STATUS, STATUS_STOP);
    this.seq = (this.seq + 1) | 0;
    Atomics.store(this.ctl, SEQ, this.seq);
    Atomics.notify(this.ctl, SEQ);
    for (const w of this.workers) void w.terminate();
  }
}
