// The TF.js side of the step-time benchmark: the three workloads as training steps on the engine's
// path (tf ops + tf.variableGrads + the project's optimizer and loss, never tf.layers), their FLOP
// counts, and the 1024³ matmul probe.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig, OptimizerConfig } from '../src/core/experiment/types';
import { initRng, uniformParam } from '../src/core/models/init';
import { buildNetwork, forwardFlops, modelLayers, resolveLayers } from '../src/core/models/network';
import { mulberry32 } from '../src/core/random';
import { crossEntropy } from '../src/core/train/loss';
import { makeOptimizer } from '../src/core/train/optimizer';

export const BATCH = 128;
export type WorkloadId = 'a' | 'c' | 'm';
export const WORKLOAD_IDS: readonly WorkloadId[] = ['a', 'c', 'm'];

export interface WorkloadInfo {
  id: WorkloadId;
  title: string;
  /** Forward FLOPs of one batch: 2 per multiply-add of every matmul and conv (bias, ReLU, pooling not counted). */
  forwardFlops: number;
  /** Training FLOPs by the project's convention (src/core/analysis/flops.ts): 3 × forward. */
  trainFlops: number;
  /**
   * Exact matmul/conv FLOPs of a step: forward + weight gradients (= forward) + input gradients
   * (= forward of every layer but the first, whose input needs no gradient). The notes' "~2.4" and
   * "~4.1 GFLOP per step" for (a) and (c) are this count.
   */
  exactTrainFlops: number;
}

/** One compiled training step; returns the loss (read back, which also synchronises). */
export interface Trainable {
  step(): number;
  dispose(): void;
}

/** FLOP counts from the forward FLOPs of each linear layer (matmul or conv), first layer first. */
function flopInfo(id: WorkloadId, title: string, perLayer: number[]): WorkloadInfo {
  const forward = perLayer.reduce((a, b) => a + b, 0);
  return { id, title, forwardFlops: forward, trainFlops: 3 * forward, exactTrainFlops: 3 * forward - perLayer[0]! };
}

const dense = (inUnits: number, outUnits: number) => 2 * BATCH * inUnits * outUnits;
const conv = (h: number, w: number, k: number, cin: number, cout: number) => 2 * BATCH * h * w * cout * k * k * cin;

const MLP_SIZES = [3072, 1024, 1024, 10];

export const WORKLOAD_A = flopInfo('a', '(a) MLP 3072-1024-1024-10', MLP_SIZES.slice(1).map((n, i) => dense(MLP_SIZES[i]!, n)));
export const WORKLOAD_C = flopInfo('c', '(c) CNN 32×32×3, conv32-conv64', [conv(32, 32, 3, 3, 32), conv(16, 16, 3, 32, 64), dense(4096, 10)]);

/** (m) goes through the experiment resolver, exactly as `{"model": {"kind": "cnn", "preset": "cnn-small"}}` would. */
export function engineLayers(config: ExperimentConfig) {
  return resolveLayers(modelLayers(config.model), [28, 28, 1], 10, 'bench.model.layers');
}

export function workloadM(config: ExperimentConfig): WorkloadInfo {
  const layers = engineLayers(config);
  // forwardFlops is the engine's own per-example count; split by layer for the exact count.
  const perLayer = layers.map((l) => forwardFlops([l]) * BATCH).filter((f) => f > 0);
  return flopInfo('m', '(m) engine cnn-small 28×28×1', perLayer);
}

/** Seeded N(0, 1) floats (Box–Muller on the project's PRNG) and uniform labels in [0, 10). */
export function seededBatch(seed: number, features: number): { x: Float32Array; y: Int32Array } {
  const rng = mulberry32(seed);
  const x = new Float32Array(BATCH * features);
  for (let i = 0; i < x.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng()));
    const t = 2 * Math.PI * rng();
    x[i] = r * Math.cos(t);
    if (i + 1 < x.length) x[i + 1] = r * Math.sin(t);
  }
  const y = Int32Array.from({ length: BATCH }, () => Math.floor(rng() * 10));
  return { x, y };
}

/** A step like trainer.ts's: loss and gradients by tf.variableGrads, update by the project's optimizer. */
function trainable(params: Map<string, tf.Variable>, loss: () => tf.Scalar, cfg: OptimizerConfig, inputs: tf.Tensor[]): Trainable {
  const optimizer = makeOptimizer(cfg);
  const vars = Array.from(params.values());
  return {
    step: () => tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, vars);
      optimizer.step(params, grads);
      return value.dataSync()[0]!;
    }),
    dispose: () => {
      optimizer.dispose();
      params.forEach((v) => v.dispose());
      inputs.forEach((t) => t.dispose());
    },
  };
}

/** Parameters initialised like the engine's (PyTorch's default U(±1/√fan_in)). */
function makeParams(seed: number, shapes: Record<string, { shape: number[]; fanIn: number }>): Map<string, tf.Variable> {
  const rng = initRng(seed);
  const params = new Map<string, tf.Variable>();
  for (const [name, { shape, fanIn }] of Object.entries(shapes)) {
    const init = uniformParam(rng, shape, fanIn);
    params.set(name, tf.variable(init, true));
    init.dispose();
  }
  return params;
}

/** (a) with plain ops; the batch is uploaded once, as the peer does. */
export function buildMlp(seed: number, cfg: OptimizerConfig): Trainable {
  const shapes: Record<string, { shape: number[]; fanIn: number }> = {};
  for (let i = 0; i + 1 < MLP_SIZES.length; i++) {
    const fanIn = MLP_SIZES[i]!;
    shapes[`${i}.w`] = { shape: [fanIn, MLP_SIZES[i + 1]!], fanIn };
    shapes[`${i}.b`] = { shape: [MLP_SIZES[i + 1]!], fanIn };
  }
  const params = makeParams(seed, shapes);
  const batch = seededBatch(seed, 3072);
  const x = tf.tensor2d(batch.x, [BATCH, 3072]);
  const y = tf.tensor1d(batch.y, 'int32');
  const p = (name: string) => params.get(name)!;
  const forward = () => {
    let h: tf.Tensor2D = x;
    for (let i = 0; i + 1 < MLP_SIZES.length; i++) {
      h = tf.add(tf.matMul(h, p(`${i}.w`) as tf.Tensor2D), p(`${i}.b`));
      if (i + 2 < MLP_SIZES.length) h = tf.relu(h);
    }
    return h;
  };
  return trainable(params, () => crossEntropy(forward(), y), cfg, [x, y]);
}

/** (c) with plain ops, NHWC as the engine uses. */
export function buildCnn(seed: number, cfg: OptimizerConfig): Trainable {
  const params = makeParams(seed, {
    'c1.w': { shape: [3, 3, 3, 32], fanIn: 27 },
    'c1.b': { shape: [32], fanIn: 27 },
    'c2.w': { shape: [3, 3, 32, 64], fanIn: 288 },
    'c2.b': { shape: [64], fanIn: 288 },
    'd.w': { shape: [4096, 10], fanIn: 4096 },
    'd.b': { shape: [10], fanIn: 4096 },
  });
  const batch = seededBatch(seed, 32 * 32 * 3);
  const x = tf.tensor4d(batch.x, [BATCH, 32, 32, 3]);
  const y = tf.tensor1d(batch.y, 'int32');
  const p = (name: string) => params.get(name)!;
  const block = (h: tf.Tensor4D, name: string) =>
    tf.maxPool(tf.relu(tf.add(tf.conv2d(h, p(`${name}.w`) as tf.Tensor4D, 1, 'same'), p(`${name}.b`))) as tf.Tensor4D, 2, 2, 'valid');
  const forward = () => {
    const h = block(block(x, 'c1'), 'c2');
    return tf.add(tf.matMul(tf.reshape(h, [BATCH, 4096]) as tf.Tensor2D, p('d.w') as tf.Tensor2D), p('d.b')) as tf.Tensor2D;
  };
  return trainable(params, () => crossEntropy(forward(), y), cfg, [x, y]);
}

/**
 * (m) The engine's own model path, the calls trainer.ts makes per step: resolveLayers/buildNetwork,
 * a batch tensor made from host arrays every step, crossEntropy(net.apply(x)), makeOptimizer.
 */
export function buildEngineCnn(seed: number, config: ExperimentConfig): Trainable {
  const net = buildNetwork(engineLayers(config), seed);
  const optimizer = makeOptimizer(config.training.optimizer);
  const vars = Array.from(net.params.values());
  const batch = seededBatch(seed, 28 * 28);
  return {
    step: () => tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [BATCH, 28, 28, 1]);
      const y = tf.tensor1d(batch.y, 'int32');
      const { value, grads } = tf.variableGrads(() => crossEntropy(net.apply(x), y), vars);
      optimizer.step(net.params, grads);
      return value.dataSync()[0]!;
    }),
    dispose: () => {
      net.dispose();
      optimizer.dispose();
    },
  };
}

export interface StepTiming {
  ms: number[];
  /** Tensors left behind per timed step (0 unless something leaks). */
  leakPerStep: number;
}

/** Runs `warmup` untimed steps, then `timed` timed ones. */
export function timeSteps(t: Trainable, warmup: number, timed: number): StepTiming {
  for (let i = 0; i < warmup; i++) t.step();
  const before = tf.memory().numTensors;
  const ms: number[] = [];
  for (let i = 0; i < timed; i++) {
    const t0 = performance.now();
    const loss = t.step();
    ms.push(performance.now() - t0);
    if (!Number.isFinite(loss)) throw new Error(`loss is ${loss} at timed step ${i + 1}`);
  }
  return { ms, leakPerStep: (tf.memory().numTensors - before) / Math.max(timed, 1) };
}

export const MATMUL_N = 1024;
export const MATMUL_FLOPS = 2 * MATMUL_N ** 3;

/** 1024³ float32 matmul, read back with dataSync; one untimed call first (XNNPACK packs, pools start). */
export function timeMatmul(reps: number, seed: number): number[] {
  const a = tf.randomNormal([MATMUL_N, MATMUL_N], 0, 1, 'float32', seed);
  const b = tf.randomNormal([MATMUL_N, MATMUL_N], 0, 1, 'float32', seed + 1);
  const once = () => {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
    return performance.now() - t0;
  };
  once();
  const ms = Array.from({ length: reps }, once);
  a.dispose();
  b.dispose();
  return ms;
}
