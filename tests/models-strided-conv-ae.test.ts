/** stridedConvAutoencoder: document 003's conv autoencoder on 28x28 digits (layer sizes, parameter count, latent size, config). */
import * as tf from '@tensorflow/tfjs';
import { STRIDED_CONV_AE_FILTERS, buildAutoencoder, stridedConvAutoencoder } from '../src/models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Parameters of a k x k (transposed) convolution from `inC` to `outC` channels (kernel + bias). */
const conv = (k: number, inC: number, outC: number): number => k * k * inC * outC + outC;

/** Every layer but the input, as `name:HxWxC` of its output (batch dimension dropped). */
const shapes = (m: tf.LayersModel): string[] =>
  m.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => `${l.name}:${(l.outputShape as number[]).slice(1).join('x')}`);

describe('stridedConvAutoencoder', () => {
  test("default: the document's 12, 24, 48 filters, 28 -> 14 -> 7 -> 4 and back, latent 4*4*48 = 768", () => {
    const m = stridedConvAutoencoder();
    expect(STRIDED_CONV_AE_FILTERS).toEqual([12, 24, 48]);
    expect(m.kind).toBe('ae');
    expect(m.latentDim).toBe(768);
    expect(m.name).toBe('strided-conv-ae-768');
    expect(shapes(m.encoder)).toEqual(['enc_to_image:28x28x1', 'enc_conv1:14x14x12', 'enc_conv2:7x7x24', 'enc_conv3:4x4x48', 'enc_to_code:768']);
    expect(shapes(m.decoder)).toEqual([
      'dec_to_map:4x4x48',
      'dec_convT1:8x8x24',
      'dec_trim1:7x7x24',
      'dec_convT2:14x14x12',
      'dec_convT3:28x28x1',
      'dec_to_flat:784',
    ]);
    // 4x4 kernels, stride 2, ReLU everywhere but the sigmoid output
    for (const name of ['enc_conv1', 'enc_conv2', 'enc_conv3']) {
      const c = m.encoder.getLayer(name).getConfig();
      expect([c.kernelSize, c.strides, c.activation]).toEqual([[4, 4], [2, 2], 'relu']);
    }
    const acts = ['dec_convT1', 'dec_convT2', 'dec_convT3'].map((n) => m.decoder.getLayer(n).getConfig().activation);
    expect(acts).toEqual(['relu', 'relu', 'sigmoid']);
    // counted by hand: three convs down (1->12->24->48), three transposed convs up (48->24->12->1)
    const params = conv(4, 1, 12) + conv(4, 12, 24) + conv(4, 24, 48) + conv(4, 48, 24) + conv(4, 24, 12) + conv(4, 12, 1);
    expect(m.parameterCount()).toBe(params);
    expect(params).toBe(46585); // 204 + 4,632 + 18,480 + 18,456 + 4,620 + 193
    m.dispose();
  });

  test('the last filter count sets the latent size; codes [n, 16*f3], outputs [n, 784] in (0, 1)', () => {
    for (const [f3, latent] of [
      [1, 16],
      [4, 64],
    ]) {
      const m = stridedConvAutoencoder({ filters: [12, 24, f3], seed: 3 });
      expect(m.latentDim).toBe(latent);
      const x = tf.randomUniform([5, 784], 0, 1, 'float32', 1) as tf.Tensor2D;
      const z = m.encodeMean(x);
      expect(z.shape).toEqual([5, latent]);
      expect(z.min().dataSync()[0]).toBeGreaterThanOrEqual(0); // the code passes a ReLU
      const y = m.decode(z);
      expect(y.shape).toEqual([5, 784]);
      expect(y.min().dataSync()[0]).toBeGreaterThan(0);
      expect(y.max().dataSync()[0]).toBeLessThan(1);
      tf.dispose([x, z, y]);
      m.dispose();
    }
  });

  test('config is plain JSON, rebuilds the same weights; the seed decides them', () => {
    const a = stridedConvAutoencoder({ filters: [8, 16, 2], seed: 5 });
    const config = JSON.parse(JSON.stringify(a.config));
    expect(config).toEqual({ type: 'stridedConvAutoencoder', name: 'strided-conv-ae-32', filters: [8, 16, 2], seed: 5 });
    const b = buildAutoencoder(config);
    const c = stridedConvAutoencoder({ filters: [8, 16, 2], seed: 6 });
    const w = (m: typeof a) => m.trainableWeights().map((v) => Array.from(v.dataSync()));
    expect(w(b)).toEqual(w(a));
    expect(w(c)).not.toEqual(w(a));
    [a, b, c].forEach((m) => m.dispose());
  });

  test('bad filters or seed: a RangeError saying what was expected', () => {
    expect(() => stridedConvAutoencoder({ filters: [12, 24] as unknown as [number, number, number] })).toThrow(
      /stridedConvAutoencoder: filters must be three numbers \[f1, f2, f3\], got \[12,24\]/,
    );
    expect(() => stridedConvAutoencoder({ filters: [12, 0, 4] })).toThrow(/stridedConvAutoencoder: filters\[1\]/);
    expect(() => stridedConvAutoencoder({ seed: 0.5 })).toThrow(/stridedConvAutoencoder: seed must be an integer, got 0.5/);
  });
});
