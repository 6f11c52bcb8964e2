// Dense forms of a prior's linear layers (spec/imlp-method.md §2): every linear layer of the prior
// written as one matrix acting on the flattened activation, so that the I-MLP can have a plain dense
// layer of exactly that shape and interpolate toward it.
//
// Flattening convention: the ENGINE's, not the spec's. A flattened image [H, W, C] has index
// (i·W + j)·C + c (row, column, channel: NHWC reshaped), and Mixer tokens [S, C] have index s·C + c,
// which is the same thing for the patch grid (s = i·W + j). The spec's C-order (c, i, j) would need a
// permutation around every layer; this one makes flatten the identity and the patch embedding's output
// already token-major. Matrices follow the engine's x·W convention: a dense weight is [Din, Dout],
// row-major, and y = x·W + b — the transpose of the spec's W·x formulas.
import type { LayerSpec } from '../experiment/types';
import { type Shape, makeLayer } from '../models/layers';

/** A row-major [din, dout] matrix used as y = x·W. */
export interface DenseMatrix { weight: Float32Array; din: number; dout: number }

/** A linear map y = x·W (+ b). */
export interface LinearMap extends DenseMatrix { bias?: Float32Array }

/** One dense matrix a prior layer turns into, named by the prior weight it comes from ("w",
 * "block0.token1.w", …) or, for pooling, by the layer type. */
export interface DenseShape { name: string; din: number; dout: number; bias: boolean }

export class DenseFormError extends Error {}

export const FP32_BYTES = 4;

/** Longest Float32Array Node 20's V8 allows (2^32 elements = 16 GiB). */
const MAX_TYPED_ARRAY_LENGTH = 2 ** 32;

function allocDense(din: number, dout: number): DenseMatrix {
  const entries = din * dout;
  // Say what was asked for: V8's own message ("Invalid typed array length") gives no numbers.
  if (entries > MAX_TYPED_ARRAY_LENGTH) {
    throw new DenseFormError(`dense matrix ${din}×${dout} (${entries} entries, ${formatBytes(entries * FP32_BYTES)}) exceeds the largest Float32Array this runtime can allocate`);
  }
  return { weight: new Float32Array(entries), din, dout };
}

function formatBytes(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

function convOut(n: number, k: number, stride: number, padding: number): number {
  return Math.floor((n + 2 * padding - k) / stride) + 1;
}

// ---- Convolution ------------------------------------------------------------------------------

/**
 * Dense form of a conv (no bias): W[(i,j,c), (i',j',o)] = F[i − s·i' + p, j − s·j' + p, c, o] when both
 * kernel indices lie in [0, k), else 0. Built by looping over output positions × kernel offsets, so
 * it is exact for any stride and padding; taps that land in the zero padding contribute nothing.
 * `filter` is [k, k, cin, cout] as layers.ts stores it; padding is symmetric zero padding.
 */
export function convDense(filter: Float32Array, inShape: [number, number, number], k: number, stride: number, padding: number, cout: number): DenseMatrix {
  const [h, w, cin] = inShape;
  if (filter.length !== k * k * cin * cout) {
    throw new DenseFormError(`conv filter has ${filter.length} entries, expected k·k·cin·cout = ${k}·${k}·${cin}·${cout}`);
  }
  const ho = convOut(h, k, stride, padding);
  const wo = convOut(w, k, stride, padding);
  const m = allocDense(h * w * cin, ho * wo * cout);
  const { weight, dout } = m;
  for (let oi = 0; oi < ho; oi++) {
    for (let oj = 0; oj < wo; oj++) {
      const col = (oi * wo + oj) * cout;
      for (let ki = 0; ki < k; ki++) {
        const i = stride * oi + ki - padding;
        if (i < 0 || i >= h) continue;
        for (let kj = 0; kj < k; kj++) {
          const j = stride * oj + kj - padding;
          if (j < 0 || j >= w) continue;
          for (let c = 0; c < cin; c++) {
            const row = ((i * w + j) * cin + c) * dout;
            const tap = ((ki * k + kj) * cin + c) * cout;
            for (let o = 0; o < cout; o++) weight[row + col + o] = filter[tap + o]!;
          }
        }
      }
    }
  }
  return m;
}

/** Bias b ∈ R^C repeated over P positions: index p·C + c (1_P ⊗ b). */
function tileBias(bias: Float32Array, positions: number): Float32Array {
  const out = new Float32Array(positions * bias.length);
  for (let p = 0; p < positions; p++) out.set(bias, p * bias.length);
  return out;
}

/** Conv bias in dense form: b_o repeated over the Ho·Wo output positions. */
export function convBiasDense(bias: Float32Array, ho: number, wo: number): Float32Array {
  return tileBias(bias, ho * wo);
}

// ---- Pooling ----------------------------------------------------------------------------------

/** Average pooling ('valid', as layers.ts applies it): each output averages a size×size window per channel. */
export function avgPoolDense(inShape: [number, number, number], size: number, stride: number): DenseMatrix {
  const [h, w, c] = inShape;
  const ho = convOut(h, size, stride, 0);
  const wo = convOut(w, size, stride, 0);
  const m = allocDense(h * w * c, ho * wo * c);
  const share = 1 / (size * size);
  for (let oi = 0; oi < ho; oi++) {
    for (let oj = 0; oj < wo; oj++) {
      for (let ki = 0; ki < size; ki++) {
        for (let kj = 0; kj < size; kj++) {
          const row = ((stride * oi + ki) * w + stride * oj + kj) * c;
          const col = (oi * wo + oj) * c;
          for (let ch = 0; ch < c; ch++) m.weight[(row + ch) * m.dout + col + ch] = share;
        }
      }
    }
  }
  return m;
}

/** Global average pooling over every position: [H, W, C] (image) or [S, C] (tokens) → [C]. */
export function globalAvgPoolDense(inShape: Shape): DenseMatrix {
  const c = inShape[inShape.length - 1]!;
  const positions = inShape.slice(0, -1).reduce((a, b) => a * b, 1);
  const m = allocDense(positions * c, c);
  for (let p = 0; p < positions; p++) {
    for (let ch = 0; ch < c; ch++) m.weight[(p * c + ch) * c + ch] = 1 / positions;
  }
  return m;
}

// Flatten is the identity in this convention (NHWC reshaped row-major), so it has no matrix.

// ---- MLP-Mixer --------------------------------------------------------------------------------

/** Kronecker product A ⊗ B of row-major matrices: (A ⊗ B)[(r,r'), (q,q')] = A[r,q]·B[r',q']. */
function kron(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  const m = allocDense(a.din * b.din, a.dout * b.dout);
  for (let r = 0; r < a.din; r++) {
    for (let q = 0; q < a.dout; q++) {
      const v = a.weight[r * a.dout + q]!;
      if (v === 0) continue;
      for (let r2 = 0; r2 < b.din; r2++) {
        const row = (r * b.din + r2) * m.dout + q * b.dout;
        for (let q2 = 0; q2 < b.dout; q2++) m.weight[row + q2] = v * b.weight[r2 * b.dout + q2]!;
      }
    }
  }
  return m;
}

function identity(n: number): DenseMatrix {
  const m = allocDense(n, n);
  for (let i = 0; i < n; i++) m.weight[i * n + i] = 1;
  return m;
}

/**
 * Token mixing Y[s', c] = Σ_s X[s, c]·W_tok[s, s'] on token-major vec(X) (index s·C + c):
 * W_tok ⊗ I_C. `wTok` is [S, S'] as the engine stores it (x·W on the token axis).
 */
export function tokenMixDense(wTok: Float32Array, s: number, sOut: number, c: number): DenseMatrix {
  return kron({ weight: wTok, din: s, dout: sOut }, identity(c));
}

/** Token-mixing bias b ∈ R^{S'}, shared by every channel: b ⊗ 1_C. */
export function tokenMixBiasDense(bias: Float32Array, c: number): Float32Array {
  const out = new Float32Array(bias.length * c);
  bias.forEach((v, s) => out.fill(v, s * c, (s + 1) * c));
  return out;
}

/** Channel mixing Y[s, c'] = Σ_c X[s, c]·W_ch[c, c'] on vec(X): I_S ⊗ W_ch. `wCh` is [C, C']. */
export function channelMixDense(wCh: Float32Array, s: number, c: number, cOut: number): DenseMatrix {
  return kron(identity(s), { weight: wCh, din: c, dout: cOut });
}

/** Channel-mixing bias b ∈ R^{C'}, shared by every token: 1_S ⊗ b. */
export function channelMixBiasDense(bias: Float32Array, s: number): Float32Array {
  return tileBias(bias, s);
}

/**
 * Per-patch embedding: a conv with kernel = stride = patch, padding 0. Its output (i'·Wo + j')·C + o is
 * already token-major (s = i'·Wo + j', as the engine's reshape to [S, C]), so the spec's permutation
 * (C, h, w) → (S, C) is the identity here. Its bias is convBiasDense(b, Ho, Wo).
 */
export function patchEmbedDense(filter: Float32Array, inShape: [number, number, number], patch: number, channels: number): DenseMatrix {
  return convDense(filter, inShape, patch, patch, 0, channels);
}

// ---- Composition ------------------------------------------------------------------------------

/**
 * y = x·A·B as one matrix. Dense forms are mostly zeros (locality, pooling windows), so rows of A
 * skip their zero entries; that makes composing a pooling or conv form cheap.
 */
function matMul(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  const m = allocDense(a.din, b.dout);
  for (let i = 0; i < a.din; i++) {
    const out = m.weight.subarray(i * b.dout, (i + 1) * b.dout);
    for (let k = 0; k < a.dout; k++) {
      const v = a.weight[i * a.dout + k]!;
      if (v === 0) continue;
      const row = b.weight.subarray(k * b.dout, (k + 1) * b.dout);
      for (let j = 0; j < b.dout; j++) out[j]! += v * row[j]!;
    }
  }
  return m;
}

/** b·W for a row vector b. */
function vecMat(b: Float32Array, w: DenseMatrix): Float32Array {
  return matMul({ weight: b, din: 1, dout: w.din }, w).weight;
}

/**
 * The product of consecutive linear maps with no nonlinearity between them (e.g. avgpool → flatten →
 * dense, or globalavgpool → dense head): W = W1·W2·…, biases carried through as b ← b·W_next + b_next.
 * The result has a bias iff some segment has one.
 */
export function composeLinear(segments: LinearMap[]): LinearMap {
  const [first, ...rest] = segments;
  if (!first) throw new DenseFormError('composeLinear needs at least one linear map');
  let acc: LinearMap = first;
  for (const next of rest) {
    if (next.din !== acc.dout) throw new DenseFormError(`composeLinear: a ${acc.din}×${acc.dout} map cannot feed a ${next.din}×${next.dout} map`);
    const bias = combineBias(acc.bias && vecMat(acc.bias, next), next.bias);
    acc = bias ? { ...matMul(acc, next), bias } : matMul(acc, next);
  }
  return acc;
}

function combineBias(carried: Float32Array | undefined, own: Float32Array | undefined): Float32Array | undefined {
  if (!carried || !own) return carried ?? own;
  return carried.map((v, i) => v + own[i]!);
}

// ---- Size from shapes alone (for the memory guard) --------------------------------------------

/**
 * The dense matrices a prior layer becomes, from shapes alone (nothing is allocated). Layers with no
 * parameters and no mixing (relu, gelu, layernorm, flatten) give none; layers that are not linear
 * (maxpool, batchnorm) are refused, naming the layer. `where` names it in errors (e.g. "prior.layers[2]").
 */
export function denseShapes(inShape: Shape, spec: LayerSpec, where = 'layer'): DenseShape[] {
  const layer = makeLayer(spec, inShape, where); // validates the input shape, gives the output shape
  const din = inShape.reduce((a, b) => a * b, 1);
  const dout = layer.outShape.reduce((a, b) => a * b, 1);
  switch (spec.type) {
    case 'conv':
    case 'dense':
      return [{ name: 'w', din, dout, bias: spec.bias }];
    case 'avgpool':
    case 'globalavgpool':
      return [{ name: spec.type, din, dout, bias: false }];
    case 'maxpool':
      throw new DenseFormError(`${where}: maxpool has no dense form (it is not linear); use {"type": "avgpool"} or a strided conv`);
    case 'mixer':
      return mixerShapes(spec, inShape);
    default:
      return [];
  }
}

function mixerShapes(spec: Extract<LayerSpec, { type: 'mixer' }>, inShape: Shape): DenseShape[] {
  const [h, w, c] = inShape as [number, number, number];
  const s = (h / spec.patch) * (w / spec.patch);
  const ch = spec.channels;
  const shapes: DenseShape[] = [{ name: 'embed.w', din: h * w * c, dout: s * ch, bias: true }];
  for (let b = 0; b < spec.blocks; b++) {
    shapes.push(
      { name: `block${b}.token1.w`, din: s * ch, dout: spec.tokenHidden * ch, bias: true },
      { name: `block${b}.token2.w`, din: spec.tokenHidden * ch, dout: s * ch, bias: true },
      { name: `block${b}.channel1.w`, din: s * ch, dout: s * spec.channelHidden, bias: true },
      { name: `block${b}.channel2.w`, din: s * spec.channelHidden, dout: s * ch, bias: true },
    );
  }
  return shapes;
}

/** Entries (weights plus biases) of a layer's dense form, from shapes alone. */
export function denseSize(inShape: Shape, spec: LayerSpec, where = 'layer'): number {
  return denseShapes(inShape, spec, where).reduce((n, d) => n + d.din * d.dout + (d.bias ? d.dout : 0), 0);
}

/** fp32 bytes of a layer's dense form (weights plus biases), from shapes alone. */
export function denseBytes(inShape: Shape, spec: LayerSpec, where = 'layer'): number {
  return denseSize(inShape, spec, where) * FP32_BYTES;
}
