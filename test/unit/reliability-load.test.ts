// Load (issue 8 §3): a sweep of 50 short MNIST runs, two at a time in worker threads, with an experiment
// panel's host side open and fed every event. The host's memory must stay flat from run to run and every
// result must be there at the end; reliability-tensors.test.ts checks the TF.js tensor count (a worker's
// tensors die with its thread, so they are counted where runs share one backend). The numbers are printed
// as test diagnostics (docs/reliability.md quotes a run of them). Not covered here: the page's drawing
// under load (npm run bench:panel streams 50,000 points into the real page).
import './stubs/register-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type * as vscode from 'vscode';
import { parseExperiment } from '../../src/core/experiment/validate';
import { ResultsStore } from '../../src/core/results/store';
import type { RunRecord } from '../../src/core/results/types';
import { planSweep } from '../../src/core/sweep/plan';
import { type ExecuteJob, runSweep } from '../../src/core/sweep/runSweep';
import { workerExecutor } from '../../src/core/workerExecutor';
import { ExperimentPanel } from '../../src/extension/panel/experimentPanel';
import type { PanelView, ToPanel } from '../../src/shared/protocol';
import { scratch } from './helpers';
import { StubWebviewPanel, window } from './stubs/vscode';

const WORKER = resolve('dist/worker.js');
const skip = existsSync(WORKER) ? false : 'dist/ is not built: run `npm run build`';
const { root: dir, fresh } = scratch('imlp-rel-load-');
const RUNS = 50;
// A full GC before each heap reading, so the numbers are what the host still holds.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MiB = 2 ** 20;

/** One run per seed: 256 training images, 4 steps, 100 test images. */
const configOf = (name: string, seeds: number) => parseExperiment(JSON.stringify({
  name, dataset: { name: 'mnist', trainSubset: 256, testSubset: 100 }, model: { kind: 'mlp', hidden: [32] },
  training: { epochs: 1, batchSize: 64, lr: 0.001, seeds: Array.from({ length: seeds }, (_, i) => i) }, backend: 'wasm',
}), join(dir, `${name}.imlp.json`));

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const mib = (x: number) => `${(x / MiB).toFixed(0)} MiB`;

test('a sweep of 50 runs on 2 worker threads with the panel\'s host side fed every event: every result present, host memory flat', { skip }, async (t) => {
  const config = configOf('load', RUNS);
  const root = fresh();
  const store = new ResultsStore(root);
  const sweepId = planSweep(config).sweepId;

  // The panel as the extension host holds it: the webview is a stub that keeps only the last message.
  const page = new StubWebviewPanel('imlp.panel', {});
  const panel = new ExperimentPanel(page as unknown as vscode.WebviewPanel, { kind: 'sweeps', root, sweepIds: [sweepId] }, '<html></html>', {
    log: window.createOutputChannel('load') as unknown as vscode.LogOutputChannel,
    rootOf: () => root, summaries: (r) => new ResultsStore(r).listRuns(), reread: () => panel.refresh(),
    isAlive: () => true, trainsHere: () => true, pickSweeps: async () => [],
  });
  page.receive({ type: 'ready' });
  let lastView: PanelView | undefined;
  let posted = 0;
  const drain = () => {
    for (const m of page.posted.splice(0) as ToPanel[]) {
      posted++;
      if (m.type === 'view') lastView = m.view;
    }
  };

  const inner = workerExecutor(WORKER);
  const rss: number[] = [];
  const heap: number[] = [];
  let events = 0;
  const execute: ExecuteJob = async (job, signal, onEvent) => {
    const record = await inner(job, signal, onEvent);
    panel.refresh();
    drain();
    gc();
    heap.push(process.memoryUsage().heapUsed);
    rss.push(process.memoryUsage().rss);
    return record;
  };
  let outcome;
  try {
    outcome = await runSweep({
      config, store, execute, parallel: 2, signal: undefined,
      onEvent: (event, runId) => {
        events++;
        panel.onTrainEvent({ root, runId, event });
      },
    });
    await new Promise((r) => setTimeout(r, 250)); // the panel's batched append (200 ms) goes out
    drain();
  } finally {
    panel.dispose();
  }

  // Every result is there: returned, on disk with a final event, and in the panel.
  assert.equal(outcome.records.length, RUNS);
  assert.deepEqual(outcome.records.map((r: RunRecord) => r.status), Array(RUNS).fill('finished'));
  const listed = store.listRuns();
  assert.equal(listed.length, RUNS);
  assert.ok(listed.every((s) => !s.damaged && s.record.status === 'finished' && s.record.result !== undefined));
  for (const s of listed) {
    const read = store.readMetrics(s.id);
    assert.equal(read.badLines + Number(read.truncatedLastLine), 0);
    assert.equal(read.events.filter((e) => e.type === 'done').length, 1, `${s.id} has its final event`);
  }
  assert.ok(lastView);
  assert.equal(lastView.runs.length, RUNS);
  assert.equal(lastView.state, 'finished');
  assert.ok(lastView.runs.every((r) => r.status === 'finished'));

  // Flat, compared between runs 6–15 (the first ones warm up) and the last 10. The host's JS heap after a
  // full GC is exact: anything the host keeps per run (events, views, records) shows there. RSS also
  // counts native memory (a worker thread's wasm heap, ~100 MiB, were one never freed) but each sample
  // includes the other worker somewhere in its run, so the windows' minimums are compared, coarsely.
  const windows = (xs: number[]) => ({ early: xs.slice(5, 15), late: xs.slice(-10) });
  const h = windows(heap);
  const r = windows(rss);
  t.diagnostic(`${events} events, ${posted} panel messages; host heap after GC: runs 6–15 mean ${mib(mean(h.early))}, last 10 mean ${mib(mean(h.late))}, max ${mib(Math.max(...heap))}; `
    + `host RSS after run 1 ${mib(rss[0]!)}, runs 6–15 min ${mib(Math.min(...r.early))} mean ${mib(mean(r.early))}, last 10 min ${mib(Math.min(...r.late))} mean ${mib(mean(r.late))}, max ${mib(Math.max(...rss))}`);
  assert.ok(mean(h.late) - mean(h.early) < 8 * MiB, `host heap grew by ${mib(mean(h.late) - mean(h.early))}`);
  assert.ok(Math.min(...r.late) - Math.min(...r.early) < 128 * MiB, `host RSS grew by ${mib(Math.min(...r.late) - Math.min(...r.early))}`);
});
