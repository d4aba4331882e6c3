/**
 * The helper threads' job protocol (`src/engine/wasm-gemm-workers.ts`): a job ends when its chunks
 * are done, not when every helper has checked in. A helper that is asleep or descheduled (here:
 * held inside its module's start function) costs the job nothing, and it helps with the jobs that
 * come after it is free.
 *
 * The module is a few hand-assembled bytes over a shared memory: a start function that blocks on
 * `memory.atomic.wait32` until the word at address 0 is non-zero, and `mark(a)`, which stores 1 at
 * address `a`. The main thread's own chunks store 2, so the memory says who ran each chunk.
 */
import { CALL_SLOTS, GemmWorkers, type GemmJob } from '../src/engine/wasm-gemm-workers';

/** The parts of the WebAssembly global used here (the project's TypeScript libs do not declare it). */
const wasmApi = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: SharedArrayBuffer };
      Module: new (bytes: Uint8Array) => object;
    };
  }
).WebAssembly;

/** Module: imports a shared one-page memory, start = wait on [0] while it is 0, export mark(a, ...17 more i32). */
function heldModuleBytes(): Uint8Array {
  const section = (id: number, body: number[]): number[] => [id, body.length, ...body];
  const name = (s: string): number[] => [s.length, ...Buffer.from(s)];
  const i32 = 0x7f;
  const types = section(1, [2, 0x60, 0, 0, 0x60, 18, ...Array<number>(18).fill(i32), 0]);
  const imports = section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x03, 1, 1]);
  const functions = section(3, [2, 0, 1]);
  const exports = section(7, [1, ...name('mark'), 0x00, 1]);
  const start = section(8, [0]);
  // wait32(addr 0, expected 0, timeout -1 = forever); drop its result
  const wait = [0, 0x41, 0, 0x41, 0, 0x42, 0x7f, 0xfe, 0x01, 2, 0, 0x1a, 0x0b];
  // i32.atomic.store(a, 1)
  const mark = [0, 0x20, 0, 0x41, 1, 0xfe, 0x17, 2, 0, 0x0b];
  const code = section(10, [2, wait.length, ...wait, mark.length, ...mark]);
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...imports, ...functions, ...exports, ...start, ...code]);
}

/** A job of `chunks` chunks, one `mark` call each, chunk i marking the word at byte `base + 4 i`. */
function markJob(chunks: number, base: number): GemmJob {
  const calls = new Int32Array(chunks * CALL_SLOTS);
  for (let i = 0; i < chunks; i++) {
    calls[i * CALL_SLOTS] = 0; // mark
    calls[i * CALL_SLOTS + 1] = base + 4 * i;
  }
  return { calls, starts: Int32Array.from({ length: chunks + 1 }, (_, i) => i), chunks };
}

describe('helper-thread jobs', () => {
  test('a job finishes on the main thread while its helper is held, and the freed helper takes chunks of a later job', () => {
    const memory = new wasmApi.Memory({ initial: 1, maximum: 1, shared: true });
    const heap = new Int32Array(memory.buffer);
    const workers = new GemmWorkers(new wasmApi.Module(heldModuleBytes()), memory, ['mark'], 1);
    try {
      // The helper is blocked in its start function: it can neither claim a chunk nor check in.
      const ranges: Array<[number, number]> = [];
      workers.run(markJob(4, 64), (from, to) => {
        ranges.push([from, to]);
        Atomics.store(heap, (64 + 4 * from) / 4, 2);
      });
      expect(ranges).toEqual([
        [0, 1],
        [1, 2],
        [2, 3],
        [3, 4],
      ]);
      expect(Array.from(heap.subarray(16, 20))).toEqual([2, 2, 2, 2]);

      // Free the helper. The main thread then holds its first chunk until some other chunk is
      // marked by the helper (1), so the job can only finish with the helper's work in it.
      Atomics.store(heap, 0, 1);
      Atomics.notify(heap, 0);
      const base = 256;
      const deadline = Date.now() + 20_000;
      workers.run(markJob(8, base), (from) => {
        if (from === 0) {
          while (!Array.from(heap.subarray(base / 4 + 1, base / 4 + 8)).includes(1) && Date.now() < deadline) Atomics.wait(heap, 1, 0, 1);
        }
        if (Atomics.load(heap, base / 4 + from) === 0) Atomics.store(heap, base / 4 + from, 2);
      });
      const marks = Array.from(heap.subarray(base / 4, base / 4 + 8));
      expect(marks.every((m) => m === 1 || m === 2)).toBe(true);
      expect(marks.filter((m) => m === 1).length).toBeGreaterThan(0);
      expect(marks[0]).toBe(2);
    } finally {
      workers.stop();
    }
  });

  test('a helper that fails a chunk makes the job throw, and the next job runs normally', () => {
    const memory = new wasmApi.Memory({ initial: 1, maximum: 1, shared: true });
    const heap = new Int32Array(memory.buffer);
    heap[0] = 1; // the start function does not block
    const workers = new GemmWorkers(new wasmApi.Module(heldModuleBytes()), memory, ['mark'], 1);
    try {
      // Chunk 1 marks past the one-page memory: the helper traps on it, or the main thread's
      // stand-in throws, whichever thread claims it.
      const job = markJob(2, 64);
      job.calls[CALL_SLOTS + 1] = 65536;
      expect(() =>
        workers.run(job, (from) => {
          if (from === 1) throw new RangeError('main thread: out of bounds');
          Atomics.store(heap, 64 / 4, 2);
        }),
      ).toThrow(/out of bounds|strip call failed/);
      workers.run(markJob(4, 512), (from) => {
        Atomics.store(heap, 512 / 4 + from, 2);
      });
      const marks = Array.from(heap.subarray(512 / 4, 512 / 4 + 4));
      expect(marks.every((m) => m === 1 || m === 2)).toBe(true);
    } finally {
      workers.stop();
    }
  });
});
