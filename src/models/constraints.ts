/**
 * `checkConvConstraints`: walks the layers of a convolutional autoencoder and reports every
 * broken rule of 5LSL0 Exercise 1, so students (and tests) see exactly what is wrong and what
 * is allowed instead.
 *
 * Rules checked (the assignment's list, nothing more allowed):
 * - layer types: the encoder only Conv2D and MaxPooling2D, the decoder only Conv2DTranspose and
 *   UpSampling2D (by a scale factor), plus plain ReLU layers (no `maxValue`) or
 *   `Activation('relu')`. Nothing else: no Cropping2D, ZeroPadding2D, Dense, Flatten, other
 *   activations. The only other layers accepted are the plumbing at the flat boundaries the
 *   library's models have (images come in and go out as flat vectors, 784 pixels or, for a
 *   bordered model, 1024): the InputLayer, and a Reshape right after the input or as the last layer;
 * - every (transposed) convolution: kernel 3x3, stride 1, no dilation, 'same' padding (PyTorch
 *   padding=1 for a 3x3 kernel), 16 filters except the last convolution of encoder and of decoder
 *   (1 filter), and a ReLU after it (its own activation or a ReLU layer right after);
 * - encoder: every conv (+ ReLU) is followed by a MaxPooling2D, and every pooling follows a conv;
 *   every pooling but the last halves the size exactly (factor 2); the last one gives 2x1;
 * - decoder: the mirror. It starts with the UpSampling2D that undoes the encoder's last pooling
 *   (2x1 back to the size that pooling received); every transposed conv (+ ReLU) but the last is
 *   followed by an UpSampling2D that doubles the size exactly, and every upsampling but the first
 *   follows a transposed conv; the last transposed conv gives the image, as large as the encoder's
 *   (28x28x1, or 32x32x1 for a bordered model);
 * - latent: the encoder's last feature map is 2x1x1 (1x2x1 per image) and its output `[n, 2]`;
 *   the decoder takes `[n, 2]`; the model is a deterministic autoencoder.
 *
 * A {@link BorderedAutoencoder} (the library's 5LSL0 model) is checked on its `network`: the zero
 * border it adds around each 28x28 image and the central crop it takes of the output are data steps
 * around the network, without weights, not layers of it; its networks work on 32x32 images.
 *
 * Two readings are design decisions, stated in the 5LSL0 model's doc and notebook 01: the
 * factor 2 does not bind the last pooling (the assignment asks it to produce 2x1) nor its mirror,
 * the decoder's first upsampling; and the decoder's last transposed conv outputs the image, so no
 * upsampling follows it. "Two different functions" for encoder and decoder is a property of the
 * code, not of the layers: the model's two networks are checked separately.
 */
import type * as tf from '@tensorflow/tfjs';
import type { AutoencoderModel } from './types';
import type { BorderedAutoencoder } from './conv-5lsl0';

/** The encoder and decoder networks a model's rules are checked on. */
interface Networks {
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
}

function networksOf(model: AutoencoderModel): Networks {
  const bordered = (model as Partial<BorderedAutoencoder>).network;
  return bordered && bordered.encoder && bordered.decoder ? bordered : model;
}

/** Which rule a violation breaks. */
export type ConvConstraintRule = 'layer-type' | 'boundary' | 'kernel' | 'stride' | 'padding' | 'filters' | 'relu' | 'pool' | 'upsample' | 'latent';

/** One broken constraint, with a message that says what was found and what was expected. */
export interface ConvConstraintViolation {
  /** Where: the encoder, the decoder or the model as a whole. */
  readonly network: 'encoder' | 'decoder' | 'model';
  /** Name of the offending layer, when one is to blame. */
  readonly layer?: string;
  /** The rule broken. */
  readonly rule: ConvConstraintRule;
  /** Human-readable explanation. */
  readonly message: string;
}

/** Filters required of every (transposed) convolution but the last ones. */
const FILTERS = 16;

interface LayerInfo {
  readonly cls: string;
  readonly name: string;
  readonly config: tf.serialization.ConfigDict;
  readonly inShape: readonly (number | null)[];
  readonly outShape: readonly (number | null)[];
}

function describe(model: tf.LayersModel): LayerInfo[] {
  return model.layers.map((layer) => {
    const inShape = layer.inboundNodes.length > 0 ? (layer.inboundNodes[0].inputShapes as (number | null)[] | (number | null)[][]) : [];
    const outShape = layer.inboundNodes.length > 0 ? (layer.inboundNodes[0].outputShapes as (number | null)[] | (number | null)[][]) : [];
    return {
      cls: layer.getClassName(),
      name: layer.name,
      config: layer.getConfig(),
      inShape: firstShape(inShape),
      outShape: firstShape(outShape),
    };
  });
}

function firstShape(s: (number | null)[] | (number | null)[][]): readonly (number | null)[] {
  if (s.length > 0 && Array.isArray(s[0])) return s[0] as (number | null)[];
  return s as (number | null)[];
}

function pair(v: unknown): [number, number] | undefined {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number')) return [v[0] as number, v[1] as number];
  return undefined;
}

function shapeText(s: readonly (number | null)[]): string {
  return `[${s.map((d) => (d === null ? 'n' : String(d))).join(',')}]`;
}

function isReluLayer(l: LayerInfo | undefined): boolean {
  if (!l) return false;
  if (l.cls === 'ReLU') return l.config.maxValue == null;
  return l.cls === 'Activation' && l.config.activation === 'relu';
}

const ENCODER_TYPES = ['InputLayer', 'Reshape', 'Conv2D', 'MaxPooling2D', 'ReLU', 'Activation'];
const DECODER_TYPES = ['InputLayer', 'Reshape', 'Conv2DTranspose', 'UpSampling2D', 'ReLU', 'Activation'];

function checkLayerTypes(network: 'encoder' | 'decoder', layers: LayerInfo[], out: ConvConstraintViolation[]): void {
  const allowed = network === 'encoder' ? ENCODER_TYPES : DECODER_TYPES;
  const expected =
    network === 'encoder'
      ? 'Conv2D, MaxPooling2D and ReLU (Reshape only at the flat boundaries)'
      : 'Conv2DTranspose, UpSampling2D and ReLU (Reshape only at the flat boundaries)';
  layers.forEach((l, i) => {
    const clippedRelu = l.cls === 'ReLU' && l.config.maxValue != null;
    if (!allowed.includes(l.cls) || (l.cls === 'Activation' && l.config.activation !== 'relu') || clippedRelu) {
      const what =
        l.cls === 'Activation'
          ? `Activation('${String(l.config.activation)}')`
          : clippedRelu
            ? `ReLU(maxValue=${String(l.config.maxValue)}) (a clipped ReLU, not the plain ReLU the exercise asks for)`
            : l.cls;
      out.push({
        network,
        layer: l.name,
        rule: 'layer-type',
        message: `${network} layer '${l.name}' is a ${what}; the ${network} may only use ${expected}`,
      });
    }
    if (l.cls === 'Reshape') {
      // a functional model lists its InputLayer first, a tf.sequential one does not
      const atStart = i === 0 || (i === 1 && layers[0].cls === 'InputLayer');
      const atEnd = i === layers.length - 1;
      if (!atStart && !atEnd) {
        out.push({
          network,
          layer: l.name,
          rule: 'boundary',
          message: `${network} layer '${l.name}' reshapes in the middle of the network; Reshape is only allowed right after the flat input or as the last layer`,
        });
      }
    }
  });
}

function checkConv(network: 'encoder' | 'decoder', layers: LayerInfo[], index: number, isLast: boolean, out: ConvConstraintViolation[]): void {
  const l = layers[index];
  const c = l.config;
  const kind = network === 'encoder' ? 'conv' : 'transposed conv';
  const kernel = pair(c.kernelSize);
  if (!kernel || kernel[0] !== 3 || kernel[1] !== 3) {
    out.push({ network, layer: l.name, rule: 'kernel', message: `${kind} '${l.name}' has kernel ${JSON.stringify(c.kernelSize)}, expected 3x3` });
  }
  const strides = pair(c.strides);
  if (!strides || strides[0] !== 1 || strides[1] !== 1) {
    out.push({
      network,
      layer: l.name,
      rule: 'stride',
      message: `${kind} '${l.name}' has strides ${JSON.stringify(c.strides)}, expected 1 (resizing is the pooling/upsampling layers' job)`,
    });
  }
  const dilation = pair(c.dilationRate ?? 1);
  if (dilation && (dilation[0] !== 1 || dilation[1] !== 1)) {
    out.push({
      network,
      layer: l.name,
      rule: 'kernel',
      message: `${kind} '${l.name}' is dilated ${JSON.stringify(c.dilationRate)}, expected a plain 3x3 kernel`,
    });
  }
  if (c.padding !== 'same') {
    out.push({
      network,
      layer: l.name,
      rule: 'padding',
      message: `${kind} '${l.name}' has padding '${String(c.padding)}', expected 'same' (PyTorch padding=1 for a 3x3 kernel)`,
    });
  }
  const wanted = isLast ? 1 : FILTERS;
  if (c.filters !== wanted) {
    out.push({
      network,
      layer: l.name,
      rule: 'filters',
      message: `${kind} '${l.name}' has ${String(c.filters)} filters, expected ${wanted}${isLast ? ` (the last ${kind} of the ${network})` : ''}`,
    });
  }
  if (c.activation !== 'relu' && !isReluLayer(layers[index + 1])) {
    out.push({
      network,
      layer: l.name,
      rule: 'relu',
      message: `${kind} '${l.name}' is not followed by a ReLU (activation '${String(c.activation)}' and no ReLU layer after it); every (transposed) convolution must have a ReLU, as its activation or as the next layer`,
    });
  }
}

/** True for the activation layers (ReLU, Activation): they sit inside a conv block. */
function isActivationLayer(l: LayerInfo | undefined): boolean {
  return l !== undefined && (l.cls === 'ReLU' || l.cls === 'Activation');
}

/** Index of the first layer after `index` that is not an activation layer (or layers.length). */
function nextAfterActivations(layers: LayerInfo[], index: number): number {
  let i = index + 1;
  while (i < layers.length && isActivationLayer(layers[i])) i += 1;
  return i;
}

/** Index of the last layer before `index` that is not an activation layer (or -1). */
function previousBeforeActivations(layers: LayerInfo[], index: number): number {
  let i = index - 1;
  while (i >= 0 && isActivationLayer(layers[i])) i -= 1;
  return i;
}

function found(l: LayerInfo | undefined, end: string): string {
  return l ? `${l.cls} '${l.name}'` : end;
}

/** Where the encoder's last pooling went from and to, for the decoder's mirror check. */
interface LastPool {
  readonly from: readonly (number | null)[];
  readonly to: readonly (number | null)[];
}

function checkEncoder(model: AutoencoderModel, out: ConvConstraintViolation[]): LastPool | undefined {
  const network = 'encoder';
  const layers = describe(networksOf(model).encoder);
  checkLayerTypes(network, layers, out);
  const convs = layers.map((l, i) => (l.cls === 'Conv2D' ? i : -1)).filter((i) => i >= 0);
  if (convs.length === 0) {
    out.push({ network, rule: 'layer-type', message: 'the encoder has no Conv2D layer' });
  }
  const claimedPools = new Set<number>();
  let lastMap: readonly (number | null)[] | undefined;
  let lastPool: LastPool | undefined;
  convs.forEach((ci, k) => {
    const isLast = k === convs.length - 1;
    checkConv(network, layers, ci, isLast, out);
    const next = nextAfterActivations(layers, ci);
    const pool = layers[next];
    if (!pool || pool.cls !== 'MaxPooling2D') {
      out.push({
        network,
        layer: layers[ci].name,
        rule: 'pool',
        message: `conv '${layers[ci].name}' is not followed by a MaxPooling2D (found ${found(pool, 'the end of the encoder')}); every conv (+ ReLU) must be followed by a pooling that halves the size (the last one: a pooling that gives 2x1)`,
      });
      return;
    }
    claimedPools.add(next);
    lastMap = pool.outShape;
    const [, hIn, wIn] = pool.inShape;
    const [, hOut, wOut] = pool.outShape;
    if (isLast) {
      lastPool = { from: pool.inShape, to: pool.outShape };
      if (hOut !== 2 || wOut !== 1) {
        out.push({
          network,
          layer: pool.name,
          rule: 'latent',
          message: `the last pooling '${pool.name}' gives ${hOut}x${wOut}, expected 2x1 (latent 1x2x1 per image)`,
        });
      }
    } else if (hIn != null && wIn != null && (hOut == null || wOut == null || hOut * 2 !== hIn || wOut * 2 !== wIn)) {
      const halves =
        hIn % 2 === 0 && wIn % 2 === 0 ? `expected ${hIn / 2}x${wIn / 2}` : `and ${hIn}x${wIn} cannot be halved exactly: choose sizes that can`;
      out.push({
        network,
        layer: pool.name,
        rule: 'pool',
        message: `pooling '${pool.name}' turns ${hIn}x${wIn} into ${hOut}x${wOut}; every pooling but the last must halve the size exactly (factor 2), ${halves}`,
      });
    }
  });
  layers.forEach((l, i) => {
    if (l.cls === 'MaxPooling2D' && !claimedPools.has(i)) {
      out.push({
        network,
        layer: l.name,
        rule: 'pool',
        message: `pooling '${l.name}' does not follow a conv (+ ReLU) (found ${found(layers[previousBeforeActivations(layers, i)], 'the encoder input')} before it); each pooling belongs to exactly one conv`,
      });
    }
  });
  const lastConv = convs.length > 0 ? layers[convs[convs.length - 1]] : undefined;
  if (lastMap && (lastMap[1] !== 2 || lastMap[2] !== 1 || lastMap[3] !== 1) && lastConv) {
    const already = out.some((v) => v.rule === 'latent' || (v.rule === 'filters' && v.layer === lastConv.name));
    if (!already) {
      out.push({
        network,
        rule: 'latent',
        message: `the encoder's last feature map is ${shapeText(lastMap)}, expected [n,2,1,1] (1x2x1 per image)`,
      });
    }
  }
  const encOut = networksOf(model).encoder.outputs[0].shape;
  if (encOut.length !== 2 || encOut[1] !== 2 || model.latentDim !== 2) {
    out.push({
      network,
      rule: 'latent',
      message: `the encoder outputs ${shapeText(encOut)} with latentDim ${model.latentDim}, expected [n,2] and latentDim 2`,
    });
  }
  return lastPool;
}

function checkDecoder(model: AutoencoderModel, lastPool: LastPool | undefined, out: ConvConstraintViolation[]): void {
  const network = 'decoder';
  const nets = networksOf(model);
  const layers = describe(nets.decoder);
  checkLayerTypes(network, layers, out);
  // the image the decoder must give back: the encoder's (its first layer after the input reshape)
  const encLayers = describe(nets.encoder).filter((l) => l.cls !== 'InputLayer');
  const image = encLayers[0]?.cls === 'Reshape' ? encLayers[0].outShape : [null, 28, 28, 1];
  const decIn = nets.decoder.inputs[0].shape;
  if (decIn.length !== 2 || decIn[1] !== 2) {
    out.push({ network, rule: 'latent', message: `the decoder takes ${shapeText(decIn)}, expected [n,2]` });
  }
  const convs = layers.map((l, i) => (l.cls === 'Conv2DTranspose' ? i : -1)).filter((i) => i >= 0);
  if (convs.length === 0) {
    out.push({ network, rule: 'layer-type', message: 'the decoder has no Conv2DTranspose layer' });
  }
  // The first layer after the boundary plumbing must be the upsampling that mirrors the encoder's last pooling.
  const firstIndex = layers.findIndex((l) => l.cls !== 'InputLayer' && l.cls !== 'Reshape');
  const first = firstIndex >= 0 ? layers[firstIndex] : undefined;
  if (!first || first.cls !== 'UpSampling2D') {
    out.push({
      network,
      ...(first ? { layer: first.name } : {}),
      rule: 'upsample',
      message: `the decoder must start with an UpSampling2D that undoes the encoder's last pooling (2x1 back to ${lastPool ? `${lastPool.from[1]}x${lastPool.from[2]}` : 'the size that pooling received'}); found ${found(first, 'nothing')}`,
    });
  } else if (lastPool) {
    const [, hIn, wIn] = first.inShape;
    const [, hOut, wOut] = first.outShape;
    const [, hWant, wWant] = lastPool.from;
    if (hOut !== hWant || wOut !== wWant) {
      out.push({
        network,
        layer: first.name,
        rule: 'upsample',
        message: `the first upsampling '${first.name}' turns ${hIn}x${wIn} into ${hOut}x${wOut}; it must undo the encoder's last pooling (${hWant}x${wWant} -> ${lastPool.to[1]}x${lastPool.to[2]}), so give ${hWant}x${wWant}`,
      });
    }
  }
  const claimedUps = new Set<number>(firstIndex >= 0 && first?.cls === 'UpSampling2D' ? [firstIndex] : []);
  convs.forEach((ci, k) => {
    const isLast = k === convs.length - 1;
    checkConv(network, layers, ci, isLast, out);
    if (isLast) return;
    const next = nextAfterActivations(layers, ci);
    const up = layers[next];
    if (!up || up.cls !== 'UpSampling2D') {
      out.push({
        network,
        layer: layers[ci].name,
        rule: 'upsample',
        message: `transposed conv '${layers[ci].name}' is not followed by an UpSampling2D (found ${found(up, 'the end of the decoder')}); every transposed conv but the last must be followed by an upsampling that doubles the size`,
      });
      return;
    }
    claimedUps.add(next);
    const [, hIn, wIn] = up.inShape;
    const [, hOut, wOut] = up.outShape;
    if (hIn != null && wIn != null && (hOut !== 2 * hIn || wOut !== 2 * wIn)) {
      out.push({
        network,
        layer: up.name,
        rule: 'upsample',
        message: `upsampling '${up.name}' turns ${hIn}x${wIn} into ${hOut}x${wOut}; every upsampling but the first must double the size exactly (factor 2), expected ${2 * hIn}x${2 * wIn}`,
      });
    }
  });
  layers.forEach((l, i) => {
    if (l.cls === 'UpSampling2D' && !claimedUps.has(i)) {
      out.push({
        network,
        layer: l.name,
        rule: 'upsample',
        message: `upsampling '${l.name}' does not follow a transposed conv (+ ReLU) (found ${found(layers[previousBeforeActivations(layers, i)], 'the decoder input')} before it); only the decoder's first upsampling stands alone, every other one belongs to exactly one transposed conv`,
      });
    }
  });
  const lastConv = convs.length > 0 ? layers[convs[convs.length - 1]] : undefined;
  if (lastConv) {
    const s = lastConv.outShape;
    if (s[1] !== image[1] || s[2] !== image[2] || s[3] !== 1) {
      out.push({
        network,
        layer: lastConv.name,
        rule: 'filters',
        message: `the last transposed conv '${lastConv.name}' gives ${shapeText(s)}, expected [n,${image[1]},${image[2]},1] (the image the encoder takes)`,
      });
    }
  }
}

/**
 * Every broken 5LSL0 Exercise 1 constraint of `model` (an empty list when it complies).
 * See the module comment for the rules.
 */
export function checkConvConstraints(model: AutoencoderModel): ConvConstraintViolation[] {
  const out: ConvConstraintViolation[] = [];
  if (model.kind !== 'ae') {
    out.push({
      network: 'model',
      rule: 'latent',
      message: `model '${model.name}' is a ${model.kind}; Exercise 1 asks for a deterministic autoencoder`,
    });
  }
  const lastPool = checkEncoder(model, out);
  checkDecoder(model, lastPool, out);
  return out;
}

/** Throws an Error listing every violation when `model` breaks a 5LSL0 Exercise 1 constraint. */
export function assertConvConstraints(model: AutoencoderModel): void {
  const v = checkConvConstraints(model);
  if (v.length > 0) {
    throw new Error(`model '${model.name}' breaks ${v.length} 5LSL0 Exercise 1 constraint(s):\n- ${v.map((x) => x.message).join('\n- ')}`);
  }
}
