import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import type { BackendName } from '../src/backend';
import { subsetDataset } from '../src/data';
import { Rng } from '../src/rng';
import { train } from '../src/training';
import { smallMnist, tinyVae } from './training-fixtures';

/** Every number of a 2-epoch VAE run (train and validation terms). */
async function lossHistory(seed: number): Promise<number[]> {
  const data = subsetDataset(smallMnist().train, 256, new Rng(0));
  const model = tinyVae(8, 16);
  const h = await train(model, { data, validationData: smallMnist().test, epochs: 2, batchSize: 64, seed, verbose: 0 });
  model.dispose();
  return h.epochs.flatMap((m) => [m.loss, m.reconstruction as number, m.kl as number, m.valLoss as number]);
}

describe.each<BackendName>(['cpu', 'wasm'])('same seed, same backend (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend, announce: false });
  });

  test('gives an identical loss history; another seed gives another', async () => {
    expect(tf.getBackend()).toBe(backend);
    const a = await lossHistory(1);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(await lossHistory(1)).toEqual(a);
    expect(await lossHistory(2)).not.toEqual(a);
  });
});
