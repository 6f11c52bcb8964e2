// Layers of the plain networks (MLP, CNN, MLP-Mixer), written as pure functions of their
// parameters so that the I-MLP can later evaluate the same layer with interpolated weights.
// Activations are NHWC inside the engine; a flattened image is in (row, column, channel) order.
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../experiment/types';
import { type Rng, uniformParam } from './init';

/** Shape of one example: [H, W, C] for images, [S, C] for Mixer tokens, [D] for vectors. */
export type Shape = number[];

export interface ParamSpec { name: string; shape: number[]; fanIn: number; kind: 'weight' | 'bias' | 'norm-scale' | 'norm-shift' }

export interface Layer {
  readonly spec: LayerSpec;
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly params: ParamSpec[];
  /** x has a leading batch axis; p holds this layer's parameters by ParamSpec name. */
  forward(x: tf.Tensor, p: Record<string, tf.Tensor>): tf.Tensor;
}

/** LayerNorm epsilon: PyTorch's 1e-5 (TF.js layers use 1e-3); recorded with every run. */
export const LAYERNORM_EPSILON = 1e-5;

export class LayerError extends Error {}

const size = (s: Shape) => s.reduce((a, b) => a * b, 1);

/** GELU, tanh approximation (PyTorch's exact erf form differs by < 1e-3); recorded with every run. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

/** Normalise over the last axis, then scale and shift (one γ, β per feature of that axis). */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const { mean, variance } = tf.moments(x, axis, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYERNORM_EPSILON))), gamma), beta);
  });
}

function convOut(n: number, k: number, s: number, p: number): number {
  return Math.floor((n + 2 * p - k) / s) + 1;
}

function pad2d(x: tf.Tensor, p: number): tf.Tensor {
  return p === 0 ? x : tf.pad(x as tf.Tensor4D, [[0, 0], [p, p], [p, p], [0, 0]]);
}

function requireImage(spec: LayerSpec, s: Shape, where: string): [number, number, number] {
  if (s.length !== 3) throw new LayerError(`${where}: ${spec.type} needs an image input [H, W, C], got [${s.join(', ')}]; put it before any flatten or dense layer`);
  return s as [number, number, number];
}

/** Builds one layer for an input of shape `inShape`. `where` names it in errors (e.g. "model.layers[2]"). */
export function makeLayer(spec: LayerSpec, inShape: Shape, where: string): Layer {
  switch (spec.type) {
    case 'conv': {
      const [h, w, c] = requireImage(spec, inShape, where);
      const ho = convOut(h, spec.kernel, spec.stride, spec.padding);
      const wo = convOut(w, spec.kernel, spec.stride, spec.padding);
      if (ho < 1 || wo < 1) throw new LayerError(`${where}: conv kernel ${spec.kernel} stride ${spec.stride} leaves no output on a ${h}×${w} input; use a smaller kernel or stride`);
      const fanIn = c * spec.kernel * spec.kernel;
      const params: ParamSpec[] = [{ name: 'w', shape: [spec.kernel, spec.kernel, c, spec.filters], fanIn, kind: 'weight' }];
      if (spec.bias) params.push({ name: 'b', shape: [spec.filters], fanIn, kind: 'bias' });
      return {
        spec, inShape, outShape: [ho, wo, spec.filters], params,
        forward: (x, p) => tf.tidy(() => {
          const y = tf.conv2d(pad2d(x, spec.padding) as tf.Tensor4D, p.w as tf.Tensor4D, spec.stride, 'valid');
          return p.b ? tf.add(y, p.b) : y;
        }),
      };
    }
    case 'avgpool':
    case 'maxpool': {
      const [h, w, c] = requireImage(spec, inShape, where);
      const ho = convOut(h, spec.size, spec.stride, 0);
      const wo = convOut(w, spec.size, spec.stride, 0);
      const pool = spec.type === 'avgpool' ? tf.avgPool : tf.maxPool;
      return { spec, inShape, outShape: [ho, wo, c], params: [], forward: (x) => pool(x as tf.Tensor4D, spec.size, spec.stride, 'valid') };
    }
    case 'globalavgpool': {
      // Mean over all positions: H×W of an image, the tokens of a Mixer.
      if (inShape.length < 2) throw new LayerError(`${where}: globalavgpool needs an image or token input, got a vector`);
      const axes = inShape.length === 3 ? [1, 2] : [1];
      return { spec, inShape, outShape: [inShape[inShape.length - 1]!], params: [], forward: (x) => tf.mean(x, axes) };
    }
    case 'flatten':
      return { spec, inShape, outShape: [size(inShape)], params: [], forward: (x) => tf.reshape(x, [x.shape[0]!, -1]) };
    case 'dense': {
      if (inShape.length !== 1) throw new LayerError(`${where}: dense needs a vector input, got [${inShape.join(', ')}]; add {"type": "flatten"} or {"type": "globalavgpool"} before it`);
      const fanIn = inShape[0]!;
      const params: ParamSpec[] = [{ name: 'w', shape: [fanIn, spec.units], fanIn, kind: 'weight' }];
      if (spec.bias) params.push({ name: 'b', shape: [spec.units], fanIn, kind: 'bias' });
      return {
        spec, inShape, outShape: [spec.units], params,
        forward: (x, p) => tf.tidy(() => {
          const y = tf.matMul(x as tf.Tensor2D, p.w as tf.Tensor2D);
          return p.b ? tf.add(y, p.b) : y;
        }),
      };
    }
    case 'relu':
      return { spec, inShape, outShape: inShape, params: [], forward: (x) => tf.relu(x) };
    case 'gelu':
      return { spec, inShape, outShape: inShape, params: [], forward: (x) => gelu(x) };
    case 'layernorm': {
      const features = inShape[inShape.length - 1]!;
      return {
        spec, inShape, outShape: inShape,
        params: [{ name: 'gamma', shape: [features], fanIn: features, kind: 'norm-scale' }, { name: 'beta', shape: [features], fanIn: features, kind: 'norm-shift' }],
        forward: (x, p) => layerNorm(x, p.gamma!, p.beta!),
      };
    }
    case 'batchnorm':
      throw new LayerError(`${where}: batchnorm is not supported: in training mode it is not a fixed linear map, so it has no dense form; use {"type": "layernorm"} or remove it`);
    case 'mixer':
      return makeMixer(spec, inShape, where);
  }
}

/** MLP-Mixer (Tolstikhin et al. 2021): patch embedding, then blocks of token and channel mixing. */
function makeMixer(spec: Extract<LayerSpec, { type: 'mixer' }>, inShape: Shape, where: string): Layer {
  const [h, w, c] = requireImage(spec, inShape, where);
  if (h % spec.patch !== 0 || w % spec.patch !== 0) {
    throw new LayerError(`${where}: mixer patch ${spec.patch} does not tile a ${h}×${w} input; pick a patch that divides ${h} and ${w}`);
  }
  const tokens = (h / spec.patch) * (w / spec.patch);
  const ch = spec.channels;
  const params: ParamSpec[] = [
    { name: 'embed.w', shape: [spec.patch, spec.patch, c, ch], fanIn: spec.patch * spec.patch * c, kind: 'weight' },
    { name: 'embed.b', shape: [ch], fanIn: spec.patch * spec.patch * c, kind: 'bias' },
  ];
  for (let b = 0; b < spec.blocks; b++) {
    params.push(
      { name: `block${b}.ln1.gamma`, shape: [ch], fanIn: ch, kind: 'norm-scale' },
      { name: `block${b}.ln1.beta`, shape: [ch], fanIn: ch, kind: 'norm-shift' },
      { name: `block${b}.token1.w`, shape: [tokens, spec.tokenHidden], fanIn: tokens, kind: 'weight' },
      { name: `block${b}.token1.b`, shape: [spec.tokenHidden], fanIn: tokens, kind: 'bias' },
      { name: `block${b}.token2.w`, shape: [spec.tokenHidden, tokens], fanIn: spec.tokenHidden, kind: 'weight' },
      { name: `block${b}.token2.b`, shape: [tokens], fanIn: spec.tokenHidden, kind: 'bias' },
      { name: `block${b}.ln2.gamma`, shape: [ch], fanIn: ch, kind: 'norm-scale' },
      { name: `block${b}.ln2.beta`, shape: [ch], fanIn: ch, kind: 'norm-shift' },
      { name: `block${b}.channel1.w`, shape: [ch, spec.channelHidden], fanIn: ch, kind: 'weight' },
      { name: `block${b}.channel1.b`, shape: [spec.channelHidden], fanIn: ch, kind: 'bias' },
      { name: `block${b}.channel2.w`, shape: [spec.channelHidden, ch], fanIn: spec.channelHidden, kind: 'weight' },
      { name: `block${b}.channel2.b`, shape: [ch], fanIn: spec.channelHidden, kind: 'bias' },
    );
  }
  // Dense on the last axis of a [B, S, C] tensor.
  const lastAxisDense = (x: tf.Tensor, wt: tf.Tensor, bias: tf.Tensor) => {
    const [bsz, s, k] = x.shape as [number, number, number];
    return tf.add(tf.reshape(tf.matMul(tf.reshape(x, [bsz * s, k]) as tf.Tensor2D, wt as tf.Tensor2D), [bsz, s, wt.shape[1]!]), bias);
  };
  return {
    spec, inShape, outShape: [tokens, ch], params,
    forward: (x, p) => tf.tidy(() => {
      const bsz = x.shape[0]!;
      const emb = tf.add(tf.conv2d(x as tf.Tensor4D, p['embed.w'] as tf.Tensor4D, spec.patch, 'valid'), p['embed.b']!);
      let u = tf.reshape(emb, [bsz, tokens, ch]);
      for (let b = 0; b < spec.blocks; b++) {
        const q = (n: string) => p[`block${b}.${n}`]!;
        // Token mixing acts along S: transpose to [B, C, S], mix, transpose back.
        const t = tf.transpose(layerNorm(u, q('ln1.gamma'), q('ln1.beta')), [0, 2, 1]);
        const mixed = lastAxisDense(gelu(lastAxisDense(t, q('token1.w'), q('token1.b'))), q('token2.w'), q('token2.b'));
        u = tf.add(u, tf.transpose(mixed, [0, 2, 1]));
        const c2 = lastAxisDense(gelu(lastAxisDense(layerNorm(u, q('ln2.gamma'), q('ln2.beta')), q('channel1.w'), q('channel1.b'))), q('channel2.w'), q('channel2.b'));
        u = tf.add(u, c2);
      }
      return u;
    }),
  };
}

/** Initial value of one parameter: weights and biases uniform, LayerNorm γ = 1 and β = 0. */
export function initParam(rng: Rng, p: ParamSpec): tf.Tensor {
  if (p.kind === 'norm-scale') return tf.ones(p.shape);
  if (p.kind === 'norm-shift') return tf.zeros(p.shape);
  return uniformParam(rng, p.shape, p.fanIn);
}
