// dense(P) rebuilt on the device, for a prior that trains (co-trained): its targets change before every
// forward-form step or sync. Most of M's dense layers come from one prior map whose dense form only copies
// the map's parameters into fixed positions (a conv's taps, a dense layer, the Mixer's token and channel
// mixing, tiled biases). Those positions are found once, by building the dense form from parameters whose
// values are their own indices; each rebuild then gathers P's current values (read back: a filter is a few
// thousand floats) and scatters them into a zero matrix on the device, the way the PyTorch peer does it
// (bench/torch_step.py): no JS loop over the matrix and no upload of it. The gather runs in JS because the
// wasm backend's GatherV2 takes ~0.1 s for 10^5 indices. Segments that compose several maps (pooling with
// the head) are small and keep the JS construction (denseTargets); so does a parameter too large for exact
// float32 indices.
import * as tf from '@tensorflow/tfjs';
import type { DenseOp, Mirror } from './mirror';
import { segmentDense } from './mirror';

/** One target as a gather of `source` (a prior parameter, flattened) scattered into a `shape` matrix. */
interface Scatter {
  kind: 'scatter';
  source: string;
  shape: number[];
  /** Flat positions in the target [nnz, 1], and the source entry copied to each. */
  positions: tf.Tensor2D;
  taps: Int32Array;
}

/** A LayerNorm γ/β: the prior's own vector. */
interface Copy { kind: 'copy'; source: string }

/** A composed segment: its weight (and bias) built in JS from values read back. */
interface Composed { kind: 'composed'; op: DenseOp }

type Entry = Scatter | Copy | Composed;

/** Float32 holds every integer up to 2^24 exactly; probe indices beyond it could collide. */
const EXACT_INDEX_LIMIT = 2 ** 24;
/** scatterND's positions are int32. */
const INT32_LIMIT = 2 ** 31;

export class TargetPlan {
  private readonly entries = new Map<string, Entry>();

  /**
   * `sizeOf(name)` is the entry count of the prior parameter `name` (without any prefix); the plan
   * holds index tensors until dispose().
   */
  constructor(mirror: Mirror, sizeOf: (name: string) => number) {
    const iota = (name: string) => Float32Array.from({ length: sizeOf(name) }, (_, k) => k + 1);
    for (const op of mirror.ops) {
      if (op.op === 'layernorm') {
        this.entries.set(`${op.name}.gamma`, { kind: 'copy', source: `${op.name}.gamma` });
        this.entries.set(`${op.name}.beta`, { kind: 'copy', source: `${op.name}.beta` });
      }
      if (op.op !== 'dense') continue;
      const [source] = op.sources;
      const probe = op.sources.length === 1 && source!.scatter && op.din * op.dout < INT32_LIMIT
        && [`${source!.key}.w`, ...(source!.bias ? [`${source!.key}.b`] : [])].every((n) => sizeOf(n) < EXACT_INDEX_LIMIT);
      if (!probe) {
        this.entries.set(`${op.name}.w`, { kind: 'composed', op });
        continue;
      }
      // Every entry of the probed form is 0 (no parameter lands there) or 1 + the index of the one copied.
      const form = source!.dense(iota);
      this.entries.set(`${op.name}.w`, scatterOf(`${source!.key}.w`, form.weight, [op.din, op.dout]));
      if (form.bias) this.entries.set(`${op.name}.b`, scatterOf(`${source!.key}.b`, form.bias, [op.dout]));
    }
  }

  /** dense(P) for every parameter of M from the prior's tensors; the caller disposes the result. */
  build(read: (name: string) => tf.Tensor): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, e] of this.entries) {
      if (e.kind === 'copy') {
        out.set(name, tf.clone(read(e.source)));
      } else if (e.kind === 'scatter') {
        const source = read(e.source).dataSync();
        const values = new Float32Array(e.taps.length);
        e.taps.forEach((tap, k) => (values[k] = source[tap]!));
        out.set(name, tf.tidy(() => tf.reshape(tf.scatterND(e.positions, tf.tensor1d(values), [e.shape.reduce((a, b) => a * b, 1)]), e.shape)));
      } else {
        denseTargets(e.op, (n) => read(n).dataSync() as Float32Array, out);
      }
    }
    return out;
  }

  dispose(): void {
    for (const e of this.entries.values()) if (e.kind === 'scatter') e.positions.dispose();
  }
}

/** A dense layer's targets built in JS (segmentDense) and uploaded: `<name>.w`, and `<name>.b` if it has a bias. */
export function denseTargets(op: DenseOp, read: (name: string) => Float32Array, into: Map<string, tf.Tensor>): void {
  const m = segmentDense(op, read);
  into.set(`${op.name}.w`, tf.tensor2d(m.weight, [m.din, m.dout]));
  if (m.bias) into.set(`${op.name}.b`, tf.tensor1d(m.bias));
}

function scatterOf(source: string, probed: Float32Array, shape: number[]): Scatter {
  let nnz = 0;
  for (const v of probed) if (v !== 0) nnz++;
  const positions = new Int32Array(nnz);
  const taps = new Int32Array(nnz);
  let k = 0;
  probed.forEach((v, i) => {
    if (v === 0) return;
    positions[k] = i;
    taps[k++] = v - 1;
  });
  return { kind: 'scatter', source, shape, positions: tf.tensor2d(positions, [nnz, 1], 'int32'), taps };
}
