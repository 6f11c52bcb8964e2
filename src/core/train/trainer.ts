// The training loop of one run: minibatch steps, syncs, evaluation and checkpoints at epoch ends,
// cancel at a step boundary. Everything observable leaves through `emit` as a TrainEvent.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../experiment/types';
import type { ImageSet, LoadedDataset } from '../data/types';
import { BatchIterator, evalBatches } from '../data/pipeline';
import { trainSubset } from '../data/sets';
import { buildNetwork, modelLayers, resolveLayers } from '../models/network';
import type { Checkpoint } from '../results/types';
import type { TrainEvent } from './events';
import { type Learner, plainLearner } from './learner';
import { crossEntropy } from './loss';

/** Where checkpoints go; the results store's RunHandle implements it. */
export interface Checkpointer {
  saveCheckpoint(c: Checkpoint): void;
  loadCheckpoint(): Checkpoint | null;
}

export interface TrainOptions {
  config: ExperimentConfig;
  seed: number;
  data: LoadedDataset;
  emit: (e: TrainEvent) => void;
  /** What to train; by default the plain network of `config.model`. */
  learner?: Learner;
  checkpoints?: Checkpointer;
  /** Continue from the last checkpoint instead of starting afresh. */
  resume?: boolean;
  signal?: AbortSignal;
}

export interface TrainResult {
  status: 'finished' | 'cancelled';
  testAccuracy: number | null;
  testLoss: number | null;
  /** Sync form: the final evaluation just before and just after the last sync. */
  beforeSync?: Evaluation;
  afterSync?: Evaluation;
  /** Final parameters of the studied model by name (copied out; the learner is disposed). */
  weights: Map<string, Float32Array>;
  epochSeconds: number[];
}

export interface Evaluation { loss: number; accuracy: number }

/** The training images a run sees: the seeded subset when `dataset.trainSubset` is set. */
export function trainingSet(config: ExperimentConfig, data: LoadedDataset, seed: number): ImageSet {
  return config.dataset.trainSubset ? trainSubset(data.train, config.dataset.trainSubset, seed) : data.train;
}

/** Test-set loss and accuracy, in batches so memory stays bounded. */
export function evaluate(predict: (x: tf.Tensor4D) => tf.Tensor2D, set: ImageSet, data: LoadedDataset, batchSize = 1000): Evaluation {
  let lossSum = 0;
  let correct = 0;
  for (const b of evalBatches(set, batchSize, data.mean, data.std)) {
    const [l, c] = tf.tidy(() => {
      const { x, y } = batchTensors(b, set);
      const logits = predict(x);
      const loss = tf.mul(crossEntropy(logits, y), b.size);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32'));
      return [loss.dataSync()[0]!, hits.dataSync()[0]!];
    });
    lossSum += l;
    correct += c;
  }
  return { loss: lossSum / set.n, accuracy: correct / set.n };
}

function batchTensors(b: { x: Float32Array; y: Int32Array; size: number }, set: ImageSet): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const x = tf.tensor4d(b.x.subarray(0, b.size * set.height * set.width * set.channels), [b.size, set.height, set.width, set.channels]);
  return { x, y: tf.tensor1d(b.y.subarray(0, b.size), 'int32') };
}

function defaultLearner(config: ExperimentConfig, set: ImageSet, seed: number): Learner {
  const layers = resolveLayers(modelLayers(config.model), [set.height, set.width, set.channels], set.numClasses, 'model.layers');
  return plainLearner(buildNetwork(layers, seed), config.training.optimizer);
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { config, seed, data, emit, signal } = opts;
  const t = config.training;
  const train = trainingSet(config, data, seed);
  const learner = opts.learner ?? defaultLearner(config, train, seed);
  const epochSeconds: number[] = [];
  let startEpoch = 0;
  let startStep = 0;
  let globalStep = 0;
  let syncs = 0;

  try {
    const ckpt = opts.resume ? opts.checkpoints?.loadCheckpoint() ?? null : null;
    if (opts.resume && !ckpt) emit({ type: 'log', level: 'warn', message: 'no checkpoint to resume from; starting from the beginning' });
    if (ckpt) {
      const tensors: Record<string, tf.Tensor> = {};
      for (const [k, s] of Object.entries(ckpt.tensors)) tensors[k] = tf.tensor(s.data, s.shape);
      try {
        learner.restore(tensors, ckpt.state.learner as Record<string, unknown>);
      } finally {
        tf.dispose(Object.values(tensors));
      }
      startEpoch = ckpt.epoch;
      startStep = Number(ckpt.state.step ?? 0);
      globalStep = ckpt.globalStep;
      syncs = Number(ckpt.state.syncs ?? 0);
      emit({ type: 'log', level: 'info', message: `resumed at epoch ${startEpoch + 1}, step ${startStep} (global step ${globalStep})` });
    }

    const save = (epoch: number, step: number) => {
      if (!opts.checkpoints) return;
      const { tensors, json } = learner.state();
      const out: Checkpoint['tensors'] = {};
      tensors.forEach((v, k) => (out[k] = { shape: v.shape.slice(), data: v.dataSync() as Float32Array }));
      opts.checkpoints.saveCheckpoint({ epoch, globalStep, tensors: out, state: { step, syncs, learner: json } });
      emit({ type: 'checkpoint', epoch, globalStep, path: 'checkpoint' });
    };
    const test = () => evaluate(learner.predict, data.test, data);
    /** A co-trained prior's test result, reported beside the model's. */
    const priorTest = (): { prior?: { testLoss: number; testAccuracy: number } } => {
      if (!learner.coTrainedPrior) return {};
      const ev = evaluate(learner.coTrainedPrior.predict, data.test, data);
      return { prior: { testLoss: ev.loss, testAccuracy: ev.accuracy } };
    };
    /** Sync, with the evaluation just before it when it is the last one of the run. */
    const doSync = (epoch: number, last: boolean): Evaluation | undefined => {
      const before = last ? test() : undefined;
      const alpha = learner.sync!(syncs);
      emit({ type: 'sync', epoch, globalStep, index: syncs, alpha });
      syncs += 1;
      return before;
    };

    const started = Date.now();
    let cancelled = false;
    let lastEval: (Evaluation & { globalStep: number; beforeSync?: Evaluation }) | null = null;
    for (let epoch = startEpoch; epoch < t.epochs && !cancelled; epoch++) {
      const epochStart = Date.now();
      const batches = new BatchIterator(train, {
        batchSize: t.batchSize, seed, epoch, dropLast: t.dropLast, augment: data.augment, mean: data.mean, std: data.std,
      });
      const lastEpoch = epoch === t.epochs - 1;
      let lossSum = 0;
      let lossCount = 0;
      let beforeSync: Evaluation | undefined;
      for (let step = epoch === startEpoch ? startStep : 0; step < batches.numBatches; step++) {
        if (signal?.aborted) {
          save(epoch, step); // keep every finished step: resume continues exactly here
          cancelled = true;
          break;
        }
        const loss = tf.tidy(() => {
          const { x, y } = batchTensors(batches.batch(step), train);
          return learner.step(x, y, globalStep);
        });
        if (!Number.isFinite(loss)) throw new Error(`training diverged: loss is ${loss} at epoch ${epoch + 1}, step ${step + 1}; lower training.lr`);
        globalStep += 1;
        lossSum += loss;
        lossCount += 1;
        emit({
          type: 'step', epoch, step, globalStep, stepsPerEpoch: batches.numBatches, loss,
          ...(learner.alphaAt ? { alpha: learner.alphaAt(globalStep - 1) } : {}),
          ...(learner.coTrainedPrior ? { priorLoss: learner.coTrainedPrior.lastLoss() } : {}),
        });
        if (typeof learner.syncEvery === 'number' && globalStep % learner.syncEvery === 0) {
          beforeSync = doSync(epoch, lastEpoch && step === batches.numBatches - 1) ?? beforeSync;
        }
        if (t.evalEvery > 0 && globalStep % t.evalEvery === 0) {
          const ev = test();
          emit({ type: 'eval', epoch, globalStep, testLoss: ev.loss, testAccuracy: ev.accuracy, ...priorTest() });
        }
        // Yield to the event loop now and then so Ctrl-C and messages are seen promptly.
        if (step % 8 === 7) await new Promise((r) => setImmediate(r));
      }
      if (cancelled) break;
      if (learner.syncEvery === 'epoch') beforeSync = doSync(epoch, lastEpoch);
      const ev = test();
      lastEval = { ...ev, globalStep, beforeSync };
      const seconds = (Date.now() - epochStart) / 1000;
      epochSeconds.push(seconds);
      emit({ type: 'eval', epoch, globalStep, testLoss: ev.loss, testAccuracy: ev.accuracy, ...(beforeSync ? { beforeSync: { testLoss: beforeSync.loss, testAccuracy: beforeSync.accuracy } } : {}), ...priorTest() });
      emit({ type: 'epoch', epoch, trainLoss: lossCount ? lossSum / lossCount : NaN, seconds });
      save(epoch + 1, 0);
    }

    const seconds = (Date.now() - started) / 1000;
    if (cancelled) {
      emit({ type: 'done', status: 'cancelled', testAccuracy: null, testLoss: null, seconds });
      return { status: 'cancelled', testAccuracy: null, testLoss: null, weights: learner.weights(), epochSeconds };
    }
    const afterSync = lastEval?.globalStep === globalStep ? lastEval : { ...test(), globalStep, beforeSync: undefined };
    const reported = config.interpolation?.evaluate === 'before-sync' && afterSync.beforeSync ? afterSync.beforeSync : afterSync;
    const syncPair = afterSync.beforeSync ? { testAccuracyBeforeSync: afterSync.beforeSync.accuracy, testAccuracyAfterSync: afterSync.accuracy } : {};
    emit({ type: 'done', status: 'finished', testAccuracy: reported.accuracy, testLoss: reported.loss, seconds, ...syncPair });
    return {
      status: 'finished', testAccuracy: reported.accuracy, testLoss: reported.loss, weights: learner.weights(), epochSeconds,
      ...(afterSync.beforeSync ? { beforeSync: afterSync.beforeSync, afterSync: { loss: afterSync.loss, accuracy: afterSync.accuracy } } : {}),
    };
  } finally {
    learner.dispose();
  }
}
