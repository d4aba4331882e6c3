import * as tf from '@tensorflow/tfjs';
import { convVae, convAutoencoder5lsl0, conditionalVae, denseVae, type AutoencoderModel } from '../src/models';
import { autoencoderLoss } from '../src/losses';
import { syntheticBatch } from './models-fixtures';
test('speed', async () => {
  await tf.setBackend('cpu');
  const { x, labels } = syntheticBatch(32);
  const models: AutoencoderModel[] = [denseVae(), convAutoencoder5lsl0(), convVae(), conditionalVae()];
  for (const m of models) {
    const opt = tf.train.adam(1e-3);
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      const eps = tf.randomNormal([32, m.latentDim], 0, 1, 'float32', i) as tf.Tensor2D;
      const c = opt.minimize(() => autoencoderLoss(m, { input: x, labels, eps }).total, true, m.trainableWeights());
      console.log(m.name, c?.dataSync()[0]);
      tf.dispose([c, eps]);
    }
    console.log(m.name, (Date.now() - t0) / 3, 'ms/step of 32');
  }
});
