// The walkthrough: its manifest (every step has media that exists and a button whose command is
// contributed; ticks come from commands or from context keys the extension sets), the commands behind
// its buttons, and the pre-trained-prior preset of New Experiment, which takes a finished prior run.
import './stubs/register-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { parseExperiment } from '../../src/core/experiment/validate';
import { ResultsStore } from '../../src/core/results/store';
import { activate } from '../../src/extension/extension';
import { DEMO_FILE, WALKTHROUGH_COMMANDS, firstAlpha } from '../../src/extension/walkthrough';
import { stub } from './stubs/vscode';
import { addRun, tempDir } from './stubs/runs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const walkthroughSource = readFileSync('src/extension/walkthrough.ts', 'utf8');

function start(dir?: string): void {
  stub.reset();
  if (dir) stub.folders.push({ uri: vscode.Uri.file(dir), name: 'ws', index: 0 });
  const state = new Map<string, unknown>();
  activate({
    subscriptions: [], extensionPath: process.cwd(), extensionUri: vscode.Uri.file(process.cwd()),
    workspaceState: { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void state.set(k, v) },
  } as unknown as vscode.ExtensionContext);
}
const run = (id: string, ...args: unknown[]) => vscode.commands.executeCommand(id, ...args) as Promise<unknown>;

test('manifest: seven steps from what an I-MLP is to export, each with its media and a button that does it', () => {
  const [w] = pkg.contributes.walkthroughs;
  assert.equal(w.id, 'firstHour');
  assert.deepEqual(w.steps.map((s: { id: string }) => s.id), ['whatIsAnImlp', 'createExperiment', 'runOne', 'readPanel', 'sweep', 'readPlot', 'export']);
  const contributed = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  for (const s of w.steps) {
    assert.ok(existsSync(s.media.markdown), `${s.id}: ${s.media.markdown}`);
    // A button: a link alone on its line (VS Code draws it as a button).
    const buttons = [...(s.description as string).matchAll(/^\[([^\]]+)\]\(([^)]+)\)$/gm)];
    assert.equal(buttons.length, 1, `${s.id} has one button`);
    const target = buttons[0]![2]!;
    if (target.startsWith('command:')) assert.ok(contributed.has(target.slice(8)), `${s.id}: ${target} is a contributed command (so a click activates the extension)`);
    else assert.match(target, /^https:\/\//);
    for (const e of s.completionEvents as string[]) {
      if (e.startsWith('onCommand:')) assert.ok(contributed.has(e.slice(10)), `${s.id}: ${e}`);
      else if (e.startsWith('onContext:')) assert.ok(walkthroughSource.includes(`setContext('${e.slice('onContext:imlp.walkthrough.'.length)}')`), `${s.id}: the extension sets ${e}`);
      else assert.equal(e, 'onStepSelected');
    }
  }
  // The picture of step 1 is in the markdown and ships with it.
  const md = readFileSync(w.steps[0].media.markdown, 'utf8');
  const img = /!\[[^\]]+\]\(([^)]+)\)/.exec(md)![1]!;
  assert.ok(existsSync(join(dirname(w.steps[0].media.markdown), img)), img);
  assert.match(readFileSync(join(dirname(w.steps[0].media.markdown), img), 'utf8'), /W ← \(1 − α\)·W \+ α·dense\(P\)/);
  // The buttons' commands are hidden from the palette, registered by the extension.
  const hidden = new Set(pkg.contributes.menus.commandPalette.filter((m: { when: string }) => m.when === 'false').map((m: { command: string }) => m.command));
  for (const id of WALKTHROUGH_COMMANDS) assert.ok(hidden.has(id), id);
});

test('the first run trains the α nearest 0.5', () => {
  assert.equal(firstAlpha([0, 0.01, 0.1, 0.5, 0.9, 1]), 0.5);
  assert.equal(firstAlpha([0, 0.3, 0.7, 1]), 0.3);
  assert.equal(firstAlpha([1]), 1);
  assert.equal(firstAlpha([]), undefined);
});

test('"Create the Demo Experiment" writes imlp-demo.imlp.json from the demo preset, opens it, and reuses it next time', async () => {
  const dir = tempDir();
  start(dir);
  const uri = await run('imlp.walkthrough.createExperiment') as vscode.Uri;
  assert.equal(uri.fsPath, join(dir, DEMO_FILE));
  const config = parseExperiment(readFileSync(uri.fsPath, 'utf8'), uri.fsPath);
  assert.equal(config.name, 'imlp-demo');
  assert.deepEqual(config.interpolation?.alphas, [0, 0.01, 0.1, 0.5, 0.9, 0.99, 1]);
  assert.equal(stub.shownDocuments.at(-1)?.fsPath, uri.fsPath);
  assert.ok(stub.executed.some((e) => e.id === 'setContext' && e.args[0] === 'imlp.walkthrough.hasExperiment' && e.args[1] === true));
  const again = await run('imlp.walkthrough.createExperiment') as vscode.Uri;
  assert.equal(again.fsPath, uri.fsPath);
  assert.equal(stub.messages.filter((m) => m.kind === 'error').length, 0, 'no "already exists"');
});

test('"Show the Plot" opens the demo\'s panel scrolled to the accuracy chart, once the page is ready', async () => {
  const dir = tempDir();
  start(dir);
  await run('imlp.walkthrough.createExperiment');
  await run('imlp.walkthrough.showPlot');
  const panel = stub.webviewPanels.at(-1)!;
  assert.ok(panel, `a panel opened: ${JSON.stringify(stub.messages)} ${stub.logLines.join('\n')}`);
  assert.deepEqual(panel.posted.filter((m) => (m as { type: string }).type === 'reveal'), [], 'nothing sent before the page is ready');
  panel.receive({ type: 'ready' });
  assert.deepEqual(panel.posted.filter((m) => (m as { type: string }).type === 'reveal'), [{ type: 'reveal', chart: 'accuracy' }]);
  await run('imlp.walkthrough.showPlot'); // again, with the page showing: at once
  assert.equal(panel.posted.filter((m) => (m as { type: string }).type === 'reveal').length, 2);
});

test('with no folder open, the walkthrough asks for one instead of failing', async () => {
  start();
  assert.equal(await run('imlp.walkthrough.createExperiment'), undefined);
  assert.match(stub.messages.at(-1)!.message, /open a folder first/);
  assert.deepEqual(stub.messages.at(-1)!.items, ['Open Folder']);
});

test('New Experiment "pretrained-prior": the newest finished prior run of the workspace, with its network and dataset', async () => {
  const dir = tempDir();
  start(dir);
  // Without a trained prior it says how to get one.
  assert.equal(await run('imlp.newExperiment', 'pretrained-prior', vscode.Uri.file(join(dir, 'none.imlp.json'))), undefined);
  assert.match(stub.messages.at(-1)!.message, /no trained prior .*Sweep an experiment with a frozen prior first/);

  const store = new ResultsStore(join(dir, '.imlp'));
  const priorConfig = (preset: string, trainSubset: number) => parseExperiment(JSON.stringify({ name: 'p-prior', dataset: { name: 'fashion-mnist', trainSubset }, model: { kind: 'cnn', preset } }), 'p.imlp.json');
  addRun(store, { config: priorConfig('cnn-small', 1000), seed: 0, role: 'prior', status: 'finished', accuracy: 0.8 });
  await new Promise((r) => setTimeout(r, 1100)); // a later createdAt
  const newest = addRun(store, { config: priorConfig('mixer-small', 3000), seed: 0, role: 'prior', status: 'finished', accuracy: 0.82 });
  addRun(store, { config: priorConfig('cnn-tiny', 3000), seed: 0, role: 'prior', status: 'failed' });

  const target = vscode.Uri.file(join(dir, 'reuse.imlp.json'));
  const uri = await run('imlp.newExperiment', 'pretrained-prior', target) as vscode.Uri;
  assert.equal(uri.fsPath, target.fsPath);
  const config = parseExperiment(readFileSync(uri.fsPath, 'utf8'), uri.fsPath);
  assert.equal(config.prior?.run, newest.id);
  assert.equal(config.prior?.preset, 'mixer-small');
  assert.equal(config.prior?.source, 'frozen');
  assert.equal(config.dataset.name, 'fashion-mnist');
  assert.equal(config.dataset.trainSubset, 3000);

  // From the palette with several priors: the user picks one.
  stub.quickPicks.push((items) => {
    assert.equal(items.length, 2, 'finished priors only');
    return items.find((i: { label: string }) => i.label.startsWith('cnn-small'));
  });
  stub.quickPicks.unshift((items) => items.find((i: { description: string }) => i.description === 'pretrained-prior'));
  stub.saveDialogs.push(vscode.Uri.file(join(dir, 'picked')));
  const picked = await run('imlp.newExperiment') as vscode.Uri;
  const pickedConfig = parseExperiment(readFileSync(picked.fsPath, 'utf8'), picked.fsPath);
  assert.equal(pickedConfig.prior?.preset, 'cnn-small');
  assert.equal(pickedConfig.dataset.trainSubset, 1000);
});
