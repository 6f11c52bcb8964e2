// The OpenBLAS addon's one-pass updates on the wasm heap (native/blas) against the tfjs ops they replace:
// Adam (blasAdam) step after step with gradients of every sign and size, also training a CNN whose convs
// XNNPACK runs (it caches packed weights by tensor), and the sync's pull (blasLerp) for α from 0 to 1: the
// same bits; and the cases where they must not write in place. Skipped where the addon is not built (npm run build:native; npm test's setup builds it).
import { before, test } from 'node:test';
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import type { OptimizerConfig } from '../../src/core/experiment/types';
import { mulberry32 } from '../../src/core/random';
import { blasAdam, blasLerp } from '../../src/core/backend/blas';
import { blasAddonPath } from '../../src/core/backend/openblasEnv';
import { buildNetwork, resolveLayers } from '../../src/core/models/network';
import { presetLayers } from '../../src/core/models/presets';
import { optimiserStep } from '../../src/core/train/learner';
import { makeOptimizer } from '../../src/core/train/optimizer';

const ADDON = blasAddonPath();
const needsAddon = ADDON !== undefined && existsSync(ADDON) ? {} : { skip: 'the OpenBLAS addon is not built (npm run build:native; needs libopenblas-dev)' };

/** Calls of the addon's functions: the test's require returns the module object blas.ts calls through. */
const calls = { adam: 0, lerp: 0 };
if (!('skip' in needsAddon)) {
  const addon = require(ADDON!) as Record<keyof typeof calls, (...args: unknown[]) => void>;
  for (const name of ['adam', 'lerp'] as const) {
    const original = addon[name];
    addon[name] = (...args) => {
      calls[name]++;
      original(...args);
    };
  }
}

before(async () => { if (!('skip' in needsAddon)) await initBackend('wasm', undefined, { blas: 'on' }); });

const ADAM: OptimizerConfig = { name: 'adam', lr: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
const rng = mulberry32(11);
/** Values from ±1e-6 to ±1e2 and exact zeros, so rounding, tiny moments and ε all matter. */
const spread = (n: number) => Float32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 0 : (rng() - 0.5) * 10 ** (Math.floor(rng() * 9) - 6)));
const bytes = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer);

function twin(shape: number[]): [Map<string, tf.Variable>, Map<string, tf.Variable>] {
  const init = spread(shape.reduce((a, b) => a * b, 1));
  return [new Map([['w', tf.variable(tf.tensor(init, shape))]]), new Map([['w', tf.variable(tf.tensor(init, shape))]])];
}

test('one-pass Adam equals Adam op by op bit for bit over 25 steps (weights and both moments)', needsAddon, () => {
  const [a, b] = twin([257, 63]);
  const inPlace = makeOptimizer(ADAM);
  const ops = makeOptimizer(ADAM, { inPlace: false });
  let wrote = 0;
  for (let step = 0; step < 25; step++) {
    const g = tf.tensor(spread(257 * 63), [257, 63]);
    const before = bytes(a.get('w')!);
    tf.tidy(() => inPlace.step(a, { [a.get('w')!.name]: g }));
    tf.tidy(() => ops.step(b, { [b.get('w')!.name]: g }));
    g.dispose();
    if (step > 0) wrote += before.equals(bytes(a.get('w')!)) ? 0 : 1;
    assert.ok(bytes(a.get('w')!).equals(bytes(b.get('w')!)), `weights differ after step ${step + 1}`);
    for (const k of ['w/m', 'w/v']) assert.ok(bytes(inPlace.stateTensors().get(k)!).equals(bytes(ops.stateTensors().get(k)!)), `${k} differs after step ${step + 1}`);
  }
  assert.equal(wrote, 24, 'every step after the first changed the weights');
  // The first step makes the moments (shared with their zeros until the step ends), so it runs op by op.
  assert.equal(calls.adam, 24, 'steps 2–25 ran in place');
  [inPlace, ops].forEach((o) => o.dispose());
  [a, b].forEach((m) => m.forEach((v) => v.dispose()));
});

test('only where it is safe: a moment sharing its buffer, the accelerator off, the cpu backend, mismatched sizes are left to the ops', needsAddon, async () => {
  const k = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, lr: 1e-3 };
  const fresh = (n: number) => tf.tidy(() => tf.variable(tf.tensor1d(spread(n)))); // the variable alone owns its buffer
  const [w, m, v] = [fresh(64), fresh(64), fresh(64)];
  const g = tf.tensor1d(spread(64));

  const shared = tf.reshape(m, [8, 8]); // a reshape shares m's buffer (tf.clone copies on wasm)
  const kept = [bytes(w), bytes(shared)];
  assert.equal(blasAdam(w, m, v, g, k, 0.1, 0.001), false, 'm shares its buffer');
  assert.ok(bytes(w).equals(kept[0]!) && bytes(shared).equals(kept[1]!), 'nothing changed');
  shared.dispose();
  const oldWeights = tf.reshape(w, [64]); // holds w's old buffer: w gets a new one, this keeps the old values
  assert.equal(blasAdam(w, m, v, g, k, 0.1, 0.001), true);
  assert.ok(!bytes(w).equals(kept[0]!), 'w updated once m owns its buffer');
  assert.ok(bytes(oldWeights).equals(kept[0]!), 'the old weights are untouched');
  oldWeights.dispose();

  const short = tf.tensor1d(spread(63));
  assert.equal(blasAdam(w, m, v, short, k, 0.1, 0.001), false, 'sizes differ');

  const unchanged = bytes(w);
  await initBackend('wasm', undefined, { blas: 'off' });
  assert.equal(blasAdam(w, m, v, g, k, 0.1, 0.001), false, 'the accelerator is off');
  await initBackend('cpu');
  try {
    const [wc, mc, vc] = [fresh(8), fresh(8), fresh(8)];
    const gc = tf.tensor1d(spread(8));
    assert.equal(blasAdam(wc, mc, vc, gc, k, 0.1, 0.001), false, 'the cpu backend');
    tf.dispose([wc, mc, vc, gc]);
  } finally {
    await initBackend('wasm', undefined, { blas: 'on' });
  }
  assert.ok(bytes(w).equals(unchanged));
  tf.dispose([w, m, v, g, short]);
});

test('a CNN trained with the one-pass Adam takes the same steps as with the ops (XNNPACK\'s packed-weight cache sees new weights)', needsAddon, () => {
  const layers = resolveLayers(presetLayers('cnn-tiny')!, [28, 28, 1], 10, 'prior.layers');
  const [a, b] = [buildNetwork(layers, 3), buildNetwork(layers, 3)];
  const [oa, ob] = [makeOptimizer(ADAM), makeOptimizer(ADAM, { inPlace: false })];
  const x = tf.tensor4d(spread(20 * 28 * 28), [20, 28, 28, 1]);
  const y = tf.tensor1d(Array.from({ length: 20 }, (_, i) => i % 10), 'int32');
  const before = calls.adam;
  for (let step = 0; step < 5; step++) {
    assert.equal(optimiserStep(oa, a.params, a.apply, x, y), optimiserStep(ob, b.params, b.apply, x, y), `loss at step ${step + 1}`);
    for (const [n, v] of a.params) assert.ok(bytes(v).equals(bytes(b.params.get(n)!)), `${n} after step ${step + 1}`);
  }
  assert.equal(calls.adam - before, 4 * a.params.size, 'steps 2–5 ran through the addon');
  tf.dispose([x, y]);
  [oa, ob].forEach((o) => o.dispose());
  [a, b].forEach((n) => n.dispose());
});

test('the sync\'s pull in one pass equals (1 − α)·W + α·T op by op bit for bit, α from 0 to 1', needsAddon, () => {
  for (const alpha of [0, 1e-4, 0.3, 0.5, 0.999, 1]) {
    const init = spread(1000);
    const t = tf.tensor1d(spread(1000));
    const w = tf.tidy(() => tf.variable(tf.tensor1d(init)));
    const want = tf.tidy(() => tf.add(tf.mul(tf.tensor1d(init), 1 - alpha), tf.mul(t, alpha)));
    const before = calls.lerp;
    assert.equal(blasLerp(w, t, alpha), true);
    assert.equal(calls.lerp, before + 1);
    assert.ok(bytes(w).equals(bytes(want)), `α = ${alpha}`);
    if (alpha === 1) assert.ok(bytes(w).equals(bytes(t)), 'α = 1 gives exactly T');
    if (alpha === 0) assert.deepEqual(Array.from(w.dataSync()), Array.from(init), 'α = 0 keeps W');
    tf.dispose([t, w, want]);
  }
});
