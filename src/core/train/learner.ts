// What the training loop trains. A plain network is one Learner; the I-MLP (with its prior, its
// α schedule and its syncs) is another, in src/core/method/learner.ts. The loop itself stays the
// same for both, so cancel, resume, evaluation and checkpoints behave identically.
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../experiment/types';
import type { Network } from '../models/network';
import { crossEntropy } from './loss';
import { type Optimizer, makeOptimizer } from './optimizer';

export interface LearnerState {
  tensors: Map<string, tf.Tensor>;
  json: Record<string, unknown>;
}

export interface Learner {
  /** One optimisation step on a batch; returns the training loss of the model being studied. */
  step(x: tf.Tensor4D, y: tf.Tensor1D, globalStep: number): number;
  /** Logits for evaluation. */
  predict(x: tf.Tensor4D): tf.Tensor2D;
  /** The sync form: how often the in-place pull toward the prior happens (absent: never). */
  syncEvery?: 'epoch' | number;
  /** Performs the sync numbered `index` (0-based) and returns the α it used. */
  sync?(index: number): number;
  /** The forward form's α at a global step (0-based), for the live schedule plot. */
  alphaAt?(globalStep: number): number;
  /** A prior trained beside the model: its loss on the last batch and its logits, so both curves can be watched. */
  coTrainedPrior?: { lastLoss(): number; predict(x: tf.Tensor4D): tf.Tensor2D };
  /** Everything a resumed run needs, as named tensors (copied on save) plus JSON. */
  state(): LearnerState;
  restore(tensors: Record<string, tf.Tensor>, json: Record<string, unknown>): void;
  /** The studied model's parameters, copied out. */
  weights(): Map<string, Float32Array>;
  dispose(): void;
}

/** Prefixes keep the parts of a learner's state apart in one checkpoint. */
export function prefixed(prefix: string, vars: Map<string, tf.Tensor>, into: Map<string, tf.Tensor>): void {
  vars.forEach((v, k) => into.set(`${prefix}${k}`, v));
}

export function unprefixed(prefix: string, tensors: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** Assigns saved values to variables; a missing name means the checkpoint is from another model. */
export function assignAll(vars: Map<string, tf.Variable>, saved: Record<string, tf.Tensor>, what: string): void {
  vars.forEach((v, k) => {
    const t = saved[k];
    if (!t) throw new Error(`checkpoint has no ${what} parameter "${k}": it was written by a different model; start the run afresh without --resume`);
    v.assign(t);
  });
}

export function copyWeights(vars: Map<string, tf.Variable>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  vars.forEach((v, k) => out.set(k, v.dataSync() as Float32Array));
  return out;
}

/** One optimiser step of `params` on the cross-entropy of `logits(x)`; returns the loss. */
export function optimiserStep(optimizer: Optimizer, params: Map<string, tf.Variable>, logits: (x: tf.Tensor4D) => tf.Tensor2D, x: tf.Tensor4D, y: tf.Tensor1D): number {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => crossEntropy(logits(x), y), Array.from(params.values()));
    optimizer.step(params, grads);
    return value.dataSync()[0]!;
  });
}

/** A plain network (MLP or CNN) trained on its own. */
export function plainLearner(net: Network, cfg: OptimizerConfig): Learner {
  const optimizer = makeOptimizer(cfg);
  return {
    step: (x, y) => optimiserStep(optimizer, net.params, net.apply, x, y),
    predict: net.apply,
    state() {
      const tensors = new Map<string, tf.Tensor>();
      prefixed('param/', net.params, tensors);
      prefixed('opt/', optimizer.stateTensors(), tensors);
      return { tensors, json: { optimizer: optimizer.stateJson() } };
    },
    restore(tensors, json) {
      assignAll(net.params, unprefixed('param/', tensors), 'model');
      optimizer.restore(json.optimizer as { t: number }, unprefixed('opt/', tensors));
    },
    weights: () => copyWeights(net.params),
    dispose() {
      net.dispose();
      optimizer.dispose();
    },
  };
}
