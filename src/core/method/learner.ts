// The I-MLP as a Learner for the training loop: every reading of spec §3 — prior frozen or
// co-trained, interpolation in the forward pass or by syncs — plus the plain-MLP reference.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../experiment/types';
import type { ImageSet } from '../data/types';
import { buildNetwork, resolveLayers } from '../models/network';
import { type Learner, assignAll, copyWeights, optimiserStep, prefixed, unprefixed } from '../train/learner';
import { makeOptimizer } from '../train/optimizer';
import { InterpolatedMLP, type Targets } from './imlp';
import { checkMemory, estimateMemory, memoryBudget } from './memory';
import { alphaAt } from './schedule';

export interface ImlpLearnerOptions {
  config: ExperimentConfig;
  seed: number;
  /** The run's α (α_0 of the schedule); null trains the plain MLP: M with no pull toward the prior. */
  alpha: number | null;
  /** The training set (for shapes and the number of steps). */
  train: ImageSet;
  /** A frozen prior's trained weights, by the prior's parameter names. */
  priorWeights?: Map<string, Float32Array>;
  /** Backend name, for the memory budget. */
  backend?: string;
}

/** Steps in the whole run and syncs in the whole run, for the schedules' T. */
export function runLength(config: ExperimentConfig, n: number): { steps: number; syncs: number } {
  const t = config.training;
  const perEpoch = t.dropLast ? Math.floor(n / t.batchSize) : Math.ceil(n / t.batchSize);
  const steps = perEpoch * t.epochs;
  const every = config.interpolation?.syncEvery ?? 'epoch';
  return { steps, syncs: every === 'epoch' ? t.epochs : Math.floor(steps / every) };
}

export function imlpLearner(opts: ImlpLearnerOptions): Learner {
  const { config, seed, alpha, train } = opts;
  const prior = config.prior!;
  const interp = config.interpolation!;
  const input = [train.height, train.width, train.channels];
  // Refuse, with the numbers, before allocating anything.
  checkMemory(estimateMemory({
    priorLayers: prior.layers, inputShape: input, classes: train.numClasses, optimizer: config.training.optimizer,
    mode: interp.mode, source: prior.source,
  }), memoryBudget(opts.backend));

  const priorLayers = resolveLayers(prior.layers, input, train.numClasses, 'prior.layers');
  const m = new InterpolatedMLP(priorLayers, seed, interp);
  const optimizer = makeOptimizer(config.training.optimizer);
  const { steps, syncs } = runLength(config, train.n);

  if (alpha === null) {
    // The plain-MLP reference: M alone, the same architecture, seed and batches.
    return {
      step: (x, y) => optimiserStep(optimizer, m.params, (b) => m.applyPlain(b), x, y),
      predict: (x) => m.applyPlain(x),
      state: () => mState(),
      restore: (tensors, json) => mRestore(tensors, json),
      weights: () => copyWeights(m.params),
      dispose: () => { m.dispose(); optimizer.dispose(); },
    };
  }

  // The prior P: trained weights (frozen) or a network trained beside M (co-trained).
  const coTrained = prior.source === 'co-trained';
  const p = coTrained ? buildNetwork(priorLayers, seed) : null;
  const pOptimizer = coTrained ? makeOptimizer(config.training.optimizer) : null;
  if (!coTrained && !opts.priorWeights) throw new Error('a frozen prior needs its trained weights (the prior run)');
  let targets: Targets = m.targets(p ? p.params : opts.priorWeights!);
  const refreshTargets = () => {
    // Kept: a forward-form step runs inside the trainer's tidy, which would free them at its end.
    const next = m.targets(p!.params);
    next.forEach((t) => tf.keep(t));
    tf.dispose(Array.from(targets.values()));
    targets = next;
  };

  const forward = interp.mode === 'forward';
  let current = alphaAt(interp.schedule, alpha, 0, steps);
  let priorLoss = NaN;
  const learner: Learner = {
    step(x, y, globalStep) {
      if (p) {
        priorLoss = optimiserStep(pOptimizer!, p.params, p.apply, x, y);
        if (forward) refreshTargets();
      }
      if (!forward) return optimiserStep(optimizer, m.params, (b) => m.applyPlain(b), x, y);
      current = alphaAt(interp.schedule, alpha, globalStep, steps);
      return optimiserStep(optimizer, m.params, (b) => m.apply(b, current, targets), x, y);
    },
    predict: (x) => (forward ? m.apply(x, current, targets) : m.applyPlain(x)),
    state() {
      const s = mState();
      if (p) {
        prefixed('prior/param/', p.params, s.tensors);
        prefixed('prior/opt/', pOptimizer!.stateTensors(), s.tensors);
        s.json.priorOptimizer = pOptimizer!.stateJson();
      }
      return s;
    },
    restore(tensors, json) {
      mRestore(tensors, json);
      if (p) {
        assignAll(p.params, unprefixed('prior/param/', tensors), 'prior');
        pOptimizer!.restore(json.priorOptimizer as { t: number }, unprefixed('prior/opt/', tensors));
        refreshTargets();
      }
    },
    weights: () => copyWeights(m.params),
    dispose() {
      tf.dispose(Array.from(targets.values()));
      m.dispose();
      optimizer.dispose();
      p?.dispose();
      pOptimizer?.dispose();
    },
  };
  if (p) learner.coTrainedPrior = { lastLoss: () => priorLoss, predict: p.apply };
  if (forward) {
    learner.alphaAt = (globalStep) => alphaAt(interp.schedule, alpha, globalStep, steps);
  } else {
    learner.syncEvery = interp.syncEvery;
    learner.sync = (index) => {
      if (p) refreshTargets();
      const a = alphaAt(interp.schedule, alpha, index, syncs);
      m.sync(a, targets);
      if (interp.resetOptimizerOnSync) optimizer.reset();
      return a;
    };
  }
  return learner;

  function mState() {
    const tensors = new Map<string, tf.Tensor>();
    prefixed('param/', m.params, tensors);
    prefixed('opt/', optimizer.stateTensors(), tensors);
    return { tensors, json: { optimizer: optimizer.stateJson() } as Record<string, unknown> };
  }
  function mRestore(tensors: Record<string, tf.Tensor>, json: Record<string, unknown>) {
    assignAll(m.params, unprefixed('param/', tensors), 'I-MLP');
    optimizer.restore(json.optimizer as { t: number }, unprefixed('opt/', tensors));
  }
}
