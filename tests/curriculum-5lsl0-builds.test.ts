/**
 * The solutions' own builds of the 5LSL0 networks (notebook 01 Exercise 1.3, notebook 04 Exercise
 * 4.2) are exactly the library's: same layers in the same order, same initial weights, hence the same
 * training-cache key, so notebooks 02-06 (which train `convAutoencoder5lsl0`) analyse the network
 * notebook 01 trains. The same holds for notebook 14's conditioning (Exercise 14.2): the CVAEs
 * `conditionalVaeFrom(conditionOn, ...)` builds around the solution are `conditionalVae`'s. The
 * solution cells are read from the notebooks and run as they stand.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as ts from 'typescript';
import * as vl from '../src';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The source of the code cell of `notebook` that defines every one of `names`, run with tf and vl in scope. */
function solutionFunctions<T>(notebook: string, names: readonly string[]): T {
  const file = path.join(__dirname, '..', 'solutions', notebook);
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { cell_type: string; source: string[] | string }[] };
  const text = (c: { source: string[] | string }) => (Array.isArray(c.source) ? c.source.join('') : c.source);
  const cell = nb.cells.find((c) => c.cell_type === 'code' && names.every((n) => text(c).includes(`function ${n}(`)));
  if (!cell) throw new Error(`${notebook}: no code cell defines ${names.join(', ')}`);
  const js = ts.transpileModule(text(cell), { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None } }).outputText;
  return new Function('tf', 'vl', `${js}\nreturn { ${names.join(', ')} };`)(tf, vl) as T;
}

type Build = (init: vl.SeededInitializers) => tf.LayersModel;

/** A small dataset for the cache keys (the key hashes the data too). */
const data: vl.ImageDataset = {
  images: Float32Array.from({ length: 3 * 784 }, (_, i) => (i % 7) / 7),
  labels: Uint8Array.from([1, 2, 3]),
  count: 3,
  rows: 28,
  cols: 28,
};

describe('notebook 01: buildConvEncoder / buildConvDecoder', () => {
  const { buildConvEncoder, buildConvDecoder } = solutionFunctions<{ buildConvEncoder: Build; buildConvDecoder: Build }>('01_autoencoders.ipynb', [
    'buildConvEncoder',
    'buildConvDecoder',
  ]);
  const student = (seed: number) => {
    const init = vl.conv5lsl0Initializers(seed);
    const encoder = buildConvEncoder(init);
    const decoder = buildConvDecoder(init);
    return vl.conv5lsl0FromLayers(encoder, decoder, { seed });
  };

  test.each([0, 1, 2])('seed %i: same cache key, layer classes, shapes and weights as vl.convAutoencoder5lsl0', (seed) => {
    const mine = student(seed);
    const lib = vl.convAutoencoder5lsl0({ seed });
    expect(vl.checkConvConstraints(mine)).toEqual([]);
    const options = { data, epochs: 4, batchSize: 32, learningRate: 0.001, loss: 'mse' as const, seed };
    expect(vl.trainingCacheKey(mine, options)).toBe(vl.trainingCacheKey(lib, options));
    // the same, spelled out: the key is a hash, so name what it covers
    for (const part of ['encoder', 'decoder'] as const) {
      const describeNet = (m: tf.LayersModel) => m.layers.map((l) => `${l.getClassName()}:${JSON.stringify(l.outputShape)}`);
      expect(describeNet(mine.network[part])).toEqual(describeNet(lib.network[part]));
      const a = mine[part].getWeights();
      const b = lib[part].getWeights();
      expect(a.length).toBe(b.length);
      a.forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(b[i].dataSync())));
    }
    // and another seed's library model differs (the comparison can fail)
    const other = vl.convAutoencoder5lsl0({ seed: seed + 10 });
    expect(vl.trainingCacheKey(mine, options)).not.toBe(vl.trainingCacheKey(other, options));
    [mine, lib, other].forEach((m) => m.dispose());
  });

  test('a decoder built before the encoder draws other seeds: another key', () => {
    const init = vl.conv5lsl0Initializers(0);
    const decoder = buildConvDecoder(init);
    const encoder = buildConvEncoder(init);
    const swapped = vl.conv5lsl0FromLayers(encoder, decoder, { seed: 0 });
    const lib = vl.convAutoencoder5lsl0({ seed: 0 });
    expect(vl.trainingCacheKey(swapped, { data, epochs: 1 })).not.toBe(vl.trainingCacheKey(lib, { data, epochs: 1 }));
    swapped.dispose();
    lib.dispose();
  });
});

describe('notebook 04: encoderToClassifier', () => {
  const { encoderToClassifier } = solutionFunctions<{
    encoderToClassifier: (encoder: tf.LayersModel, numClasses: number, init: vl.SeededInitializers) => tf.LayersModel;
  }>('04_encoder_classifier.ipynb', ['encoderToClassifier']);

  test.each([0, 1])('seed %i: same cache key, layers and weights as vl.encoderClassifier, and the same predictions', (seed) => {
    const init = vl.conv5lsl0Initializers(seed);
    const encoder = vl.conv5lsl0Encoder(init);
    const mine = vl.asEncoderClassifier(encoderToClassifier(encoder, 10, init), { seed });
    const lib = vl.encoderClassifier({ seed });
    vl.checkEncoderClassifier(mine.network, encoder);
    const options = { data, epochs: 3, batchSize: 64, learningRate: 0.001, seed };
    expect(vl.trainingCacheKey(mine, options)).toBe(vl.trainingCacheKey(lib, options));
    const describeNet = (m: tf.LayersModel) => m.layers.map((l) => `${l.getClassName()}:${JSON.stringify(l.outputShape)}`);
    expect(describeNet(mine.network)).toEqual(describeNet(lib.network));
    const x = tf.randomUniform([5, 784], 0, 1, 'float32', 21) as tf.Tensor2D;
    const p = mine.predict(x);
    const q = lib.predict(x);
    expect(Array.from(p.dataSync())).toEqual(Array.from(q.dataSync()));
    const other = vl.encoderClassifier({ seed: seed + 10 });
    expect(vl.trainingCacheKey(mine, options)).not.toBe(vl.trainingCacheKey(other, options));
    tf.dispose([x, p, q]);
  });
});

describe('notebook 14: conditionOn', () => {
  const { conditionOn } = solutionFunctions<{ conditionOn: vl.Conditioning }>('14_conditional_vae.ipynb', ['conditionOn']);
  const describeNet = (m: tf.LayersModel) => m.layers.map((l) => `${l.getClassName()}:${JSON.stringify(l.outputShape)}:${l.trainable}`);

  test.each([
    ['oneHot', 0],
    ['embedding', 0],
    ['oneHot', 1],
    ['embedding', 2],
  ] as const)('%s, seed %i: same cache key, layers and weights as vl.conditionalVae', (labelMode, seed) => {
    const mine = vl.conditionalVaeFrom(conditionOn, { labelMode, latentDim: 2, seed });
    const lib = vl.conditionalVae({ labelMode, latentDim: 2, seed });
    const options = { data, epochs: 4, batchSize: 128, learningRate: 0.003, loss: 'bce' as const, klWarmupEpochs: 2, seed };
    expect(vl.trainingCacheKey(mine, options)).toBe(vl.trainingCacheKey(lib, options));
    for (const part of ['encoder', 'decoder'] as const) {
      expect(describeNet(mine[part])).toEqual(describeNet(lib[part]));
      const a = mine[part].getWeights();
      const b = lib[part].getWeights();
      expect(a.length).toBe(b.length);
      a.forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(b[i].dataSync())));
    }
    // the label layers are there: 10 one-hot columns (and the 10 x 8 table) join the features
    const trainableShapes = (m: tf.LayersModel) => m.trainableWeights.map((w) => w.shape.join('x'));
    expect(trainableShapes(mine.decoder).includes('10x8')).toBe(labelMode === 'embedding');
    // and another seed's, or the other mode's, library model differs (the comparison can fail)
    const other = vl.conditionalVae({ labelMode, latentDim: 2, seed: seed + 10 });
    const otherMode = vl.conditionalVae({ labelMode: labelMode === 'oneHot' ? 'embedding' : 'oneHot', latentDim: 2, seed });
    expect(vl.trainingCacheKey(mine, options)).not.toBe(vl.trainingCacheKey(other, options));
    expect(vl.trainingCacheKey(mine, options)).not.toBe(vl.trainingCacheKey(otherMode, options));
    [mine, lib, other, otherMode].forEach((m) => m.dispose());
  });

  test('the same predictions as the library model', () => {
    const mine = vl.conditionalVaeFrom(conditionOn, { labelMode: 'embedding', latentDim: 2, seed: 0 });
    const lib = vl.conditionalVae({ labelMode: 'embedding', latentDim: 2, seed: 0 });
    const x = tf.randomUniform([4, 784], 0, 1, 'float32', 5) as tf.Tensor2D;
    const y = tf.tensor1d([0, 3, 3, 9], 'int32');
    const z = tf.randomNormal([4, 2], 0, 1, 'float32', 6) as tf.Tensor2D;
    const outs = [mine, lib].map((m) => [m.encodeMean(x, y), m.decode(z, y)]);
    outs[0].forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(outs[1][i].dataSync())));
    tf.dispose([x, y, z, ...outs.flat()]);
    [mine, lib].forEach((m) => m.dispose());
  });
});
