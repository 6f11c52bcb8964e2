// Code lenses on experiment files: titles, positions, planned run counts, α lenses, the last result.
import './stubs/register-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ResultsStore } from '../../src/core/results/store';
import { planSweep } from '../../src/core/sweep/plan';
import { experimentLenses, plannedRuns } from '../../src/extension/lensModel';
import { activate } from '../../src/extension/extension';
import { createDocument, stub } from './stubs/vscode';
import { addRun, tempDir, writeExperiment } from './stubs/runs';

const SAMPLE = `{
  "name": "lens-sample",
  "dataset": { "name": "mnist", "trainSubset": 5000 },
  "model": { "kind": "imlp" },
  "prior": { "preset": "cnn-tiny", "source": "frozen", "training": { "epochs": 5 } },
  "interpolation": { "alpha": [0, 0.1, 0.9, 1], "mode": "forward" },
  "training": { "epochs": 1, "seeds": [0, 1, 2] }
}
`;

const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length - 1;

test('top lenses: ▶ Run, Sweep α with the planned run count, Open panel, Open results, then the (lazy) last result', () => {
  const { lenses, config, problems } = experimentLenses(SAMPLE, '/w/lens-sample.imlp.json');
  assert.ok(config);
  assert.equal(problems, 0);
  const top = lenses.filter((l) => l.kind !== 'alpha');
  assert.deepEqual(top.map((l) => l.title), ['▶ Run', 'Sweep α (16 runs)', 'Open panel', 'Open results', '']);
  assert.deepEqual(top.map((l) => l.command), ['imlp.run', 'imlp.sweep', 'imlp.openPanel', 'imlp.openResults', undefined]);
  for (const l of top) assert.equal(lineOf(SAMPLE, l.offset), 0, `${l.kind} is on the first line`);
});

test('planned runs: the frozen prior + a plain MLP per seed + α × seeds; a plain model: one per seed', () => {
  const one = experimentLenses(SAMPLE, 'x.imlp.json').config!;
  assert.equal(plannedRuns(one), 1 + 3 + 4 * 3);
  const plain = experimentLenses('{"name": "q", "training": {"seeds": [0]}}', 'q.imlp.json');
  assert.equal(plain.lenses.find((l) => l.kind === 'sweep')!.title, 'Sweep α (1 run)');
  const grid = experimentLenses('{"name": "g", "model": {"kind": "imlp"}, "prior": {"preset": "cnn-tiny"}, "interpolation": {"alpha": {"grid": "two-sided-log"}}, "training": {"seeds": [0, 1, 2]}}', 'g.imlp.json');
  assert.equal(grid.lenses.find((l) => l.kind === 'sweep')!.title, `Sweep α (${1 + 3 + 17 * 3} runs)`);
  assert.equal(grid.lenses.filter((l) => l.kind === 'alpha').length, 0, 'a grid has no written α values');
});

test('α lenses sit on each number of interpolation.alpha and run just that α', () => {
  const alphas = experimentLenses(SAMPLE, 'x.imlp.json').lenses.filter((l) => l.kind === 'alpha');
  assert.deepEqual(alphas.map((l) => l.title), ['Run α = 0', 'Run α = 0.1', 'Run α = 0.9', 'Run α = 1']);
  assert.deepEqual(alphas.map((l) => SAMPLE.slice(l.offset, l.offset + l.length)), ['0', '0.1', '0.9', '1']);
  for (const l of alphas) {
    assert.equal(lineOf(SAMPLE, l.offset), 5);
    assert.equal(l.command, 'imlp.runAlpha');
  }
  assert.deepEqual(alphas.map((l) => l.args), [[0], [0.1], [0.9], [1]]);
  const scalar = experimentLenses('{"name": "s", "model": {"kind": "imlp"}, "prior": {"preset": "cnn-tiny"},\n "interpolation": {"alpha": 0.5}}', 's.imlp.json');
  assert.deepEqual(scalar.lenses.filter((l) => l.kind === 'alpha').map((l) => l.title), ['Run α = 0.5']);
});

test('an invalid file keeps Run and shows its problem count instead of the sweep size', () => {
  const { lenses, config, problems } = experimentLenses('{"name": "bad", "training": {"epochs": 0, "batchSize": "x"}}', 'bad.imlp.json');
  assert.equal(config, undefined);
  assert.equal(problems, 2);
  assert.deepEqual(lenses.map((l) => l.title), ['▶ Run', '$(warning) 2 problems', 'Open panel', 'Open results', '']);
});

test('the provider: lenses on the first line with the file as argument, the last result resolved from the results store, a setting to turn them off', () => {
  stub.reset();
  const dir = tempDir();
  stub.folders.push({ uri: vscode.Uri.file(dir), name: 'ws', index: 0 });
  const { file, config } = writeExperiment(dir, 'lens-sample', SAMPLE);
  activate({ subscriptions: [], extensionPath: process.cwd() } as unknown as vscode.ExtensionContext);
  const provider = stub.codeLensProviders[0]!.provider;
  const doc = createDocument(vscode.Uri.file(file), SAMPLE);

  const before = provider.provideCodeLenses(doc) as vscode.CodeLens[];
  assert.equal(before.length, 4 + 4, 'no last-result lens without results');
  assert.ok(before.slice(0, 4).every((l) => l.range.start.line === 0));
  assert.equal((before[0]!.command!.arguments![0] as vscode.Uri).fsPath, file);
  assert.deepEqual(before[5]!.command!.arguments!.map(String), [vscode.Uri.file(file).toString(), '0.1']);
  assert.equal(before[5]!.range.start.line, 5);

  const store = new ResultsStore(join(dir, '.imlp'));
  const sweepId = planSweep(config).sweepId;
  const acc: Record<number, number[]> = { 0: [0.9, 0.91, 0.92], 0.9: [0.93, 0.925, 0.92] };
  for (const [alpha, list] of Object.entries(acc)) list.forEach((a, seed) => addRun(store, { config, seed, alpha: Number(alpha), sweepId, experimentFile: file, status: 'finished', accuracy: a }));
  stub.commands.get('imlp.refreshRuns')!();

  const after = provider.provideCodeLenses(doc) as vscode.CodeLens[];
  const last = after[4]!;
  assert.equal(last.command, undefined, 'resolved lazily');
  const resolved = provider.resolveCodeLens(last) as vscode.CodeLens;
  assert.match(resolved.command!.title, /^Best: 92\.50% ± [\d.]+ at α = 0\.9 · 6\/15 finished$/);
  assert.equal(resolved.command!.command, 'imlp.openResults');

  stub.settings.set('imlp.codeLens.enabled', false);
  assert.deepEqual(provider.provideCodeLenses(doc), []);
});
