// The TF.js side of the step-time benchmark: the workloads as training steps on the engine's path
// (tf ops + tf.variableGrads + the project's optimizer and loss, never tf.layers; the I-MLP through
// imlpLearner), their FLOP counts, and the 1024³ matmul probe.
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import type { ImageSet } from '../src/core/data/types';
import { parseExperiment } from '../src/core/experiment/validate';
import type { ExperimentConfig, LayerSpec, OptimizerConfig } from '../src/core/experiment/types';
import { imlpLearner } from '../src/core/method/learner';
import { buildMirror } from '../src/core/method/mirror';
import { initRng, uniformParam } from '../src/core/models/init';
import type { Layer } from '../src/core/models/layers';
import { buildNetwork, forwardFlops, modelLayers, resolveLayers } from '../src/core/models/network';
import { mulberry32 } from '../src/core/random';
import { crossEntropy } from '../src/core/train/loss';
import { makeOptimizer } from '../src/core/train/optimizer';

export const BATCH = 128;
export type WorkloadId = 'a' | 'b' | 'c' | 'd' | 'm';
export const WORKLOAD_IDS: readonly WorkloadId[] = ['a', 'b', 'c', 'd', 'm'];

export interface WorkloadInfo {
  id: WorkloadId;
  title: string;
  /** Forward FLOPs of one batch: 2 per multiply-add of every matmul and conv (bias, ReLU, pooling not counted). */
  forwardFlops: number;
  /** Training FLOPs by the project's convention (src/core/analysis/flops.ts): 3 × forward. */
  trainFlops: number;
  /**
   * Exact matmul/conv FLOPs of a step: forward + weight gradients (= forward) + input gradients
   * (= forward of every layer but each network's first, whose input needs no gradient). The notes'
   * "~2.4" and "~4.1 GFLOP per step" for (a) and (c) are this count.
   */
  exactTrainFlops: number;
}

/** One compiled training step; returns the loss (read back, which also synchronises). */
export interface Trainable {
  step(): number;
  dispose(): void;
  /** The last step's time split into its phases (ms by name), for workloads that have phases. */
  phases?(): Record<string, number>;
}

/**
 * FLOP counts from the forward FLOPs of each linear layer (matmul or conv) of each network trained in
 * the step, first layer first (the I-MLP step trains two: P and M).
 */
function flopInfo(id: WorkloadId, title: string, ...networks: number[][]): WorkloadInfo {
  const forward = networks.flat().reduce((a, b) => a + b, 0);
  const firsts = networks.reduce((n, layers) => n + layers[0]!, 0);
  return { id, title, forwardFlops: forward, trainFlops: 3 * forward, exactTrainFlops: 3 * forward - firsts };
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
  return flopInfo('m', '(m) engine cnn-small 28×28×1', linearFlops(engineLayers(config)));
}

/**
 * Forward FLOPs of a batch per linear layer, from the engine's own per-example count (forwardFlops); a
 * Mixer's patch embedding is split off as its first layer, so that the exact count leaves out its input
 * gradient only.
 */
function linearFlops(layers: Layer[]): number[] {
  return layers.flatMap((l) => {
    const all = forwardFlops([l]) * BATCH;
    if (l.spec.type !== 'mixer') return all > 0 ? [all] : [];
    const [, , c] = l.inShape as [number, number, number];
    const embed = 2 * BATCH * (l.outShape[0]! * l.spec.patch * l.spec.patch * c) * l.spec.channels;
    return [embed, all - embed];
  });
}

// ---- (b), (d): the I-MLP's co-trained step ------------------------------------------------------

/**
 * The priors of (b) and (d), on CIFAR's 32×32×3: cnn-small is the prior the schema offers as its example
 * and the one the validator suggests; mixer-small-32 is the Mixer preset for 32×32 images.
 */
export const IMLP_PRIORS = { b: 'cnn-small', d: 'mixer-small-32' } as const;
export type ImlpId = keyof typeof IMLP_PRIORS;
const IMLP_INPUT: [number, number, number] = [32, 32, 3];
const IMLP_ALPHA = 0.5;

/**
 * The experiment file of (b)/(d), through the project's own validator and resolver: an I-MLP whose prior
 * trains beside it (co-trained) and is pulled in by a sync after every step, with every other setting at
 * its default (Adam, interpolated biases, constant α).
 */
export function imlpExperiment(id: ImlpId): ExperimentConfig {
  const file = {
    name: `bench-${id}`,
    dataset: 'cifar10',
    model: { kind: 'imlp' },
    prior: { preset: IMLP_PRIORS[id], source: 'co-trained' },
    interpolation: { alpha: IMLP_ALPHA, mode: 'sync', syncEvery: 1 },
  };
  return parseExperiment(JSON.stringify(file), join(__dirname, `bench-${id}.imlp.json`));
}

/** The prior's layers as the engine resolves them for 32×32×3 and 10 classes. */
export function imlpPriorLayers(config: ExperimentConfig): Layer[] {
  return resolveLayers(config.prior!.layers, IMLP_INPUT, 10, 'prior.layers');
}

/** What the PyTorch peer needs to build the same step: the resolved layer list, the input shape and α. */
export function imlpPeerSpec(config: ExperimentConfig): { layers: LayerSpec[]; input: number[]; alpha: number } {
  return { layers: imlpPriorLayers(config).map((l) => l.spec), input: IMLP_INPUT, alpha: config.interpolation!.alphas[0]! };
}

/** FLOPs of one co-trained step: P's training step and M's; dense(P), the sync and Adam are not counted. */
export function workloadImlp(id: ImlpId, config: ExperimentConfig): WorkloadInfo {
  const prior = imlpPriorLayers(config);
  const m = buildMirror(prior).ops.flatMap((o) => (o.op === 'dense' ? [2 * BATCH * o.din * o.dout] : []));
  return flopInfo(id, `(${id}) I-MLP, ${IMLP_PRIORS[id]} prior, co-trained + sync`, linearFlops(prior), m);
}

/** imlpLearner reads only the shapes, the class count and n (for the run's length) of its training set. */
function cifarShapes(): ImageSet {
  const [height, width, channels] = IMLP_INPUT;
  return {
    n: 50_000, height, width, channels, images: new Uint8Array(0), labels: new Uint8Array(0),
    numClasses: 10, classNames: Array.from({ length: 10 }, (_, i) => String(i)),
  };
}

/**
 * (b)/(d): one step as trainer.ts takes it with this learner: the batch made from host arrays,
 * `learner.step` (P's Adam step, then M's) inside a tidy, then `learner.sync` (dense(P) rebuilt on the
 * device from P's new weights by targetPlan.ts's scatter, and W ← (1 − α)·W + α·dense(P) for every
 * interpolated parameter), which the trainer calls after every step when syncEvery is 1.
 */
export function buildImlp(seed: number, config: ExperimentConfig, backend: string): Trainable {
  const learner = imlpLearner({ config, seed, alpha: config.interpolation!.alphas[0]!, train: cifarShapes(), backend });
  if (learner.syncEvery !== 1 || !learner.sync || !learner.coTrainedPrior) throw new Error('the I-MLP workload is no longer a co-trained learner synced every step; update the benchmark');
  const batch = seededBatch(seed, IMLP_INPUT.reduce((a, b) => a * b, 1));
  let globalStep = 0;
  let last = { steps: 0, sync: 0 };
  return {
    step: () => {
      const t0 = performance.now();
      const loss = tf.tidy(() => learner.step(tf.tensor4d(batch.x, [BATCH, ...IMLP_INPUT]), tf.tensor1d(batch.y, 'int32'), globalStep));
      const t1 = performance.now();
      learner.sync!(globalStep);
      last = { steps: t1 - t0, sync: performance.now() - t1 };
      globalStep += 1;
      return loss;
    },
    phases: () => last,
    dispose: () => learner.dispose(),
  };
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
  /** Each phase's ms per timed step, for workloads that have phases. */
  phases?: Record<string, number[]>;
  /** Tensors left behind per timed step (0 unless something leaks). */
  leakPerStep: number;
}

/** Runs `warmup` untimed steps, then `timed` timed ones. */
export function timeSteps(t: Trainable, warmup: number, timed: number): StepTiming {
  for (let i = 0; i < warmup; i++) t.step();
  const before = tf.memory().numTensors;
  const ms: number[] = [];
  const phases: Record<string, number[]> = {};
  for (let i = 0; i < timed; i++) {
    const t0 = performance.now();
    const loss = t.step();
    ms.push(performance.now() - t0);
    if (!Number.isFinite(loss)) throw new Error(`loss is ${loss} at timed step ${i + 1}`);
    for (const [name, v] of Object.entries(t.phases?.() ?? {})) (phases[name] ??= []).push(v);
  }
  return { ms, ...(t.phases ? { phases } : {}), leakPerStep: (tf.memory().numTensors - before) / Math.max(timed, 1) };
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
