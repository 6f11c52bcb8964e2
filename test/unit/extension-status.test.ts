// The status-bar text of a training run: epoch, step, loss, ETA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtaTracker, formatEta, formatLoss, startingText, statusText } from '../../src/extension/statusText';

const step = (epoch: number, s: number, globalStep: number, loss = 0.2311) => ({ type: 'step' as const, epoch, step: s, globalStep, stepsPerEpoch: 469, loss });

test('the status text: "$(beaker) I-MLP epoch 1/2 · step 120/469 · loss 0.231 · ETA 0:42"', () => {
  const p = { epoch: 0, epochs: 2, step: 119, stepsPerEpoch: 469, globalStep: 120, totalSteps: 938, loss: 0.2311, eta: 42 };
  assert.equal(statusText(p), '$(beaker) I-MLP epoch 1/2 · step 120/469 · loss 0.231 · ETA 0:42');
  assert.equal(statusText(p, { run: 3, runs: 27 }), '$(beaker) I-MLP epoch 1/2 · step 120/469 · loss 0.231 · ETA 0:42 · run 3/27');
  assert.equal(statusText(p, { run: 1, runs: 1, others: 2 }), '$(beaker) I-MLP epoch 1/2 · step 120/469 · loss 0.231 · ETA 0:42 (+2 more)');
  assert.equal(statusText({ ...p, eta: undefined }), '$(beaker) I-MLP epoch 1/2 · step 120/469 · loss 0.231 · ETA …');
  assert.equal(startingText('α = 0.1 · seed 0'), '$(loading~spin) I-MLP starting α = 0.1 · seed 0…');
});

test('ETA and loss formats', () => {
  assert.equal(formatEta(0), '0:00');
  assert.equal(formatEta(42.4), '0:42');
  assert.equal(formatEta(725), '12:05');
  assert.equal(formatEta(3723), '1:02:03');
  assert.equal(formatLoss(0.23111), '0.231');
  assert.equal(formatLoss(2.5), '2.500');
  assert.equal(formatLoss(0.00012), '1.20e-4');
  assert.equal(formatLoss(Number.NaN), 'NaN');
});

test('the ETA comes from the pace since the run (re)started, once a few steps are done', () => {
  let now = 1_000_000;
  const eta = new EtaTracker(2, () => now);
  // Resumed at global step 100 of 938.
  assert.equal(eta.update(step(0, 100, 101)).eta, undefined);
  now += 1000;
  assert.equal(eta.update(step(0, 101, 102)).eta, undefined, 'not before 3 steps');
  now += 1000;
  const p = eta.update(step(0, 102, 103));
  assert.equal(p.totalSteps, 938);
  assert.equal(p.globalStep, 103);
  // 3 steps (101..103) in 2 s: (938 − 103) × 2 / 3 s left.
  assert.ok(Math.abs(p.eta! - (835 * 2) / 3) < 1e-9);
  assert.equal(statusText(p), '$(beaker) I-MLP epoch 1/2 · step 103/469 · loss 0.231 · ETA 9:17');
});
