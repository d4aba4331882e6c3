import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { convVae, convAutoencoder5lsl0, conditionalVae, denseVae, type AutoencoderModel } from '../src/models';
import { autoencoderLoss } from '../src/losses';
import { syntheticBatch } from './models-fixtures';
const log = (...a: unknown[]) => process.stderr.write(a.map(String).join(' ') + '\n');
test('speed', async () => {
  await initBackend({ backend: (process.env.SPEED_BACKEND as 'wasm' | 'cpu') ?? 'wasm', announce: false });
  const n = Number(process.env.SPEED_N ?? 16);
  const { x, labels } = syntheticBatch(n);
  const models: AutoencoderModel[] = [denseVae(), convAutoencoder5lsl0(), convVae(), conditionalVae({ labelMode: 'embedding' })];
  for (const m of models) {
    const opt = tf.train.adam(1e-3);
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      const eps = tf.randomNormal([n, m.latentDim], 0, 1, 'float32', i) as tf.Tensor2D;
      const c = opt.minimize(() => autoencoderLoss(m, { input: x, labels, eps }).total, true, m.trainableWeights());
      log(m.name, c?.dataSync()[0]);
      tf.dispose([c, eps]);
    }
    log(m.name, (Date.now() - t0) / 3, 'ms/step of', n);
  }
}, 600000);
