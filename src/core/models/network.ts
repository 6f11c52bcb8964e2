// A network = a list of layers plus their parameters as named tf.Variables. Plain MLPs and CNNs
// (and, in the method module, priors) are all built here from a layer list.
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, ModelConfig } from '../experiment/types';
import { initRng } from './init';
import { type Layer, LayerError, type Shape, initParam, makeLayer } from './layers';

export interface Network {
  readonly layers: Layer[];
  /** Every trainable parameter, named `<layer index>.<param>` (e.g. "3.w"), in layer order. */
  readonly params: Map<string, tf.Variable>;
  /** Logits [B, classes] for a batch x [B, H, W, C]. */
  apply(x: tf.Tensor): tf.Tensor2D;
  dispose(): void;
}

/** The layer list of a plain MLP: flatten, hidden dense layers with the activation, dense head. */
export function mlpLayers(hidden: number[], activation: 'relu' | 'gelu'): LayerSpec[] {
  const layers: LayerSpec[] = [{ type: 'flatten' }];
  for (const units of hidden) layers.push({ type: 'dense', units, bias: true }, { type: activation });
  layers.push({ type: 'dense', units: 10, bias: true });
  return layers;
}

/**
 * Resolves layer shapes for an input and a class count. The last layer is the head: it must be
 * dense, and its units are set to the dataset's class count (presets write 10).
 */
export function resolveLayers(specs: LayerSpec[], input: Shape, classes: number, where: string): Layer[] {
  const last = specs[specs.length - 1];
  if (!last || last.type !== 'dense') {
    throw new LayerError(`${where}: the last layer must be {"type": "dense"} (the classification head); add one`);
  }
  const withHead = [...specs.slice(0, -1), { ...last, units: classes }];
  const layers: Layer[] = [];
  let shape = input;
  withHead.forEach((spec, i) => {
    const layer = makeLayer(spec, shape, `${where}[${i}]`);
    layers.push(layer);
    shape = layer.outShape;
  });
  return layers;
}

export function modelLayers(model: ModelConfig): LayerSpec[] {
  if (model.kind === 'mlp') return mlpLayers(model.hidden, model.activation);
  if (model.kind === 'cnn') return model.layers;
  throw new LayerError('model: kind "imlp" is built by the interpolation module from the prior');
}

export function buildNetwork(layers: Layer[], seed: number, prefix = ''): Network {
  const rng = initRng(seed);
  const params = new Map<string, tf.Variable>();
  layers.forEach((layer, i) => {
    for (const p of layer.params) {
      const init = initParam(rng, p);
      params.set(`${prefix}${i}.${p.name}`, tf.variable(init, true, undefined));
      init.dispose();
    }
  });
  return {
    layers,
    params,
    apply: (x) => tf.tidy(() => {
      let h = x;
      layers.forEach((layer, i) => {
        const p: Record<string, tf.Tensor> = {};
        for (const spec of layer.params) p[spec.name] = params.get(`${prefix}${i}.${spec.name}`)!;
        h = layer.forward(h, p);
      });
      return h as tf.Tensor2D;
    }),
    dispose: () => params.forEach((v) => v.dispose()),
  };
}

export function parameterCount(net: Network): number {
  let n = 0;
  net.params.forEach((v) => (n += v.size));
  return n;
}

/** Forward FLOPs per example (multiply-adds × 2) of the linear layers; used for the compute axis. */
export function forwardFlops(layers: Layer[]): number {
  let flops = 0;
  for (const l of layers) {
    const out = l.outShape.reduce((a, b) => a * b, 1);
    if (l.spec.type === 'conv') flops += 2 * out * l.spec.kernel * l.spec.kernel * l.inShape[2]!;
    else if (l.spec.type === 'dense') flops += 2 * l.inShape[0]! * l.spec.units;
    else if (l.spec.type === 'mixer') {
      const s = l.spec;
      const [h, w, c] = l.inShape as [number, number, number];
      const tokens = (h / s.patch) * (w / s.patch);
      flops += 2 * tokens * s.patch * s.patch * c * s.channels;
      flops += s.blocks * (2 * 2 * s.channels * tokens * s.tokenHidden + 2 * 2 * tokens * s.channels * s.channelHidden);
    }
  }
  return flops;
}
