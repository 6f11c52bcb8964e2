// The training loop of one run: seeded init, minibatch steps, evaluation and checkpoints at epoch
// ends, cancel at a step boundary. Everything observable leaves through `emit` as a TrainEvent.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../experiment/types';
import type { ImageSet, LoadedDataset } from '../data/types';
import { BatchIterator, evalBatches } from '../data/pipeline';
import { trainSubset } from '../data/sets';
import { type Network, buildNetwork, modelLayers, resolveLayers } from '../models/network';
import type { Checkpoint } from '../results/types';
import type { TrainEvent } from './events';
import { crossEntropy } from './loss';
import { makeOptimizer } from './optimizer';

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
  checkpoints?: Checkpointer;
  /** Continue from the last checkpoint instead of starting afresh. */
  resume?: boolean;
  signal?: AbortSignal;
}

export interface TrainResult {
  status: 'finished' | 'cancelled';
  testAccuracy: number | null;
  testLoss: number | null;
  /** Final parameters by name (copied out; the network is disposed). */
  weights: Map<string, Float32Array>;
  epochSeconds: number[];
}

/** Test-set loss and accuracy, in batches so memory stays bounded. */
export function evaluate(apply: (x: tf.Tensor) => tf.Tensor2D, set: ImageSet, data: LoadedDataset, batchSize = 1000): { loss: number; accuracy: number } {
  let lossSum = 0;
  let correct = 0;
  for (const b of evalBatches(set, batchSize, data.mean, data.std)) {
    const [l, c] = tf.tidy(() => {
      const x = tf.tensor4d(b.x.subarray(0, b.size * set.height * set.width * set.channels), [b.size, set.height, set.width, set.channels]);
      const y = tf.tensor1d(b.y.subarray(0, b.size), 'int32');
      const logits = apply(x);
      const loss = tf.mul(crossEntropy(logits, y), b.size);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32'));
      return [loss.dataSync()[0]!, hits.dataSync()[0]!];
    });
    lossSum += l;
    correct += c;
  }
  return { loss: lossSum / set.n, accuracy: correct / set.n };
}

function snapshot(net: Network): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  net.params.forEach((v, k) => out.set(k, v.dataSync() as Float32Array));
  return out;
}

function toCheckpointTensors(vars: Map<string, tf.Variable>, prefix: string, into: Checkpoint['tensors']): void {
  vars.forEach((v, k) => (into[`${prefix}${k}`] = { shape: v.shape.slice(), data: v.dataSync() as Float32Array }));
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { config, seed, data, emit, signal } = opts;
  const t = config.training;
  // The subset depends on the run's seed, so it is drawn here rather than when the data is loaded.
  const train = config.dataset.trainSubset ? trainSubset(data.train, config.dataset.trainSubset, seed) : data.train;
  const layers = resolveLayers(modelLayers(config.model), [train.height, train.width, train.channels], train.numClasses, 'model.layers');
  const net = buildNetwork(layers, seed);
  const optimizer = makeOptimizer(t.optimizer);
  const epochSeconds: number[] = [];
  let startEpoch = 0;
  let startStep = 0;
  let globalStep = 0;

  try {
    const ckpt = opts.resume ? opts.checkpoints?.loadCheckpoint() ?? null : null;
    if (opts.resume && !ckpt) emit({ type: 'log', level: 'warn', message: 'no checkpoint to resume from; starting from the beginning' });
    if (ckpt) {
      net.params.forEach((v, k) => {
        const saved = ckpt.tensors[`param/${k}`];
        if (!saved) throw new Error(`checkpoint has no parameter "${k}": it was written by a different model; start the run afresh without --resume`);
        v.assign(tf.tensor(saved.data, saved.shape));
      });
      const moments: Record<string, tf.Tensor> = {};
      for (const [k, s] of Object.entries(ckpt.tensors)) if (k.startsWith('opt/')) moments[k.slice(4)] = tf.tensor(s.data, s.shape);
      optimizer.restore(ckpt.state.optimizer as { t: number }, moments);
      Object.values(moments).forEach((m) => m.dispose());
      startEpoch = ckpt.epoch;
      startStep = Number(ckpt.state.step ?? 0);
      globalStep = ckpt.globalStep;
      emit({ type: 'log', level: 'info', message: `resumed at epoch ${startEpoch + 1}, step ${startStep} (global step ${globalStep})` });
    }

    const save = (epoch: number, step: number) => {
      if (!opts.checkpoints) return;
      const tensors: Checkpoint['tensors'] = {};
      toCheckpointTensors(net.params, 'param/', tensors);
      toCheckpointTensors(optimizer.stateTensors(), 'opt/', tensors);
      opts.checkpoints.saveCheckpoint({ epoch, globalStep, tensors, state: { step, optimizer: optimizer.stateJson() } });
      emit({ type: 'checkpoint', epoch, globalStep, path: 'checkpoint' });
    };

    const started = Date.now();
    let cancelled = false;
    let lastEval: { loss: number; accuracy: number; globalStep: number } | null = null;
    const vars = Array.from(net.params.values());
    for (let epoch = startEpoch; epoch < t.epochs && !cancelled; epoch++) {
      const epochStart = Date.now();
      const batches = new BatchIterator(train, {
        batchSize: t.batchSize, seed, epoch, dropLast: t.dropLast,
        augment: data.augment, mean: data.mean, std: data.std,
      });
      let lossSum = 0;
      let lossCount = 0;
      for (let step = epoch === startEpoch ? startStep : 0; step < batches.numBatches; step++) {
        if (signal?.aborted) {
          save(epoch, step); // keep every finished step: resume continues exactly here
          cancelled = true;
          break;
        }
        const b = batches.batch(step);
        const lossValue = tf.tidy(() => {
          const x = tf.tensor4d(b.x.subarray(0, b.size * train.height * train.width * train.channels), [b.size, train.height, train.width, train.channels]);
          const y = tf.tensor1d(b.y.subarray(0, b.size), 'int32');
          const { value, grads } = tf.variableGrads(() => crossEntropy(net.apply(x), y), vars);
          optimizer.step(net.params, grads);
          return value.dataSync()[0]!;
        });
        if (!Number.isFinite(lossValue)) throw new Error(`training diverged: loss is ${lossValue} at epoch ${epoch + 1}, step ${step + 1}; lower training.lr`);
        globalStep += 1;
        lossSum += lossValue;
        lossCount += 1;
        emit({ type: 'step', epoch, step, globalStep, stepsPerEpoch: batches.numBatches, loss: lossValue });
        if (t.evalEvery > 0 && globalStep % t.evalEvery === 0) {
          const ev = evaluate(net.apply, data.test, data);
          emit({ type: 'eval', epoch, globalStep, testLoss: ev.loss, testAccuracy: ev.accuracy });
        }
        // Yield to the event loop now and then so Ctrl-C and messages are seen promptly.
        if (step % 8 === 7) await new Promise((r) => setImmediate(r));
      }
      if (cancelled) break;
      const ev = evaluate(net.apply, data.test, data);
      lastEval = { ...ev, globalStep };
      const seconds = (Date.now() - epochStart) / 1000;
      epochSeconds.push(seconds);
      emit({ type: 'eval', epoch, globalStep, testLoss: ev.loss, testAccuracy: ev.accuracy });
      emit({ type: 'epoch', epoch, trainLoss: lossCount ? lossSum / lossCount : NaN, seconds });
      save(epoch + 1, 0);
    }

    const final = cancelled ? null : lastEval?.globalStep === globalStep ? lastEval : evaluate(net.apply, data.test, data);
    const status = cancelled ? 'cancelled' : 'finished';
    emit({ type: 'done', status, testAccuracy: final?.accuracy ?? null, testLoss: final?.loss ?? null, seconds: (Date.now() - started) / 1000 });
    return { status, testAccuracy: final?.accuracy ?? null, testLoss: final?.loss ?? null, weights: snapshot(net), epochSeconds };
  } finally {
    net.dispose();
    optimizer.dispose();
  }
}
