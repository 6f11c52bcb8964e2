// The manifest and the commands, in plain Node with the vscode stub: every contributed command is
// registered, commands take their arguments and return values, untrusted workspaces run nothing.
import './stubs/register-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseExperiment } from '../../src/core/experiment/validate';
import { ResultsStore } from '../../src/core/results/store';
import { planSweep } from '../../src/core/sweep/plan';
import { COMMAND_IDS } from '../../src/extension/commands';
import { activate } from '../../src/extension/extension';
import { WALKTHROUGH_COMMANDS } from '../../src/extension/walkthrough';
import { CLUSTER_COMMAND_IDS } from '../../src/extension/cluster';
import { stub } from './stubs/vscode';
import { addRun, tempDir, writeExperiment } from './stubs/runs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const context = { subscriptions: [] as { dispose(): unknown }[], extensionPath: process.cwd() } as unknown as vscode.ExtensionContext;

function start(dir?: string): void {
  stub.reset();
  if (dir) stub.folders.push({ uri: vscode.Uri.file(dir), name: 'ws', index: 0 });
  activate(context);
}

const run = (id: string, ...args: unknown[]) => vscode.commands.executeCommand(id, ...args) as Promise<unknown>;

test('manifest: engine, entry, activation, the I-MLP commands with their titles', () => {
  assert.equal(pkg.engines.vscode, '^1.90.0', 'code-server 4.100.3 (VS Code 1.100.3) must be able to load it');
  assert.equal(pkg.main, './dist/extension.js');
  assert.deepEqual(pkg.activationEvents, ['workspaceContains:**/*.imlp.json', 'onLanguage:json', 'onWebviewPanel:imlp.panel']);
  const commands = pkg.contributes.commands as { command: string; title: string; category: string }[];
  assert.deepEqual(commands.map((c) => c.command).sort(), [...COMMAND_IDS, ...WALKTHROUGH_COMMANDS, ...CLUSTER_COMMAND_IDS].sort());
  assert.ok(commands.every((c) => c.category === 'I-MLP'));
  const titles = Object.fromEntries(commands.map((c) => [c.command, c.title]));
  assert.deepEqual({
    run: titles['imlp.run'], sweep: titles['imlp.sweep'], cancel: titles['imlp.cancel'], resume: titles['imlp.resume'], showRun: titles['imlp.showRun'],
    compare: titles['imlp.compareRuns'], export: titles['imlp.exportResults'], backend: titles['imlp.selectBackend'], download: titles['imlp.downloadDataset'],
    logs: titles['imlp.openLogs'], new: titles['imlp.newExperiment'],
  }, {
    run: 'Run Experiment', sweep: 'Sweep α', cancel: 'Cancel Run', resume: 'Resume Run', showRun: 'Show Run', compare: 'Compare Runs', export: 'Export Results',
    backend: 'Select Backend', download: 'Download Dataset', logs: 'Open Logs', new: 'New Experiment',
  });
  const known = new Set<string>([...COMMAND_IDS, ...WALKTHROUGH_COMMANDS, ...CLUSTER_COMMAND_IDS]);
  for (const [menu, items] of Object.entries(pkg.contributes.menus as Record<string, { command: string }[]>)) {
    for (const item of items) assert.ok(known.has(item.command), `${menu} uses ${item.command}`);
  }
});

test('manifest: views, schema, settings, untrusted workspaces, packaged files', () => {
  const c = pkg.contributes;
  assert.deepEqual(c.viewsContainers.activitybar, [{ id: 'imlp', title: 'I-MLP Lab', icon: 'media/imlp.svg' }]);
  assert.equal(c.views.imlp[0].id, 'imlp.runs');
  assert.equal(c.views.imlp[0].name, 'Runs');
  assert.ok(existsSync('media/imlp.svg') && existsSync(pkg.icon));
  assert.deepEqual(c.jsonValidation, [{ fileMatch: '*.imlp.json', url: './schemas/experiment.schema.json' }]);
  assert.ok(existsSync('schemas/experiment.schema.json'));
  assert.deepEqual(Object.keys(c.configuration.properties).sort(), ['imlp.backend', 'imlp.codeLens.enabled', 'imlp.dataDirectory', 'imlp.memoryBudget', 'imlp.panel.openOnRun', 'imlp.parallelWorkers', 'imlp.resultsDirectory', 'imlp.resultsLocations']);
  assert.equal(c.configuration.properties['imlp.resultsDirectory'].default, '.imlp');
  assert.equal(c.configuration.properties['imlp.parallelWorkers'].default, 1);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.match(pkg.capabilities.untrustedWorkspaces.description, /trains nothing/);
  const ignore = readFileSync('.vscodeignore', 'utf8').split('\n');
  // vsce lets any "!" pattern win over every other line, so dist is kept file type by file type (no source maps).
  for (const keep of ['!dist/*.js', '!dist/*.wasm', '!dist/webview/*.js', '!dist/webview/*.css', '!schemas/**', '!media/icon.png', '!media/imlp.svg', '!media/walkthrough/**']) assert.ok(ignore.includes(keep), `.vscodeignore keeps ${keep}`);
});

test('activation registers every command, the views and providers; nothing shows in the status bar yet', () => {
  start(tempDir());
  for (const id of [...COMMAND_IDS, ...WALKTHROUGH_COMMANDS, ...CLUSTER_COMMAND_IDS]) assert.ok(stub.commands.has(id), id);
  assert.ok(stub.treeProviders.has('imlp.runs'));
  assert.equal(stub.codeLensProviders.length, 2, 'the experiment lenses, then the cluster lens');
  assert.deepEqual(stub.codeLensProviders[0]!.selector, [{ scheme: 'file', pattern: '**/*.imlp.json' }]);
  assert.ok(stub.diagnostics.has('imlp'));
  assert.equal(stub.statusBarItems[0].visible, false);
  assert.match(stub.logLines[0]!, /I-MLP Lab .*activated/);
});

test('New Experiment from a preset to a given file: no prompt, a valid file named after it, its Uri returned', async () => {
  const dir = tempDir();
  start(dir);
  const target = vscode.Uri.file(join(dir, 'my-sweep.imlp.json'));
  const uri = await run('imlp.newExperiment', 'cnn-prior', target) as vscode.Uri;
  assert.equal(uri.fsPath, target.fsPath);
  const text = readFileSync(uri.fsPath, 'utf8');
  const config = parseExperiment(text, uri.fsPath);
  assert.equal(config.name, 'my-sweep');
  assert.equal(config.model.kind, 'imlp');
  assert.doesNotMatch(text, /\$schema/, 'jsonValidation supplies the schema');
  assert.equal(stub.shownDocuments.at(-1)?.fsPath, uri.fsPath);
  // It does not overwrite.
  assert.equal(await run('imlp.newExperiment', 'quick', target), undefined);
  assert.match(stub.messages.at(-1)!.message, /already exists/);
  // Picked from the palette: preset and save dialog.
  stub.quickPicks.push((items) => items.find((i: { description: string }) => i.description === 'quick'));
  stub.saveDialogs.push(vscode.Uri.file(join(dir, 'picked')));
  const picked = await run('imlp.newExperiment') as vscode.Uri;
  assert.equal(picked.fsPath, join(dir, 'picked.imlp.json'));
  assert.equal(parseExperiment(readFileSync(picked.fsPath, 'utf8'), picked.fsPath).name, 'picked');
});

test('untrusted workspace: run, sweep, one α, resume and download refuse with a message saying why', async () => {
  const dir = tempDir();
  start(dir);
  stub.trusted = false;
  const { file } = writeExperiment(dir, 'quick', { training: { seeds: [0] } });
  for (const [id, args] of [['imlp.run', [vscode.Uri.file(file)]], ['imlp.sweep', [vscode.Uri.file(file)]], ['imlp.runAlpha', [vscode.Uri.file(file), 0.5]], ['imlp.resume', ['x']], ['imlp.downloadDataset', ['cifar10']]] as const) {
    stub.messages.length = 0;
    assert.equal(await run(id, ...args), undefined, id);
    assert.equal(stub.messages.length, 1, id);
    assert.match(stub.messages[0]!.message, /in an untrusted workspace.*Trust this workspace/, id);
  }
  assert.equal(stub.progress.length, 0, 'nothing started');
});

test('results commands: compare, export, show, open, delete (with confirmation), select backend, cancel with nothing running', async () => {
  const dir = tempDir();
  const { file, config } = writeExperiment(dir, 'cmp', { model: { kind: 'imlp' }, prior: { preset: 'cnn-tiny' }, interpolation: { alpha: [0, 1] }, training: { seeds: [0, 1] } });
  const store = new ResultsStore(join(dir, '.imlp'));
  const sweepId = planSweep(config).sweepId;
  const runs = [0, 1].flatMap((alpha) => [0, 1].map((seed) => addRun(store, { config, seed, alpha, sweepId, experimentFile: file, status: 'finished', accuracy: 0.9 + alpha / 100 + seed / 1000 })));
  start(dir);

  const reports = await run('imlp.compareRuns', [sweepId]) as { sweepId: string; byAlpha: unknown[] }[];
  assert.equal(reports.length, 1);
  assert.equal(reports[0]!.sweepId, sweepId);
  assert.equal(reports[0]!.byAlpha.length, 2);
  const doc = stub.shownDocuments.at(-1)!;
  assert.equal(doc.scheme, 'imlp-results');
  const report = stub.contentProviders.get('imlp-results').provideTextDocumentContent(doc) as string;
  assert.match(report, /mean acc/);

  const csv = vscode.Uri.file(join(dir, 'out', 'results.csv'));
  const written = await run('imlp.exportResults', { sweepIds: [sweepId], format: 'csv', target: csv }) as vscode.Uri[];
  assert.equal(written[0]!.fsPath, csv.fsPath);
  assert.equal(readFileSync(csv.fsPath, 'utf8').trim().split(/\r?\n/).length, 1 + 4);
  const svg = vscode.Uri.file(join(dir, 'out', 'plot.svg'));
  await run('imlp.exportResults', { sweepIds: [sweepId], format: 'svg', target: svg });
  assert.match(readFileSync(svg.fsPath, 'utf8'), /<svg xmlns/);

  const shown = await run('imlp.showRun', runs[0]!.id) as { id: string };
  assert.equal(shown.id, runs[0]!.id);
  const md = stub.contentProviders.get('imlp-results').provideTextDocumentContent(stub.shownDocuments.at(-1)) as string;
  assert.match(md, /\| test accuracy \| 90\.00% \|/);

  const opened = await run('imlp.openResults', { id: runs[1]!.id, root: store.root }) as vscode.Uri;
  assert.equal(opened.fsPath, join(store.root, 'runs', runs[1]!.id, 'run.json'));
  const sweepDoc = await run('imlp.openResults', vscode.Uri.file(file)) as vscode.Uri;
  assert.equal(sweepDoc.scheme, 'imlp-results', 'from the lens: the sweep report');

  stub.modalAnswer = undefined;
  assert.equal(await run('imlp.deleteRun', runs[0]!.id), false, 'not confirmed');
  assert.ok(existsSync(join(store.root, 'runs', runs[0]!.id)));
  assert.match(stub.messages.at(-1)!.message, /^Delete run/);
  stub.modalAnswer = 'Delete';
  assert.equal(await run('imlp.deleteRun', runs[0]!.id), true);
  assert.ok(!existsSync(join(store.root, 'runs', runs[0]!.id)));
  assert.equal(await run('imlp.deleteRun', { id: runs[1]!.id, root: store.root }, { confirm: false }), true);

  assert.equal(await run('imlp.selectBackend', 'wasm'), 'wasm');
  assert.equal(stub.settings.get('imlp.backend'), 'wasm');
  assert.equal(await run('imlp.cancel'), 0);
  assert.match(stub.messages.at(-1)!.message, /nothing is training/);
  assert.equal(await run('imlp.openResults', vscode.Uri.file(join(dir, 'none.imlp.json'))), undefined);
});

test('a broken experiment file: Run reports its problems instead of running', async () => {
  const dir = tempDir();
  start(dir);
  const file = join(dir, 'broken.imlp.json');
  require('node:fs').writeFileSync(file, '{"name": "broken", "training": {"batchSize": 0}}');
  assert.equal(await run('imlp.run', vscode.Uri.file(file)), undefined);
  const error = stub.messages.find((m) => m.kind === 'error')!;
  assert.match(error.message, /broken\.imlp\.json: training\.batchSize: must be ≥ 1/);
  assert.equal(stub.progress.length, 0);
});
