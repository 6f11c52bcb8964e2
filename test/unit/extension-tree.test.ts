// The Runs view from a results folder: experiments → sweeps → runs, statuses, labels, icons, damaged
// runs with their reason, and the tree provider's items.
import './stubs/register-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ResultsStore } from '../../src/core/results/store';
import { planSweep } from '../../src/core/sweep/plan';
import { activate } from '../../src/extension/extension';
import { type RunContext, duration, groupRuns, lastResult, runView } from '../../src/extension/runsModel';
import { stub } from './stubs/vscode';
import { addDamagedRun, addRun, tempDir, writeExperiment } from './stubs/runs';

const dir = tempDir();
const root = join(dir, '.imlp');
const store = new ResultsStore(root);
const imlp = writeExperiment(dir, 'cnn-prior', {
  dataset: { name: 'mnist', trainSubset: 5000 }, model: { kind: 'imlp' }, prior: { preset: 'cnn-tiny', training: { epochs: 5 } },
  interpolation: { alpha: [0, 0.5, 1] }, training: { epochs: 2, seeds: [0, 1] },
});
const quick = writeExperiment(dir, 'quick', { model: { kind: 'mlp', hidden: [64] }, training: { epochs: 1, seeds: [0] } });
const sweepId = planSweep(imlp.config).sweepId;
const common = { config: imlp.config, sweepId, experimentFile: imlp.file };
const finished = [
  addRun(store, { ...common, seed: 0, alpha: 0.5, status: 'finished', accuracy: 0.9123, seconds: 75 }),
  addRun(store, { ...common, seed: 1, alpha: 0.5, status: 'finished', accuracy: 0.9177, seconds: 80 }),
  addRun(store, { ...common, seed: 0, role: 'plain-mlp', status: 'finished', accuracy: 0.88 }),
];
const failed = addRun(store, { ...common, seed: 0, alpha: 1, status: 'failed', error: 'out of memory in the training worker' });
const interrupted = addRun(store, { ...common, seed: 1, alpha: 1, status: 'running', pid: 999_999_999 });
const live = addRun(store, { ...common, seed: 0, alpha: 0, status: 'running', pid: process.pid });
const cancelled = addRun(store, { ...common, seed: 1, alpha: 0, status: 'cancelled' });
const quickRun = addRun(store, { config: quick.config, seed: 0, experimentFile: quick.file, status: 'finished', accuracy: 0.9623, seconds: 9.5 });
addDamagedRun(store, '20260101-000000-broken-s0-ab12');

const ctx: RunContext = {
  isAlive: (r) => r.pid === process.pid,
  live: (id) => (id === live.id ? { epoch: 1, epochs: 2, step: 3, stepsPerEpoch: 40, globalStep: 44, totalSteps: 80, loss: 0.2 } : undefined),
};

test('statuses, labels and icons of runs', () => {
  const summaries = store.listRuns();
  const view = (id: string) => runView(summaries.find((s) => s.id === id)!, root, ctx);
  const ok = view(finished[0]!.id);
  assert.equal(ok.status, 'finished');
  assert.equal(ok.label, 'α = 0.5 · seed 0 · finished 91.23%');
  assert.equal(ok.description, `1 min 15 s · wasm · ${finished[0]!.id}`);
  assert.deepEqual(ok.icon, { id: 'pass', color: 'testing.iconPassed' });
  assert.equal(ok.contextValue, 'imlpRun.finished');
  assert.match(ok.tooltip, /test accuracy: 91\.23%/);

  const bad = view(failed.id);
  assert.equal(bad.label, 'α = 1 · seed 0 · failed');
  assert.equal(bad.icon.id, 'error');
  assert.equal(bad.contextValue, 'imlpRun.failed.resumable');
  assert.match(bad.tooltip, /failed — out of memory in the training worker/);

  const gone = view(interrupted.id);
  assert.equal(gone.status, 'interrupted', 'marked running, but its process is gone');
  assert.equal(gone.label, 'α = 1 · seed 1 · interrupted at epoch 1/2');
  assert.equal(gone.icon.id, 'debug-pause');
  assert.equal(gone.contextValue, 'imlpRun.interrupted.resumable');

  const training = view(live.id);
  assert.equal(training.status, 'running');
  assert.equal(training.label, 'α = 0 · seed 0 · running epoch 2/2 · 55%');
  assert.equal(training.icon.id, 'loading~spin');
  assert.equal(training.contextValue, 'imlpRun.running');

  assert.equal(view(cancelled.id).contextValue, 'imlpRun.cancelled.resumable');
  assert.equal(view(finished[2]!.id).label, 'plain MLP · seed 0 · finished 88.00%');
  assert.equal(view(quickRun.id).label, 'seed 0 · finished 96.23%');

  const damaged = view('20260101-000000-broken-s0-ab12');
  assert.equal(damaged.status, 'damaged');
  assert.equal(damaged.label, '20260101-000000-broken-s0-ab12 · damaged');
  assert.match(damaged.description, /run\.json/);
  assert.match(damaged.tooltip, /Damaged run/);
  assert.equal(damaged.icon.id, 'warning');
  assert.equal(damaged.contextValue, 'imlpRun.damaged');
});

test('grouping: experiments (newest first) → sweeps → runs sorted by role, α, seed; damaged runs last', () => {
  const tree = groupRuns(store.listRuns(), root, ctx);
  assert.deepEqual(tree.map((e) => e.label), ['quick', 'cnn-prior', 'Damaged runs']);
  const exp = tree[1]!;
  assert.equal(exp.file, imlp.file);
  assert.equal(exp.description, 'cnn-prior.imlp.json · 7 runs');
  assert.equal(exp.sweeps.length, 1);
  const sweep = exp.sweeps[0]!;
  assert.equal(sweep.sweepId, sweepId);
  assert.equal(sweep.sweepKind, 'imlp');
  assert.equal(sweep.label, `α sweep ${sweepId.slice('cnn-prior-'.length)}`);
  assert.match(sweep.description, /^3\/8 finished · 1 running · 1 failed · best 91\.50% ± [\d.]+ at α = 0\.5$/);
  assert.equal(sweep.contextValue, 'imlpSweep.imlp.running');
  assert.deepEqual(sweep.runs.map((r) => r.label.split(' · ').slice(0, 2).join(' · ')), [
    'plain MLP · seed 0', 'α = 0 · seed 0', 'α = 0 · seed 1', 'α = 0.5 · seed 0', 'α = 0.5 · seed 1', 'α = 1 · seed 0', 'α = 1 · seed 1',
  ]);
  const damaged = tree[2]!;
  assert.equal(damaged.sweeps[0]!.label, 'Damaged runs');
  assert.equal(damaged.sweeps[0]!.runs[0]!.status, 'damaged');
});

test('the last result of an experiment, for its code lens', () => {
  const records = store.listRuns().flatMap((s) => (s.damaged ? [] : [s.record]));
  const sweep = lastResult(records, imlp.file, 'cnn-prior', ctx)!;
  assert.match(sweep.title, /^Best: 91\.50% ± [\d.]+ at α = 0\.5 · 3\/8 done, 1 running$/);
  assert.equal(sweep.sweepId, sweepId);
  const single = lastResult(records, quick.file, 'quick', ctx)!;
  assert.equal(single.title, 'Last: 96.23%');
  assert.equal(lastResult(records, join(dir, 'other.imlp.json'), 'other', ctx), undefined);
});

test('durations', () => {
  assert.equal(duration(9.5), '9.5 s');
  assert.equal(duration(42), '42 s');
  assert.equal(duration(75), '1 min 15 s');
  assert.equal(duration(3725), '1 h 2 min');
  assert.equal(duration(undefined), undefined);
});

test('the tree provider: items with ids, icons, context values and a click that shows the run; live refresh from the results folder', async () => {
  stub.reset();
  stub.folders.push({ uri: vscode.Uri.file(dir), name: 'ws', index: 0 });
  activate({ subscriptions: [], extensionPath: process.cwd() } as unknown as vscode.ExtensionContext);
  const provider = stub.treeProviders.get('imlp.runs');
  const experiments = provider.getChildren();
  assert.deepEqual(experiments.map((e: { label: string }) => e.label), ['quick', 'cnn-prior', 'Damaged runs']);
  const expItem = provider.getTreeItem(experiments[1]) as vscode.TreeItem;
  assert.equal(expItem.contextValue, 'imlpExperiment.file');
  const sweep = provider.getChildren(experiments[1])[0];
  const runs = provider.getChildren(sweep);
  const item = provider.getTreeItem(runs[3]) as vscode.TreeItem;
  assert.equal(item.label, 'α = 0.5 · seed 0 · finished 91.23%');
  assert.equal((item.iconPath as vscode.ThemeIcon).id, 'pass');
  assert.deepEqual((item.command as vscode.Command).command, 'imlp.showRun');
  assert.equal(item.id, `run:${root}|${finished[0]!.id}`);
  assert.equal(provider.getParent(runs[3]), sweep);

  // A run written by someone else (the CLI) appears after the watcher fires.
  const watcher = stub.watchers.find((w) => String((w.pattern as vscode.RelativePattern).pattern).endsWith('runs/*/run.json'))!;
  assert.equal((watcher.pattern as vscode.RelativePattern).pattern, '.imlp/runs/*/run.json');
  const newer = addRun(store, { config: quick.config, seed: 7, experimentFile: quick.file, status: 'finished', accuracy: 0.95 });
  let changed = false;
  const sub = provider.onDidChangeTreeData(() => (changed = true));
  watcher.create.fire(vscode.Uri.file(join(root, 'runs', newer.id, 'run.json')));
  for (let i = 0; i < 50 && !changed; i++) await new Promise((r) => setTimeout(r, 20));
  sub.dispose();
  assert.ok(changed, 'the view refreshed');
  const quickRuns = provider.getChildren(provider.getChildren(provider.getChildren()[0])[0]);
  assert.ok(quickRuns.some((r: { id: string }) => r.id === newer.id));
});
