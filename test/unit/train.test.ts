// Real training on real MNIST with the default (wasm) backend: the accuracies one expects of a
// plain MLP and a small CNN, and cancel/resume giving bit-identical weights.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { loadDataset } from '../../src/core/data';
import type { LoadedDataset } from '../../src/core/data';
import { parseExperiment } from '../../src/core/experiment/validate';
import type { Checkpoint } from '../../src/core/results/types';
import { train } from '../../src/core/train/trainer';
import type { TrainEvent } from '../../src/core/train/events';

let mnist: LoadedDataset;
before(async () => {
  await initBackend('wasm');
  mnist = await loadDataset({ name: 'mnist', resize32: false, augment: { crop: 0, flip: false } });
});

const config = (body: Record<string, unknown>) => parseExperiment(JSON.stringify({ name: 't', ...body }), 't.imlp.json');

test('a plain MLP on MNIST reaches ≥ 95% test accuracy in one epoch', async () => {
  const cfg = config({ dataset: 'mnist', model: { kind: 'mlp', hidden: [256] }, training: { epochs: 1, batchSize: 128, lr: 1e-3 } });
  const events: TrainEvent[] = [];
  const r = await train({ config: cfg, seed: 0, data: mnist, emit: (e) => events.push(e) });
  assert.equal(r.status, 'finished');
  assert.ok(r.testAccuracy! >= 0.95, `MLP test accuracy ${r.testAccuracy}`);
  assert.equal(events.filter((e) => e.type === 'step').length, Math.ceil(60000 / 128));
  const losses = events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
  assert.ok(losses.at(-1)! < losses[0]! / 3, 'the loss falls');
  console.log(`MLP 784-256-10, 1 epoch: test accuracy ${(100 * r.testAccuracy!).toFixed(2)}%`);
});

test('a small CNN (strided convs, flatten, linear head) reaches ≥ 97% within two epochs', async () => {
  const cfg = config({ dataset: 'mnist', model: { kind: 'cnn', preset: 'cnn-small' }, training: { epochs: 2, batchSize: 128, lr: 1e-3 } });
  const evals: number[] = [];
  const r = await train({ config: cfg, seed: 0, data: mnist, emit: (e) => { if (e.type === 'eval') evals.push(e.testAccuracy); } });
  assert.ok(r.testAccuracy! >= 0.97, `CNN test accuracy ${r.testAccuracy}`);
  assert.equal(evals.length, 2);
  console.log(`cnn-small, 2 epochs: test accuracy per epoch ${evals.map((a) => (100 * a).toFixed(2) + '%').join(', ')}`);
});

test('cancel at a step boundary, then resume: bit-identical final weights and no tensor leak', async () => {
  const cfg = config({ dataset: { name: 'mnist', trainSubset: 3000, testSubset: 500 }, model: { kind: 'cnn', preset: 'cnn-tiny' }, training: { epochs: 2, batchSize: 100, lr: 1e-3 } });
  const sub = await loadDataset(cfg.dataset);
  const before = tf.memory().numTensors;
  const reference = await train({ config: cfg, seed: 7, data: sub, emit: () => undefined });
  assert.equal(tf.memory().numTensors, before, 'no tensors leak from a run');

  let saved: Checkpoint | null = null;
  const store = { saveCheckpoint: (c: Checkpoint) => { saved = structuredClone(c); }, loadCheckpoint: () => saved };
  const controller = new AbortController();
  const first = await train({
    config: cfg, seed: 7, data: sub, checkpoints: store, signal: controller.signal,
    emit: (e) => { if (e.type === 'step' && e.globalStep === 45) controller.abort(); },
  });
  assert.equal(first.status, 'cancelled');
  assert.equal(first.testAccuracy, null);
  assert.equal(saved!.epoch, 1);
  assert.equal(saved!.globalStep, 45);
  assert.equal((saved!.state as { step: number }).step, 15);

  const steps: number[] = [];
  const resumed = await train({ config: cfg, seed: 7, data: sub, checkpoints: store, resume: true, emit: (e) => { if (e.type === 'step') steps.push(e.globalStep); } });
  assert.equal(resumed.status, 'finished');
  assert.equal(steps[0], 46, 'resume continues with the next step');
  assert.equal(resumed.testAccuracy, reference.testAccuracy);
  for (const [name, w] of reference.weights) assert.deepEqual(resumed.weights.get(name), w, `parameter ${name}`);
});
