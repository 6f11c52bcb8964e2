// The extension's side of cluster sweeps, in plain Node with the vscode stub: the manifest (a workspace
// extension, the command, the imlp.resultsLocations setting), "Emit Cluster Job…" writing and opening the
// job file without submitting it, its lens, and the Runs view and panel reading the extra results folders,
// with shards training on another machine shown as running.
import './stubs/register-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseAllDocuments } from 'yaml';
import { ResultsStore } from '../../src/core/results/store';
import { planSweep } from '../../src/core/sweep/plan';
import { CLUSTER_COMMAND_IDS, shardChoices } from '../../src/extension/cluster';
import { type ImlpApi, activate } from '../../src/extension/extension';
import { resolveLocations } from '../../src/extension/resultsLocations';
import { addRun, tempDir, writeExperiment } from './stubs/runs';
import { stub } from './stubs/vscode';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const EMIT = CLUSTER_COMMAND_IDS[0];

const BODY = {
  dataset: { name: 'mnist', trainSubset: 500 },
  model: { kind: 'imlp' },
  prior: { preset: 'cnn-tiny', training: { epochs: 1 } },
  interpolation: { alpha: [0, 0.5, 1] },
  training: { epochs: 1, seeds: [0, 1] },
};

function start(dir: string, settings: Record<string, unknown> = {}): ImlpApi {
  stub.reset();
  stub.folders.push({ uri: vscode.Uri.file(dir), name: 'ws', index: 0 });
  for (const [k, v] of Object.entries(settings)) stub.settings.set(k, v);
  return activate({ subscriptions: [], extensionPath: process.cwd(), extensionUri: vscode.Uri.file(process.cwd()) } as unknown as vscode.ExtensionContext);
}

test('manifest: a workspace extension (Remote-SSH, code-server), the command, the setting, restricted when untrusted', () => {
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  const command = pkg.contributes.commands.find((c: { command: string }) => c.command === EMIT);
  assert.deepEqual(command, { command: EMIT, title: 'Emit Cluster Job…', category: 'I-MLP', icon: '$(server)' });
  assert.ok(pkg.contributes.menus['explorer/context'].some((m: { command: string; when: string }) => m.command === EMIT && /imlp/.test(m.when)));
  const setting = pkg.contributes.configuration.properties['imlp.resultsLocations'];
  assert.deepEqual([setting.type, setting.items.type, setting.default, setting.scope], ['array', 'string', [], 'resource']);
  assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('imlp.resultsLocations'));
});

test('resolveLocations: relative to the workspace folder, ~ from home, absolute kept, blanks and repeats dropped', () => {
  assert.deepEqual(resolveLocations(['cluster', ' /mnt/lustre/me/.imlp ', '~/sync/imlp', '', 3, 'cluster', './cluster'], '/ws'), ['/ws/cluster', '/mnt/lustre/me/.imlp', join(homedir(), 'sync/imlp')]);
  assert.deepEqual(resolveLocations('not a list', '/ws'), []);
  assert.deepEqual(shardChoices(12), [12, 6, 3, 2, 1]);
  assert.deepEqual(shardChoices(1), [1]);
});

test('Emit Cluster Job writes the Slurm script beside the file, opens it, submits nothing; asks before replacing an edited one', async () => {
  const dir = tempDir();
  const { file, config } = writeExperiment(dir, 'cl', BODY);
  // The editor's backend and data folder settings: the tasks run the sweep a Sweep α here would run.
  start(dir, { 'imlp.backend': 'cpu', 'imlp.dataDirectory': 'datasets' });
  const out = await vscode.commands.executeCommand(EMIT, vscode.Uri.file(file), { kind: 'slurm', shards: 2 }) as string;
  assert.equal(out, join(dir, 'cl.slurm.sh'));
  const text = readFileSync(out, 'utf8');
  assert.match(text, /^#SBATCH --array=0-1$/m);
  assert.match(text, new RegExp(`--shard "\\$\\{SLURM_ARRAY_TASK_ID\\}/2" --results ${join(dir, '.imlp').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --backend cpu$`, 'm'), 'the workspace results folder and backend');
  assert.ok(text.split('\n').includes(`export IMLP_DATA_DIR=${join(dir, 'datasets')}`));
  assert.ok(text.includes(`(sweep id ${planSweep({ ...config, backend: 'cpu' }).sweepId})`), 'the id of the sweep Sweep α would run here');
  assert.notEqual(planSweep(config).sweepId, planSweep({ ...config, backend: 'cpu' }).sweepId);
  assert.ok(text.includes(`IMLP=(node ${join(process.cwd(), 'src/extension/cli.js')})`), 'the CLI bundle beside the extension\'s (dist/cli.js once built)');
  assert.ok(existsSync(join(dir, '.imlp', 'slurm-logs')), 'the log folder sbatch needs');
  assert.deepEqual(stub.shownDocuments.map((u) => u.fsPath), [out], 'opened for review');
  const info = stub.messages.find((m) => m.kind === 'info')!;
  assert.match(info.message, /review .*cl\.slurm\.sh, then submit it yourself: sbatch .*cl\.slurm\.sh\. Nothing was submitted\./);
  assert.equal(stub.executed.filter((e) => /task|terminal|shell/i.test(e.id)).length, 0, 'no task or terminal started');

  // Edited by hand, then emitted again with other settings: asked first; dismissed keeps the edit.
  writeFileSync(out, text.replace('--time=12:00:00', '--time=1:00:00'));
  stub.modalAnswer = undefined;
  assert.equal(await vscode.commands.executeCommand(EMIT, vscode.Uri.file(file), { kind: 'slurm', shards: 2 }), undefined);
  assert.match(readFileSync(out, 'utf8'), /--time=1:00:00/);
  stub.modalAnswer = 'Replace';
  assert.equal(await vscode.commands.executeCommand(EMIT, vscode.Uri.file(file), { kind: 'slurm', shards: 4 }), out);
  assert.match(readFileSync(out, 'utf8'), /^#SBATCH --array=0-3$/m);
});

test('Emit Cluster Job through its pickers: Kubernetes, then a shard count; a bad file or too many shards is an error message', async () => {
  const dir = tempDir();
  const { file, config } = writeExperiment(dir, 'kube', BODY);
  start(dir);
  const planned = planSweep(config).runs.length;
  assert.equal(planned, 2 + 3 * 2);
  let offered: string[] = [];
  stub.quickPicks.push((items) => items.find((i: { cluster: string }) => i.cluster === 'k8s'));
  stub.quickPicks.push((items) => {
    offered = items.map((i: { label: string }) => i.label);
    return items.find((i: { n: number }) => i.n === 4);
  });
  const out = await vscode.commands.executeCommand(EMIT, vscode.Uri.file(file)) as string;
  assert.deepEqual(offered, ['8 shards', '4 shards', '2 shards', '1 shard']);
  assert.equal(out, join(dir, 'kube.k8s.yaml'));
  const [configMap, job] = parseAllDocuments(readFileSync(out, 'utf8')).map((d) => d.toJS()) as [{ data: Record<string, string> }, { spec: { completions: number; parallelism: number; completionMode: string } }];
  assert.deepEqual([job.spec.completionMode, job.spec.completions, job.spec.parallelism], ['Indexed', 4, 4]);
  assert.equal(configMap.data['kube.imlp.json'], readFileSync(file, 'utf8'));
  assert.match(stub.messages.find((m) => m.kind === 'info')!.message, /kubectl apply -f .*kube\.k8s\.yaml\. Nothing was submitted\..*imlp\.resultsLocations/);

  // Dismissing a picker writes nothing.
  stub.quickPicks.push(() => undefined);
  assert.equal(await vscode.commands.executeCommand(EMIT, vscode.Uri.file(join(dir, 'kube.imlp.json'))), undefined);

  const bad = join(dir, 'bad.imlp.json');
  writeFileSync(bad, '{"name": "bad", "training": {"epoch": 1}}');
  await vscode.commands.executeCommand(EMIT, vscode.Uri.file(bad), { kind: 'slurm', shards: 1 });
  assert.match(stub.messages.at(-1)!.message, /bad\.imlp\.json has 1 problem\(s\); fix them first/);
  await vscode.commands.executeCommand(EMIT, vscode.Uri.file(file), { kind: 'slurm', shards: 9 });
  assert.match(stub.messages.at(-1)!.message, /--shards 9: the sweep has 8 planned runs/);
  await vscode.commands.executeCommand(EMIT);
  assert.match(stub.messages.at(-1)!.message, /open an experiment file \(\*\.imlp\.json\) first/);
});

test('the "Cluster job…" lens: on valid experiment files only, and off with imlp.codeLens.enabled', async () => {
  const dir = tempDir();
  const { file } = writeExperiment(dir, 'lens', BODY);
  start(dir);
  const provider = stub.codeLensProviders[1]!.provider;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const lenses = provider.provideCodeLenses(doc) as vscode.CodeLens[];
  assert.equal(lenses.length, 1);
  assert.deepEqual([lenses[0]!.command!.title, lenses[0]!.command!.command, (lenses[0]!.command!.arguments![0] as vscode.Uri).fsPath], ['Cluster job…', EMIT, file]);
  assert.equal(lenses[0]!.range.start.line, 0);
  writeFileSync(join(dir, 'broken.imlp.json'), '{"name": 1}');
  const bad = await vscode.workspace.openTextDocument(vscode.Uri.file(join(dir, 'broken.imlp.json')));
  assert.deepEqual(provider.provideCodeLenses(bad), []);
  stub.settings.set('imlp.codeLens.enabled', false);
  assert.deepEqual(provider.provideCodeLenses(doc), []);
});

test('imlp.resultsLocations: the Runs view and the panel read the extra folders, see new shards finish, and a shard training elsewhere is running', async () => {
  const dir = tempDir();
  const { file, config } = writeExperiment(dir, 'sw', BODY);
  const sweepId = planSweep(config).sweepId;
  const local = new ResultsStore(join(dir, '.imlp'));
  const clusterA = join(dir, 'cluster-a');
  const clusterB = tempDir('imlp-cluster-b-');
  addRun(local, { config, seed: 0, alpha: 0, sweepId, experimentFile: file, status: 'finished', accuracy: 0.9 });
  const inA = addRun(new ResultsStore(clusterA), { config, seed: 1, alpha: 0, sweepId, experimentFile: file, status: 'finished', accuracy: 0.8 });
  const api = start(dir, { 'imlp.resultsLocations': ['cluster-a'] });
  const ids = () => api.tree.runs().map((r) => r.id);
  assert.deepEqual(api.index.roots(), [join(dir, '.imlp'), clusterA]);
  assert.equal(ids().length, 2);
  assert.ok(ids().includes(inA.id));
  assert.equal(api.index.rootOfRun(inA.id), clusterA);
  // The experiment's panel reads the workspace's store and the extra folders as one.
  assert.deepEqual(api.index.withLocations(join(dir, '.imlp')).map((s) => s.id).sort(), [...ids()].sort());

  // A setting change takes effect at once (an absolute folder outside the workspace).
  const inB = addRun(new ResultsStore(clusterB), { config, seed: 0, alpha: 0.5, sweepId, experimentFile: file, status: 'finished', accuracy: 0.7 });
  await vscode.workspace.getConfiguration('imlp').update('resultsLocations', ['cluster-a', clusterB]);
  assert.ok(ids().includes(inB.id));

  // A shard that starts on a node later is found by the poll (no watcher event outside the workspace).
  let changed = false;
  const sub = api.index.onDidChange(() => (changed = true));
  const running = addRun(new ResultsStore(clusterB), { config, seed: 1, alpha: 0.5, sweepId, experimentFile: file, status: 'running', pid: 999_999_998 });
  for (let i = 0; i < 60 && !changed; i++) await new Promise((r) => setTimeout(r, 100));
  sub.dispose();
  assert.ok(changed, 'the poll noticed the new run');
  const view = () => api.tree.runs().find((r) => r.id === running.id)!;
  // No process 999999998 here and no metrics yet: interrupted. Its metrics growing: running on another machine.
  assert.equal(view().status, 'interrupted');
  const metrics = join(clusterB, 'runs', running.id, 'metrics.jsonl');
  writeFileSync(metrics, '{"type":"step","epoch":0,"step":0,"globalStep":1,"stepsPerEpoch":5,"loss":2.3}\n');
  api.tree.refresh();
  assert.equal(view().status, 'running', 'metrics written seconds ago: it trains elsewhere');
  assert.doesNotMatch(view().contextValue, /resumable/, 'so Resume is not offered');
  const old = (Date.now() - 10 * 60_000) / 1000;
  utimesSync(metrics, old, old);
  api.tree.refresh();
  assert.equal(view().status, 'interrupted', 'silent for 10 minutes: interrupted');
});

test('an experiment\'s panel shows its runs from imlp.resultsLocations, with the loss read from the cluster folder', async () => {
  const dir = tempDir();
  const { file, config } = writeExperiment(dir, 'pan', BODY);
  const sweepId = planSweep(config).sweepId;
  const cluster = tempDir('imlp-cluster-panel-');
  addRun(new ResultsStore(join(dir, '.imlp')), { config, seed: 0, alpha: 0, sweepId, experimentFile: file, status: 'finished', accuracy: 0.9 });
  await new Promise((r) => setTimeout(r, 1100)); // run ids and creation times have second resolution: the cluster's run is newer
  const remote = addRun(new ResultsStore(cluster), { config, seed: 1, alpha: 0.5, sweepId, experimentFile: '/nodes/see/another/path/pan.imlp.json', status: 'finished', accuracy: 0.8 });
  const events = [
    { type: 'step', epoch: 0, step: 0, globalStep: 1, stepsPerEpoch: 2, loss: 2.25 },
    { type: 'step', epoch: 0, step: 1, globalStep: 2, stepsPerEpoch: 2, loss: 1.75 },
    { type: 'eval', epoch: 0, globalStep: 2, testLoss: 1.5, testAccuracy: 0.8 },
  ];
  writeFileSync(join(cluster, 'runs', remote.id, 'metrics.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  start(dir, { 'imlp.resultsLocations': [cluster], 'imlp.panel.openOnRun': false });
  await vscode.commands.executeCommand('imlp.openPanel', vscode.Uri.file(file));
  const panel = stub.webviewPanels[0]!;
  assert.ok(panel, `a panel opened: ${JSON.stringify(stub.messages)} ${stub.logLines.join('\n')}`);
  panel.receive({ type: 'ready' });
  for (let i = 0; i < 100 && !panel.posted.some((m) => (m as { type: string }).type === 'series'); i++) await new Promise((r) => setTimeout(r, 20));
  const posted = panel.posted as { type: string; view?: { runs: { id: string }[]; selectedRunId: string | null }; series?: { runId: string; steps: number[]; loss: number[] } }[];
  const view = posted.filter((m) => m.type === 'view').at(-1)!.view!;
  assert.equal(view.runs.length, 2, 'the workspace\'s run and the cluster\'s');
  assert.ok(view.runs.some((r) => r.id === remote.id));
  assert.equal(view.selectedRunId, remote.id, 'the newest run is drawn');
  const series = posted.filter((m) => m.type === 'series').at(-1)!.series!;
  assert.deepEqual([series.runId, series.steps, series.loss], [remote.id, [1, 2], [2.25, 1.75]], 'its loss comes from the cluster folder');
});
