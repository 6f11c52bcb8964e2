// The built extension (dist/extension.js) in plain Node with the vscode stub, training for real in
// worker threads (dist/worker.js): a run to completion with its files, status bar and log; cancel
// mid-run and resume; a crashing worker marks its run failed while the host carries on. Also: the
// bundle holds no TensorFlow.js. Needs `npm run build` first (npm test does it).
import './stubs/register-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { ResultsStore } from '../../src/core/results/store';
import type { ToPanel } from '../../src/shared/protocol';
import type { RunRecord } from '../../src/core/results/types';
import { workerExecutor } from '../../src/core/workerExecutor';
import { stub } from './stubs/vscode';
import { tempDir, writeExperiment } from './stubs/runs';

const BUNDLE = resolve('dist/extension.js');
const built = existsSync(BUNDLE) && existsSync(resolve('dist/worker.js'));
const skip = built ? false : 'dist/ is not built: run `npm run build`';

function activateBundle(dir: string) {
  stub.reset();
  stub.folders.push({ uri: vscode.Uri.file(dir), name: 'ws', index: 0 });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ext = require(BUNDLE) as typeof import('../../src/extension/extension');
  return ext.activate({ subscriptions: [], extensionPath: process.cwd(), extensionUri: vscode.Uri.file(process.cwd()) } as unknown as vscode.ExtensionContext);
}

const small = (epochs: number, trainSubset: number) => ({
  dataset: { name: 'mnist', trainSubset, testSubset: 500 }, model: { kind: 'mlp', hidden: [32] },
  training: { epochs, batchSize: 32, lr: 0.001, seeds: [0] }, backend: 'wasm',
});

test('the extension bundle contains no TensorFlow.js', { skip }, () => {
  const map = JSON.parse(readFileSync(`${BUNDLE}.map`, 'utf8')) as { sources: string[] };
  const tf = map.sources.filter((s) => s.includes('@tensorflow'));
  assert.deepEqual(tf, []);
  assert.ok(map.sources.some((s) => s.endsWith('src/extension/noTensors.ts')));
});

test('Run Experiment trains in a worker thread: records, run files, status bar, log, Runs view', { skip }, async () => {
  const dir = tempDir();
  const api = activateBundle(dir);
  // 1024 steps an epoch: long enough for the status bar (updated every 200 ms) to show steps on a fast machine.
  const { file } = writeExperiment(dir, 'tiny', small(2, 32768));
  const seen = new Set<string>();
  const poll = setInterval(() => seen.add(api.statusBar.text), 20);
  // The host's event-loop delay while the worker trains (from the first step on: before it, the first
  // validation compiles the JSON schema once).
  let lag = 0;
  let last = Date.now();
  const loop = setInterval(() => {
    if (api.statusBar.text.startsWith('$(beaker)')) lag = Math.max(lag, Date.now() - last - 10);
    last = Date.now();
  }, 10);
  const pending = vscode.commands.executeCommand('imlp.run', vscode.Uri.file(file)) as Promise<RunRecord[]>;
  // The experiment's panel opens beside the editor (imlp.panel.openOnRun); its page says it is ready.
  for (let i = 0; i < 100 && stub.webviewPanels.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  const panel = stub.webviewPanels[0]!;
  assert.ok(panel, 'the panel opened when the run started');
  panel.receive({ type: 'ready' });
  const records = await pending;
  clearInterval(poll);
  clearInterval(loop);

  assert.equal(records.length, 1);
  const r = records[0]!;
  assert.equal(r.status, 'finished', r.error);
  assert.ok(r.result!.testAccuracy > 0.5, `accuracy ${r.result!.testAccuracy}`);
  const runDir = join(dir, '.imlp', 'runs', r.id);
  for (const f of ['run.json', 'metrics.jsonl', 'checkpoint']) assert.ok(existsSync(join(runDir, f)), f);
  assert.equal(r.experimentFile, file);

  const texts = [...seen].filter((t) => t.startsWith('$(beaker)'));
  assert.ok(texts.length > 0, `status texts: ${[...seen].join(' | ')}`);
  for (const t of texts) assert.match(t, /^\$\(beaker\) I-MLP epoch [12]\/2 · step \d+\/1024 · loss \d+\.\d{3} · ETA (…|\d+:\d\d)$/);
  assert.equal((api.statusBar as unknown as { visible: boolean }).visible, false, 'hidden when done');
  // A smoke check for tensor work in the host (which would block for seconds); on a busy 2-core
  // machine the worker's threads alone can delay the host's timers by 100–300 ms.
  assert.ok(lag < 500, `the host's event loop stayed responsive while training (worst delay ${lag} ms)`);

  const log = stub.logLines.join('\n');
  assert.match(log, /run \S+ started on wasm/);
  assert.match(log, /mnist from /);
  assert.match(log, /epoch 2\/2 done in [\d.]+ s, train loss/);
  assert.match(log, /finished, test accuracy/);
  assert.doesNotMatch(log.split('\n').filter((l) => l.startsWith('[info]')).join('\n'), /step \d+\/32/, 'the log is at epoch granularity');
  assert.match(stub.messages.at(-1)!.message, /tiny: 1 finished/);

  // The panel streamed the run's loss as it trained, in batches, then showed the finished state.
  await new Promise((r) => setTimeout(r, 600));
  const posted = panel.posted as ToPanel[];
  // Points come in batches (a whole series, then appends), never one message per step; whatever the
  // order of file reads and live events, the page ends up with every step once, in order.
  const batches = posted.filter((m) => m.type === 'append' || m.type === 'series');
  assert.ok(batches.length >= 1 && batches.length < 2048, `batched: ${batches.length} messages`);
  let drawn: number[] = [];
  for (const m of batches) drawn = m.type === 'series' ? [...m.series.steps] : [...drawn, ...m.series.steps];
  assert.deepEqual(drawn, Array.from({ length: 2048 }, (_, i) => i + 1), 'every step of the run, once, in order');
  const lastView = posted.filter((m): m is Extract<ToPanel, { type: 'view' }> => m.type === 'view').at(-1)!.view;
  assert.equal(lastView.state, 'finished');
  assert.deepEqual(lastView.runs.map((x) => [x.id, x.status]), [[r.id, 'finished']]);
  assert.equal(panel.title, 'I-MLP: tiny');

  const tree = stub.treeProviders.get('imlp.runs');
  const exp = tree.getChildren()[0];
  assert.equal(exp.label, 'tiny');
  const run = tree.getChildren(tree.getChildren(exp)[0])[0];
  assert.match(tree.getTreeItem(run).label, /^seed 0 · finished \d+\.\d\d%$/);
});

test('Cancel stops at a step boundary and keeps the run; Resume finishes it', { skip }, async () => {
  const dir = tempDir();
  const api = activateBundle(dir);
  // Long enough (1024 steps an epoch) that the cancel lands in epoch 1 even when the host's timers lag on a busy machine.
  const { file } = writeExperiment(dir, 'long', small(2, 32768));
  const pending = vscode.commands.executeCommand('imlp.run', vscode.Uri.file(file)) as Promise<RunRecord[]>;
  for (let i = 0; i < 600 && !api.statusBar.text.includes('epoch 1/2 · step'); i++) await new Promise((r) => setTimeout(r, 20));
  assert.match(api.statusBar.text, /epoch 1\/2/);
  assert.equal(await vscode.commands.executeCommand('imlp.cancel'), 1);
  const [cancelled] = await pending;
  assert.equal(cancelled!.status, 'cancelled');
  assert.match(stub.messages.at(-1)!.message, /long cancelled\. 0 finished runs are kept/);
  const stored = new ResultsStore(join(dir, '.imlp')).openRun(cancelled!.id).record;
  assert.equal(stored.status, 'cancelled');

  const resumed = await vscode.commands.executeCommand('imlp.resume', cancelled!.id) as RunRecord[];
  assert.equal(resumed.length, 1);
  assert.equal(resumed[0]!.id, cancelled!.id);
  assert.equal(resumed[0]!.status, 'finished', resumed[0]!.error);
  assert.equal(resumed[0]!.progress.epoch, 2);
  assert.match(stub.logLines.join('\n'), /resumed at epoch 1/);
});

test('a worker that crashes marks its run failed with the reason; the host carries on', async () => {
  const dir = tempDir();
  const store = new ResultsStore(join(dir, 'results'));
  const { config } = writeExperiment(dir, 'crash', { training: { seeds: [0] } });
  const makeRun = () => {
    const h = store.createRun({ config, seed: 0, role: 'run', versions: { imlp: '0', tfjs: '0' } });
    h.close();
    return h.id;
  };
  const job = { resultsRoot: store.root, config, seed: 0, role: 'run' as const };
  const crash = (body: string) => {
    const id = makeRun();
    const script = join(dir, `crash-${id}.js`);
    writeFileSync(script, `const { parentPort } = require('node:worker_threads');
parentPort.on('message', () => { parentPort.postMessage({ type: 'started', runId: ${JSON.stringify(id)} }); setTimeout(() => { ${body} }, 10); });`);
    return workerExecutor(script)(job, undefined, () => undefined);
  };
  const thrown = await crash("throw new Error('kernel exploded')");
  assert.equal(thrown.status, 'failed');
  assert.equal(thrown.error, 'kernel exploded');
  assert.equal(store.openRun(thrown.id).record.status, 'failed');
  const exited = await crash('process.exit(7)');
  assert.equal(exited.status, 'failed');
  assert.equal(exited.error, 'the training worker exited with code 7');
});
