/**
 * `checkConvConstraints`: walks the layers of a convolutional autoencoder and reports every
 * broken rule of 5LSL0 Exercise 1, so students (and tests) see exactly what is wrong.
 *
 * Rules checked:
 * - layer types: encoder only Conv2D + MaxPooling2D, decoder only Conv2DTranspose + UpSampling2D
 *   (a Cropping2D of at most 1 px per side may follow an upsampling), plain ReLU layers (no
 *   `maxValue`) or `Activation('relu')`, and Reshape only at the flat boundaries (right after the
 *   input, or as the last layer);
 * - every (transposed) convolution: kernel 3x3, stride 1, 'same' padding (PyTorch padding=1),
 *   16 filters except the last convolution of encoder and of decoder (1 filter);
 * - ReLU after every (transposed) convolution (its own activation or a ReLU layer right after);
 * - encoder: a MaxPooling2D after every conv block, halving each side (rounding up) except the
 *   last, which must give 2x1; decoder: an UpSampling2D before every transposed conv, by 2 on
 *   both sides except the first (the mirror of the encoder's last pool);
 * - latent: the encoder's last feature map is 2x1x1 and its output `[n, 2]`; decoder takes `[n, 2]`
 *   and its last transposed conv gives 28x28x1.
 */
import type * as tf from '@tensorflow/tfjs';
import type { AutoencoderModel } from './types';

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
const DECODER_TYPES = ['InputLayer', 'Reshape', 'Conv2DTranspose', 'UpSampling2D', 'Cropping2D', 'ReLU', 'Activation'];

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
      const atStart = i === 1 && layers[0].cls === 'InputLayer';
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
      message: `${kind} '${l.name}' is not followed by a ReLU (activation '${String(c.activation)}' and no ReLU layer after it)`,
    });
  }
}

function checkEncoder(model: AutoencoderModel, out: ConvConstraintViolation[]): void {
  const network = 'encoder';
  const layers = describe(model.encoder);
  checkLayerTypes(network, layers, out);
  const convs = layers.map((l, i) => (l.cls === 'Conv2D' ? i : -1)).filter((i) => i >= 0);
  if (convs.length === 0) {
    out.push({ network, rule: 'layer-type', message: 'the encoder has no Conv2D layer' });
  }
  let lastMap: readonly (number | null)[] | undefined;
  convs.forEach((ci, k) => {
    const isLast = k === convs.length - 1;
    checkConv(network, layers, ci, isLast, out);
    const next = isReluLayer(layers[ci + 1]) ? ci + 2 : ci + 1;
    const pool = layers[next];
    if (!pool || pool.cls !== 'MaxPooling2D') {
      out.push({
        network,
        layer: layers[ci].name,
        rule: 'pool',
        message: `conv '${layers[ci].name}' is not followed by a MaxPooling2D (found ${pool ? `${pool.cls} '${pool.name}'` : 'the end of the encoder'})`,
      });
      return;
    }
    lastMap = pool.outShape;
    const [, hIn, wIn] = pool.inShape;
    const [, hOut, wOut] = pool.outShape;
    if (isLast) {
      if (hOut !== 2 || wOut !== 1) {
        out.push({
          network,
          layer: pool.name,
          rule: 'latent',
          message: `the last pooling '${pool.name}' gives ${hOut}x${wOut}, expected 2x1 (latent 1x2x1 per image)`,
        });
      }
    } else if (hIn != null && wIn != null && (hOut !== Math.ceil(hIn / 2) || wOut !== Math.ceil(wIn / 2))) {
      out.push({
        network,
        layer: pool.name,
        rule: 'pool',
        message: `pooling '${pool.name}' turns ${hIn}x${wIn} into ${hOut}x${wOut}, expected a factor 2 (${Math.ceil(hIn / 2)}x${Math.ceil(wIn / 2)})`,
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
  const encOut = model.encoder.outputs[0].shape;
  if (encOut.length !== 2 || encOut[1] !== 2 || model.latentDim !== 2) {
    out.push({
      network,
      rule: 'latent',
      message: `the encoder outputs ${shapeText(encOut)} with latentDim ${model.latentDim}, expected [n,2] and latentDim 2`,
    });
  }
}

function checkDecoder(model: AutoencoderModel, out: ConvConstraintViolation[]): void {
  const network = 'decoder';
  const layers = describe(model.decoder);
  checkLayerTypes(network, layers, out);
  const decIn = model.decoder.inputs[0].shape;
  if (decIn.length !== 2 || decIn[1] !== 2) {
    out.push({ network, rule: 'latent', message: `the decoder takes ${shapeText(decIn)}, expected [n,2]` });
  }
  const convs = layers.map((l, i) => (l.cls === 'Conv2DTranspose' ? i : -1)).filter((i) => i >= 0);
  if (convs.length === 0) {
    out.push({ network, rule: 'layer-type', message: 'the decoder has no Conv2DTranspose layer' });
  }
  let upsamplings = 0;
  convs.forEach((ci, k) => {
    checkConv(network, layers, ci, k === convs.length - 1, out);
    let prev = ci - 1;
    const crop = layers[prev]?.cls === 'Cropping2D' ? layers[prev] : undefined;
    if (crop) prev -= 1;
    const up = layers[prev];
    if (!up || up.cls !== 'UpSampling2D') {
      out.push({
        network,
        layer: layers[ci].name,
        rule: 'upsample',
        message: `transposed conv '${layers[ci].name}' is not preceded by an UpSampling2D (found ${up ? `${up.cls} '${up.name}'` : 'the decoder input'})`,
      });
      return;
    }
    upsamplings += 1;
    const size = pair(up.config.size);
    if (upsamplings > 1 && (!size || size[0] !== 2 || size[1] !== 2)) {
      out.push({
        network,
        layer: up.name,
        rule: 'upsample',
        message: `upsampling '${up.name}' has size ${JSON.stringify(up.config.size)}, expected 2 (only the first upsampling may mirror the encoder's last pool)`,
      });
    }
    if (crop) {
      const cropping = crop.config.cropping;
      const flat = Array.isArray(cropping) ? (cropping as unknown[]).flat(2) : [cropping];
      if (!flat.every((v) => typeof v === 'number' && v >= 0 && v <= 1)) {
        out.push({
          network,
          layer: crop.name,
          rule: 'upsample',
          message: `cropping '${crop.name}' trims ${JSON.stringify(cropping)}, expected at most 1 pixel per side after an upsampling`,
        });
      }
    }
  });
  const layerAfterLastConv = convs.length > 0 ? layers[convs[convs.length - 1]] : undefined;
  if (layerAfterLastConv) {
    const s = layerAfterLastConv.outShape;
    if (s[1] !== 28 || s[2] !== 28 || s[3] !== 1) {
      out.push({
        network,
        layer: layerAfterLastConv.name,
        rule: 'filters',
        message: `the last transposed conv '${layerAfterLastConv.name}' gives ${shapeText(s)}, expected [n,28,28,1]`,
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
  checkEncoder(model, out);
  checkDecoder(model, out);
  return out;
}

/** Throws an Error listing every violation when `model` breaks a 5LSL0 Exercise 1 constraint. */
export function assertConvConstraints(model: AutoencoderModel): void {
  const v = checkConvConstraints(model);
  if (v.length > 0) {
    throw new Error(`model '${model.name}' breaks ${v.length} 5LSL0 Exercise 1 constraint(s):\n- ${v.map((x) => x.message).join('\n- ')}`);
  }
}
