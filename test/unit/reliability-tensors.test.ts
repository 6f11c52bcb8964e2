// The TF.js tensor count across runs that share one backend (issue 8 §3): runs one after another in
// this process, as `imlp sweep` without --parallel trains them and as each worker runs its job
// (src/core/run.ts executeJob). A tensor left behind by a run would show as a count that grows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { localExecutor } from '../../src/core/executor';
import { parseExperiment } from '../../src/core/experiment/validate';
import { ResultsStore } from '../../src/core/results/store';
import { type ExecuteJob, runSweep } from '../../src/core/sweep/runSweep';
import { scratch } from './helpers';

const { root: dir, fresh } = scratch('imlp-rel-tensors-');
const MiB = 2 ** 20;
const mib = (x: number) => `${(x / MiB).toFixed(0)} MiB`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('runs one after another in one process (shared TF.js backend): the tensor count returns to the same value after every run', async (t) => {
  const config = parseExperiment(JSON.stringify({
    name: 'inproc', dataset: { name: 'mnist', trainSubset: 256, testSubset: 100 }, model: { kind: 'mlp', hidden: [32] },
    training: { epochs: 1, batchSize: 64, lr: 0.001, seeds: Array.from({ length: 12 }, (_, i) => i) }, backend: 'wasm',
  }), join(dir, 'inproc.imlp.json'));
  const root = fresh();
  const store = new ResultsStore(root);
  const local = localExecutor();
  const tensors: number[] = [];
  const bytes: number[] = [];
  const rss: number[] = [];
  const execute: ExecuteJob = async (job, signal, onEvent) => {
    const record = await local(job, signal, onEvent);
    const m = tf.memory();
    tensors.push(m.numTensors);
    bytes.push(m.numBytes);
    rss.push(process.memoryUsage().rss);
    return record;
  };
  let peak = 0; // while a run trains, so the count is known to be this engine's
  const onEvent = () => (peak = Math.max(peak, tf.memory().numTensors));
  const outcome = await runSweep({ config, store, execute, parallel: 1, signal: undefined, onEvent });
  assert.equal(tf.getBackend(), 'wasm');
  assert.ok(peak > 0, 'tensors were counted while runs trained');
  assert.deepEqual(outcome.records.map((r) => r.status), Array(12).fill('finished'));
  t.diagnostic(`peak ${peak} tensors while training; tf.memory() after each run: tensors ${tensors.join(' ')}; bytes ${bytes.join(' ')}; RSS ${rss.map(mib).join(' ')}`);
  assert.deepEqual(tensors, Array(12).fill(tensors[0]), 'no tensor outlives its run');
  assert.deepEqual(bytes, Array(12).fill(bytes[0]));
  assert.ok(mean(rss.slice(-4)) - mean(rss.slice(2, 6)) < 64 * MiB, 'RSS flat');
});
