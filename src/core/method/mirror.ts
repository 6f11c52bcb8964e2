// The I-MLP's structure, mirrored from a prior (spec/imlp-method.md §3): the prior is cut into linear
// segments (maximal runs of linear maps with no nonlinearity between them) and each segment becomes ONE
// dense layer of M with the shape of the segment's composed dense form. Everything else the prior does
// between them (ReLU, GELU, LayerNorm, the Mixer's residuals) M does too, on its flat hidden vector, so
// that M computes exactly P's function when its parameters equal their targets.
//
// Every M parameter is named so that it maps to a target: a dense layer is named after the prior
// parameters it comes from ("0" for prior layer 0, "1.block0.token1" inside a Mixer, "6+7" for global
// pooling composed with the head), with ".w" / ".b" appended; LayerNorm γ/β keep the prior's names.
import type { LayerSpec } from '../experiment/types';
import type { Layer, ParamSpec } from '../models/layers';
import {
  type LinearMap, avgPoolDense, channelMixBiasDense, channelMixDense, composeLinear,
  convBiasDense, convDense, globalAvgPoolDense, patchEmbedDense, tokenMixBiasDense, tokenMixDense,
} from './denseForm';

/** One linear map of the prior: `key` prefixes its prior parameters ("<key>.w", "<key>.b"). */
export interface LinearSource {
  key: string;
  din: number;
  dout: number;
  bias: boolean;
  /**
   * Whether every entry of its dense form is 0 or a copy of one of its parameters' entries (convs, dense
   * layers, the Mixer's mixings, tiled biases), so that targetPlan.ts can rebuild it by gather + scatter.
   */
  scatter: boolean;
  /** Its dense form, from the prior's parameter values by name (nothing for pooling). */
  dense(read: (name: string) => Float32Array): LinearMap;
}

export type MirrorOp =
  /** One dense layer of M: the composition of `sources`; parameters `<name>.w` [din, dout], `<name>.b`. */
  | { op: 'dense'; name: string; din: number; dout: number; bias: boolean; sources: LinearSource[] }
  | { op: 'relu' }
  | { op: 'gelu' }
  /** LayerNorm over groups of `channels` (the flat vector seen as [positions, channels]); γ, β `<name>.gamma/.beta`. */
  | { op: 'layernorm'; name: string; channels: number }
  /** Residual: `save` pushes the hidden vector, `add` adds the last saved one back. */
  | { op: 'save' }
  | { op: 'add' };

export type DenseOp = Extract<MirrorOp, { op: 'dense' }>;

/** One parameter of M; `prior` names the prior parameter a LayerNorm γ/β copies (dense targets come from `op`). */
export interface MirrorParam extends ParamSpec { op: number; prior?: string }

export interface Mirror {
  ops: MirrorOp[];
  params: MirrorParam[];
  /** Names of M's first and last dense layers (the `exclude: first | head` options). */
  first: string;
  head: string;
}

export class MirrorError extends Error {}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/**
 * M's structure from the prior's resolved layers (resolveLayers(prior.layers, input, classes, where)).
 * Refuses layers with no dense form, naming them as `<where>[i]`.
 */
export function buildMirror(layers: Layer[], where = 'prior.layers'): Mirror {
  const ops: MirrorOp[] = [];
  let run: LinearSource[] = [];
  // A nonlinear op ends the current linear segment: its maps become one dense layer of M.
  const close = () => {
    if (run.length === 0) return;
    ops.push({
      op: 'dense', name: run.map((s) => s.key).join('+'),
      din: run[0]!.din, dout: run[run.length - 1]!.dout, bias: run.some((s) => s.bias), sources: run,
    });
    run = [];
  };
  const linear = (source: LinearSource) => run.push(source);
  const nonlinear = (op: MirrorOp) => {
    close();
    ops.push(op);
  };

  layers.forEach((layer, i) => {
    const spec = layer.spec;
    const din = size(layer.inShape);
    const dout = size(layer.outShape);
    switch (spec.type) {
      case 'conv': {
        const inShape = layer.inShape as [number, number, number];
        const [ho, wo] = layer.outShape as [number, number, number];
        linear({
          key: `${i}`, din, dout, bias: spec.bias, scatter: true,
          dense: (read) => {
            const m = convDense(read(`${i}.w`), inShape, spec.kernel, spec.stride, spec.padding, spec.filters);
            return spec.bias ? { ...m, bias: convBiasDense(read(`${i}.b`), ho, wo) } : m;
          },
        });
        break;
      }
      case 'dense':
        linear({
          key: `${i}`, din, dout, bias: spec.bias, scatter: true,
          // Copied: a tensor's dataSync() may be the backend's own buffer, which the target must not share.
          dense: (read) => ({ weight: read(`${i}.w`).slice(), din, dout, ...(spec.bias ? { bias: read(`${i}.b`).slice() } : {}) }),
        });
        break;
      case 'avgpool': {
        const inShape = layer.inShape as [number, number, number];
        linear({ key: `${i}`, din, dout, bias: false, scatter: false, dense: () => avgPoolDense(inShape, spec.size, spec.stride) });
        break;
      }
      case 'globalavgpool':
        linear({ key: `${i}`, din, dout, bias: false, scatter: false, dense: () => globalAvgPoolDense(layer.inShape) });
        break;
      case 'flatten':
        break; // the identity on the (row, column, channel) flat vector
      case 'relu':
      case 'gelu':
        nonlinear({ op: spec.type });
        break;
      case 'layernorm':
        nonlinear({ op: 'layernorm', name: `${i}`, channels: layer.inShape[layer.inShape.length - 1]! });
        break;
      case 'mixer':
        mirrorMixer(spec, layer.inShape as [number, number, number], i, linear, nonlinear);
        break;
      case 'maxpool':
      case 'batchnorm':
        throw new MirrorError(`${where}[${i}]: ${spec.type} has no dense form (${spec.type === 'maxpool'
          ? 'max-pooling is not linear; use {"type": "avgpool"} or a strided conv'
          : 'train-mode batchnorm is not a fixed linear map; use {"type": "layernorm"} or remove it'}), so an I-MLP cannot mirror this prior`);
    }
  });
  close();
  return { ops, params: mirrorParams(ops), ...endLayers(ops, where) };
}

/**
 * The Mixer as M runs it: the patch embedding (linear, so it joins the current linear run), then per
 * block LN → token1 → GELU → token2 → +residual, LN → channel1 → GELU → channel2 → +residual.
 */
function mirrorMixer(
  spec: Extract<LayerSpec, { type: 'mixer' }>, inShape: [number, number, number], i: number,
  linear: (source: LinearSource) => void, nonlinear: (op: MirrorOp) => void,
): void {
  const [h, w] = inShape;
  const s = (h / spec.patch) * (w / spec.patch);
  const c = spec.channels;
  linear({
    key: `${i}.embed`, din: size(inShape), dout: s * c, bias: true, scatter: true,
    dense: (read) => ({ ...patchEmbedDense(read(`${i}.embed.w`), inShape, spec.patch, c), bias: convBiasDense(read(`${i}.embed.b`), h / spec.patch, w / spec.patch) }),
  });
  const token = (key: string, sIn: number, sOut: number): LinearSource => ({
    key, din: sIn * c, dout: sOut * c, bias: true, scatter: true,
    dense: (read) => ({ ...tokenMixDense(read(`${key}.w`), sIn, sOut, c), bias: tokenMixBiasDense(read(`${key}.b`), c) }),
  });
  const channel = (key: string, cIn: number, cOut: number): LinearSource => ({
    key, din: s * cIn, dout: s * cOut, bias: true, scatter: true,
    dense: (read) => ({ ...channelMixDense(read(`${key}.w`), s, cIn, cOut), bias: channelMixBiasDense(read(`${key}.b`), s) }),
  });
  for (let b = 0; b < spec.blocks; b++) {
    const k = `${i}.block${b}`;
    for (const [ln, first, second] of [
      ['ln1', token(`${k}.token1`, s, spec.tokenHidden), token(`${k}.token2`, spec.tokenHidden, s)],
      ['ln2', channel(`${k}.channel1`, c, spec.channelHidden), channel(`${k}.channel2`, spec.channelHidden, c)],
    ] as const) {
      nonlinear({ op: 'save' });
      nonlinear({ op: 'layernorm', name: `${k}.${ln}`, channels: c });
      linear(first);
      nonlinear({ op: 'gelu' });
      linear(second);
      nonlinear({ op: 'add' });
    }
  }
}

function mirrorParams(ops: MirrorOp[]): MirrorParam[] {
  const params: MirrorParam[] = [];
  ops.forEach((o, op) => {
    if (o.op === 'dense') {
      // PyTorch's Linear: weights and biases both U(±1/√din).
      params.push({ name: `${o.name}.w`, shape: [o.din, o.dout], fanIn: o.din, kind: 'weight', op });
      if (o.bias) params.push({ name: `${o.name}.b`, shape: [o.dout], fanIn: o.din, kind: 'bias', op });
    } else if (o.op === 'layernorm') {
      params.push({ name: `${o.name}.gamma`, shape: [o.channels], fanIn: o.channels, kind: 'norm-scale', op, prior: `${o.name}.gamma` });
      params.push({ name: `${o.name}.beta`, shape: [o.channels], fanIn: o.channels, kind: 'norm-shift', op, prior: `${o.name}.beta` });
    }
  });
  return params;
}

function endLayers(ops: MirrorOp[], where: string): { first: string; head: string } {
  const dense = ops.filter((o): o is DenseOp => o.op === 'dense');
  if (dense.length === 0) throw new MirrorError(`${where}: the prior has no linear layer for M to mirror`);
  return { first: dense[0]!.name, head: dense[dense.length - 1]!.name };
}

/** dense(P) for one dense layer of M: its sources' dense forms composed (x·W₁·W₂… , biases carried). */
export function segmentDense(op: DenseOp, read: (name: string) => Float32Array): LinearMap {
  return composeLinear(op.sources.map((s) => s.dense(read)));
}

/** Forward FLOPs per example of M (2 per multiply-add of its dense layers), for the compute axis. */
export function mirrorFlops(m: Mirror): number {
  return m.ops.reduce((n, o) => n + (o.op === 'dense' ? 2 * o.din * o.dout : 0), 0);
}
