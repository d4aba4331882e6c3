/**
 * `npm run bench -- --peer`: the PyTorch peer's output is parsed, medians and ratios are computed
 * over the rounds, and a missing peer, Python or torch gives a clear error. The peer itself is
 * replaced by a stand-in script (tests/fixtures/bench), so no PyTorch is run and nothing is timed.
 */
import * as path from 'path';
import type { BenchResult } from '../src/tools/bench/bench';
import {
  blasLabel,
  checkPeer,
  comparePeer,
  median,
  parsePeerOutput,
  peerCommand,
  peerEnv,
  PEER_INSTALL_HINT,
  runPeer,
  type PeerResult,
} from '../src/tools/bench/bench-peer';

const FIXTURES = path.join(__dirname, 'fixtures', 'bench');
const FAKE_PEER = path.join(FIXTURES, 'fake-peer.js');
const IDX = __filename; // any existing file: the stand-in peer does not read it

/** What the real peer prints (pytorch_bench.py, 2 threads), one object per line. */
const PEER_STDOUT = [
  '{"peer": "pytorch", "version": "1.13.0a0+git", "threads": 2, "model": "dense_vae", "images": 5000, "batch": 100, "seconds": 1.667, "images_per_s": 3000.0, "final_loss": 180.1}',
  '{"peer": "pytorch", "version": "1.13.0a0+git", "threads": 2, "model": "conv_vae", "images": 5000, "batch": 100, "seconds": 10.0, "images_per_s": 500.0, "final_loss": 200.2}',
  '{"peer": "pytorch", "version": "1.13.0a0+git", "threads": 2, "model": "conv_ae_5lsl0", "images": 5000, "batch": 100, "seconds": 3.125, "images_per_s": 1600.0, "final_loss": 0.09}',
  '',
].join('\n');

function vaelab(model: BenchResult['model'], imagesPerS: number, cpuImagesPerS = imagesPerS, warmImagesPerS = imagesPerS): BenchResult {
  return {
    model,
    backend: 'wasm',
    kernels: 'fast',
    threads: 2,
    images: 5000,
    batch: 100,
    seconds: 5000 / imagesPerS,
    images_per_s: imagesPerS,
    cpu_images_per_s: cpuImagesPerS,
    warm_images_per_s: warmImagesPerS,
    inference_images_per_s: 1,
    map_iters_per_s: 1,
    peak_rss_mb: 1,
    peak_heap_mb: 1,
    peak_tensor_mb: 1,
    tensors_before: 0,
    tensors_after: 0,
    final_loss: 1,
    load_avg: 0,
    cores: 2,
  };
}

function peer(model: PeerResult['model'], imagesPerS: number, blas: PeerResult['blas_threads'] = 'own'): PeerResult {
  return { model, images_per_s: imagesPerS, threads: 2, version: '1.13', final_loss: 1, seconds: 1, blas_threads: blas };
}

describe('parsePeerOutput', () => {
  test('reads one result per line and names the models as vaelab does (conv_ae_5lsl0 -> conv_ae)', () => {
    const results = parsePeerOutput(PEER_STDOUT);
    expect(results.map((r) => [r.model, r.images_per_s, r.threads])).toEqual([
      ['dense_vae', 3000, 2],
      ['conv_vae', 500, 2],
      ['conv_ae', 1600, 2],
    ]);
    expect(results[0]).toMatchObject({ version: '1.13.0a0+git', final_loss: 180.1, seconds: 1.667, blas_threads: 'own' });
    // The BLAS setting the peer ran with is the caller's to say; the peer does not print it.
    expect(parsePeerOutput(PEER_STDOUT, 1).map((r) => r.blas_threads)).toEqual([1, 1, 1]);
  });

  test('refuses lines that are not JSON objects, unknown models and missing speeds, naming the line', () => {
    expect(() => parsePeerOutput('{"model": "dense_vae", "images_per_s": 5}\nWarning: something')).toThrow(/line 2 is not JSON: Warning/);
    expect(() => parsePeerOutput('[1, 2]')).toThrow(/line 1 is not a JSON object/);
    expect(() => parsePeerOutput('{"model": "resnet", "images_per_s": 5}')).toThrow(/unknown model "resnet".*dense_vae, conv_vae, conv_ae_5lsl0/);
    expect(() => parsePeerOutput('{"model": "conv_vae"}')).toThrow(/line 1: images_per_s must be a positive number, got undefined/);
    expect(() => parsePeerOutput('{"model": "conv_vae", "images_per_s": 0}')).toThrow(/positive number, got 0/);
  });
});

describe('median', () => {
  test('is the middle value of an odd count and the mean of the two middle values of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([10, 1, 4, 3])).toBe(3.5);
    expect(median([7])).toBe(7);
  });

  test('does not reorder its argument and refuses an empty list', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('comparePeer', () => {
  test('gives per model the medians of all rounds, every round in order, and ratio = vaelab median / peer median', () => {
    const mine = [
      vaelab('dense_vae', 2000, 1500, 5000),
      vaelab('conv_vae', 400),
      vaelab('dense_vae', 3000, 1700, 5400),
      vaelab('conv_vae', 600),
      vaelab('dense_vae', 2600, 1600, 5200),
      vaelab('conv_vae', 500),
    ];
    const theirs = [
      peer('dense_vae', 4000),
      peer('conv_vae', 500),
      peer('dense_vae', 2000),
      peer('conv_vae', 450),
      peer('dense_vae', 2600),
      peer('conv_vae', 550),
    ];
    const [dense, conv] = comparePeer(mine, theirs);
    expect(dense).toMatchObject({
      comparison: 'vaelab/pytorch',
      model: 'dense_vae',
      backend: 'wasm',
      threads: 2,
      peer_threads: 2,
      peer_blas_threads: 'own',
      rounds: 3,
      vaelab_images_per_s: 2600,
      peer_images_per_s: 2600,
      ratio: 1,
      vaelab_cpu_images_per_s: 1600,
      // The second passes' median over the peer's median (the peer's first passes).
      vaelab_warm_images_per_s: 5200,
      warm_ratio: 2,
      vaelab_rounds: [2000, 3000, 2600],
      peer_rounds: [4000, 2000, 2600],
      // round 1 behind, round 2 ahead, round 3 a tie (a tie is not ahead)
      rounds_ahead: 1,
    });
    expect(conv).toMatchObject({ model: 'conv_vae', vaelab_images_per_s: 500, peer_images_per_s: 500, ratio: 1 });
  });

  test('rounds_ahead counts the rounds in which vaelab was faster than the peer in that same round', () => {
    const mine = [vaelab('dense_vae', 5000), vaelab('dense_vae', 9000), vaelab('dense_vae', 9500)];
    // The peer's median (4,000) is far below vaelab's, but its first round beats vaelab's first.
    const [dense] = comparePeer(mine, [peer('dense_vae', 6000), peer('dense_vae', 4000), peer('dense_vae', 3000)]);
    expect(dense.ratio).toBe(2.25);
    expect(dense.rounds_ahead).toBe(2);
    expect(dense.rounds).toBe(3);
    // Only rounds both sides ran are compared.
    expect(comparePeer(mine, [peer('dense_vae', 1000)])[0]).toMatchObject({ rounds: 1, rounds_ahead: 1 });
  });

  test('each peer configuration (OpenBLAS threads) is its own comparison, against the same vaelab rounds', () => {
    const mine = [vaelab('dense_vae', 6000), vaelab('dense_vae', 7000), vaelab('dense_vae', 8000)];
    // Rounds interleave the two configurations, as the bench runs them.
    const theirs = [
      peer('dense_vae', 3000, 'own'),
      peer('dense_vae', 11000, 1),
      peer('dense_vae', 4000, 'own'),
      peer('dense_vae', 12000, 1),
      peer('dense_vae', 2000, 'own'),
      peer('dense_vae', 7500, 1),
    ];
    const rows = comparePeer(mine, theirs);
    expect(rows.map((r) => [r.peer_blas_threads, r.peer_images_per_s, r.ratio, r.rounds_ahead, r.peer_rounds])).toEqual([
      ['own', 3000, 2.333, 3, [3000, 4000, 2000]],
      [1, 11000, 0.636, 1, [11000, 12000, 7500]],
    ]);
    expect(rows.every((r) => r.vaelab_images_per_s === 7000 && r.rounds === 3)).toBe(true);
  });

  test('a ratio below and above one, and a model the peer did not run is left out', () => {
    const rows = comparePeer([vaelab('dense_vae', 1000), vaelab('conv_ae', 900)], [peer('dense_vae', 4000)]);
    expect(rows).toHaveLength(1);
    expect(rows[0].ratio).toBe(0.25);
    expect(comparePeer([vaelab('conv_ae', 900)], [peer('conv_ae', 600)])[0].ratio).toBe(1.5);
  });
});

describe('running the peer', () => {
  test('the command line has the same --n and --batch, 2 threads by default and the peer model names', () => {
    const cmd = peerCommand({ script: 'p.py', idx: 'train-images-idx3-ubyte', n: 2000, batch: 100, models: ['dense_vae', 'conv_ae'] });
    expect(cmd).toEqual([
      '/usr/bin/python3',
      'p.py',
      '--idx',
      'train-images-idx3-ubyte',
      '--n',
      '2000',
      '--batch',
      '100',
      '--threads',
      '2',
      '--models',
      'dense_vae,conv_ae_5lsl0',
    ]);
  });

  test('the peer environment drops OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE and keeps the rest', () => {
    const env = peerEnv({ OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '1', PATH: '/usr/bin', LANG: 'C' });
    expect(env).toEqual({ PATH: '/usr/bin', LANG: 'C' });
  });

  test("OpenBLAS's threads are only what the bench says: 'own' removes every variable that would set them, N sets OPENBLAS_NUM_THREADS", () => {
    const user = { PATH: '/usr/bin', OPENBLAS_NUM_THREADS: '7', GOTO_NUM_THREADS: '5', OMP_NUM_THREADS: '3' };
    expect(peerEnv(user, 'own')).toEqual({ PATH: '/usr/bin' });
    expect(peerEnv(user)).toEqual({ PATH: '/usr/bin' });
    expect(peerEnv(user, 1)).toEqual({ PATH: '/usr/bin', OPENBLAS_NUM_THREADS: '1' });
    expect(user.OPENBLAS_NUM_THREADS).toBe('7'); // the caller's environment is not changed
    expect(() => peerEnv(user, 0)).toThrow(/BLAS threads must be 'own' or a positive integer, got 0/);
    expect(() => peerEnv(user, 1.5)).toThrow(RangeError);
    expect([blasLabel('own'), blasLabel(1)]).toEqual(['own', 'blas1']);
  });

  test('runPeer runs the peer with the BLAS threads asked for and marks its results with them', async () => {
    const saved = { blas: process.env.OPENBLAS_NUM_THREADS, expect: process.env.FAKE_PEER_EXPECT_BLAS };
    process.env.OPENBLAS_NUM_THREADS = '7'; // must not reach the peer
    try {
      const options = { script: FAKE_PEER, python: process.execPath, idx: IDX, n: 200, batch: 100, models: ['dense_vae'] as const };
      process.env.FAKE_PEER_EXPECT_BLAS = '1'; // the stand-in exits with an error if OPENBLAS_NUM_THREADS differs
      expect((await runPeer({ ...options, blasThreads: 1 })).map((r) => [r.model, r.blas_threads])).toEqual([['dense_vae', 1]]);
      process.env.FAKE_PEER_EXPECT_BLAS = 'unset';
      expect((await runPeer({ ...options, blasThreads: 'own' }))[0].blas_threads).toBe('own');
      process.env.FAKE_PEER_EXPECT_BLAS = '2';
      await expect(runPeer({ ...options, blasThreads: 1 })).rejects.toThrow(/exited with code 4: fake peer: OPENBLAS_NUM_THREADS is 1, expected 2/);
    } finally {
      for (const [name, value] of [
        ['OPENBLAS_NUM_THREADS', saved.blas],
        ['FAKE_PEER_EXPECT_BLAS', saved.expect],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  test('runPeer starts the script with those arguments, without OPENBLAS_CORETYPE, and parses every model', async () => {
    const saved = process.env.OPENBLAS_CORETYPE;
    process.env.OPENBLAS_CORETYPE = 'Haswell'; // the stand-in exits with an error if it sees this
    try {
      const results = await runPeer({
        script: FAKE_PEER,
        python: process.execPath,
        idx: IDX,
        n: 300,
        batch: 100,
        threads: 2,
        models: ['conv_vae', 'conv_ae'],
      });
      // The stand-in reports images_per_s = --n + position and threads = --threads.
      expect(results.map((r) => [r.model, r.images_per_s, r.threads])).toEqual([
        ['conv_vae', 300, 2],
        ['conv_ae', 301, 2],
      ]);
    } finally {
      if (saved === undefined) delete process.env.OPENBLAS_CORETYPE;
      else process.env.OPENBLAS_CORETYPE = saved;
    }
  });

  test('a peer that fails is reported with its last error line', async () => {
    await expect(
      runPeer({
        script: path.join(FIXTURES, 'fake-python-without-torch.sh'),
        python: '/bin/sh',
        idx: IDX,
        n: 100,
        batch: 100,
        models: ['dense_vae'],
      }),
    ).rejects.toThrow(/the peer exited with code 1: ModuleNotFoundError: No module named 'torch'/);
  });

  test('a missing script, Python or torch is refused before anything runs, saying how to install', async () => {
    await expect(checkPeer({ script: path.join(FIXTURES, 'no-such-peer.py'), python: process.execPath, idx: IDX })).rejects.toThrow(
      /peer script not found at .*no-such-peer\.py; pass its path: --peer PATH/,
    );
    await expect(checkPeer({ script: FAKE_PEER, python: '/no/such/python3', idx: IDX })).rejects.toThrow(
      new RegExp(`cannot run /no/such/python3 .*${PEER_INSTALL_HINT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    await expect(checkPeer({ script: FAKE_PEER, python: path.join(FIXTURES, 'fake-python-without-torch.sh'), idx: IDX })).rejects.toThrow(
      /cannot import torch; install the peer's packages: apt-get install -y python3-torch/,
    );
    await expect(checkPeer({ script: FAKE_PEER, python: process.execPath, idx: '/no/such/train-images-idx3-ubyte' })).rejects.toThrow(
      /needs the uncompressed MNIST file \/no\/such\/train-images-idx3-ubyte/,
    );
  });
});
