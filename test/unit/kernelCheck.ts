// What the kernel tests share: seeded inputs, a case's output and gradients, and the error measure
// used to compare a patched or accelerated kernel with the stock cpu backend.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

export type Inputs = { shape: number[]; data: Float32Array }[];

export interface KernelCase {
  name: string;
  inputs: Inputs;
  /** Builds the output; tf.grads differentiates sum(output ⊙ r), r random, so dy is random. */
  run: (xs: tf.Tensor[]) => tf.Tensor;
  /** Indices of the inputs whose gradients are compared too. */
  grads: number[];
}

/** Standard normal samples from a seeded generator (mulberry32 + Box–Muller). */
export function randn(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

let seed = 1;
/** Fresh seeded inputs of these shapes. */
export function inputs(...shapes: number[][]): Inputs {
  return shapes.map((shape) => ({ shape, data: randn(shape.reduce((a, b) => a * b, 1), seed++) }));
}

/** The output, then (if asked) the gradients; every tensor made here is freed. */
export function evaluate(c: KernelCase): Float32Array[] {
  return tf.tidy(() => {
    const xs = c.inputs.map(({ shape, data }) => tf.tensor(data, shape));
    const y = c.run(xs);
    const outs = [y.dataSync() as Float32Array];
    if (c.grads.length > 0) {
      const r = tf.tensor(randn(y.size, 99), y.shape);
      const f = (...v: tf.Tensor[]) => {
        const args = [...xs];
        c.grads.forEach((input, j) => (args[input] = v[j] as tf.Tensor));
        return c.run(args).mul(r).sum();
      };
      outs.push(...tf.grads(f)(c.grads.map((input) => xs[input] as tf.Tensor)).map((g) => g.dataSync() as Float32Array));
    }
    return outs;
  });
}

/** Largest absolute difference relative to the largest reference magnitude. */
export function relativeError(got: Float32Array, want: Float32Array): number {
  assert.equal(got.length, want.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs((got[i] as number) - (want[i] as number)));
    scale = Math.max(scale, Math.abs(want[i] as number));
  }
  return diff / Math.max(scale, 1e-30);
}
