// The co-trained reading through the real training loop: P steps on its own loss beside M, so at
// α = 1 (forward form) M's accuracy is exactly that of P trained alone with the same seed; the sync
// form records the accuracy just before and after the final sync.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/core/backend';
import { loadDataset } from '../../src/core/data';
import type { LoadedDataset } from '../../src/core/data';
import { parseExperiment } from '../../src/core/experiment/validate';
import { imlpLearner } from '../../src/core/method/learner';
import { priorConfig } from '../../src/core/sweep/runSweep';
import type { TrainEvent } from '../../src/core/train/events';
import { train, trainingSet } from '../../src/core/train/trainer';

let data: LoadedDataset;
const body = (interpolation: Record<string, unknown>) => ({
  name: 'cotrained',
  dataset: { name: 'mnist', trainSubset: 600, testSubset: 300 },
  model: { kind: 'imlp' },
  prior: { preset: 'cnn-tiny', source: 'co-trained' },
  interpolation,
  training: { epochs: 1, batchSize: 60, lr: 0.002 },
});

before(async () => {
  await initBackend('wasm');
  data = await loadDataset({ name: 'mnist', testSubset: 300, resize32: false, augment: { crop: 0, flip: false } });
});

test('co-trained, forward, α = 1: M reaches exactly the accuracy of the prior trained alone', async () => {
  const config = parseExperiment(JSON.stringify(body({ alpha: 1 })), 'c.imlp.json');
  const set = trainingSet(config, data, 3);
  const alphas: number[] = [];
  const events: TrainEvent[] = [];
  const m = await train({
    config, seed: 3, data, learner: imlpLearner({ config, seed: 3, alpha: 1, train: set }),
    emit: (e) => { events.push(e); if (e.type === 'step' && e.alpha !== undefined) alphas.push(e.alpha); },
  });
  const p = await train({ config: priorConfig(config, 'shared'), seed: 3, data, emit: () => undefined });
  assert.ok(p.testAccuracy! > 0.5, `the prior learns (${p.testAccuracy})`);
  assert.equal(m.testAccuracy, p.testAccuracy);
  assert.equal(alphas.length, 10);
  assert.ok(alphas.every((a) => a === 1));
  // P's own curves are reported beside M's (the panel draws both): its loss every step, its accuracy at each evaluation.
  const steps = events.filter((e) => e.type === 'step');
  assert.ok(steps.every((e) => e.type === 'step' && Number.isFinite(e.priorLoss)), 'every step reports the prior loss');
  const evals = events.filter((e) => e.type === 'eval');
  assert.equal(evals.length, 1);
  assert.equal(evals[0]!.type === 'eval' && evals[0]!.prior?.testAccuracy, p.testAccuracy);
});

test('co-trained, sync every 5 steps: syncs happen on schedule and both evaluations are recorded', async () => {
  const config = parseExperiment(JSON.stringify(body({ alpha: 0.5, mode: 'sync', syncEvery: 5, schedule: 'linear' })), 'c.imlp.json');
  const set = trainingSet(config, data, 1);
  const events: TrainEvent[] = [];
  const r = await train({ config, seed: 1, data, learner: imlpLearner({ config, seed: 1, alpha: 0.5, train: set }), emit: (e) => events.push(e) });
  const syncs = events.filter((e) => e.type === 'sync');
  assert.deepEqual(syncs.map((e) => e.globalStep), [5, 10]);
  // Linear schedule over 2 syncs: α0·(1 − k/2) for sync k = 0, 1.
  assert.deepEqual(syncs.map((e) => e.alpha), [0.5, 0.25]);
  assert.ok(r.beforeSync && r.afterSync, 'the last sync is bracketed by evaluations');
  assert.equal(r.testAccuracy, r.afterSync!.accuracy);
  const done = events.find((e) => e.type === 'done');
  assert.equal(done?.type === 'done' && done.testAccuracyBeforeSync, r.beforeSync!.accuracy);
});
