// Hovers on experiment files: an α says what it does under the file's mode, sync and schedule (the
// numbers checked against the schedule math), the prior shows its I-MLP's dense-matrix memory (checked
// against estimateMemory), and the provider is registered for experiment files.
import './stubs/register-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { parseExperiment } from '../../src/core/experiment/validate';
import { estimateMemory } from '../../src/core/method/memory';
import { cumulativePull } from '../../src/core/method/schedule';
import { activate } from '../../src/extension/extension';
import { formatBytes, hoverAt, stepsPerEpoch } from '../../src/extension/hoverText';
import { createDocument, stub } from './stubs/vscode';
import { tempDir } from './stubs/runs';

const file = (body: Record<string, unknown>) => JSON.stringify({ name: 'h', model: { kind: 'imlp' }, prior: { preset: 'cnn-tiny' }, ...body }, null, 2);
/** The offset of the n-th occurrence of `needle` (plus `into` characters). */
const at = (text: string, needle: string, nth = 0, into = 0) => {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  assert.ok(i >= 0, `${needle} in the text`);
  return i + into;
};

test('steps per epoch follow the trainer: ceil(n / batch), floor with dropLast, trainSubset capped at the dataset', () => {
  const cfg = (dataset: unknown, training: Record<string, unknown>) => parseExperiment(JSON.stringify({ name: 's', dataset, training }), 's.imlp.json');
  assert.equal(stepsPerEpoch(cfg({ name: 'mnist', trainSubset: 1000 }, { batchSize: 128 })), 8);
  assert.equal(stepsPerEpoch(cfg({ name: 'mnist', trainSubset: 1000 }, { batchSize: 128, dropLast: true })), 7);
  assert.equal(stepsPerEpoch(cfg('cifar10', { batchSize: 100 })), 500);
  assert.equal(stepsPerEpoch(cfg({ name: 'fashion-mnist', trainSubset: 10 ** 6 }, { batchSize: 600 })), 100);
});

test('sync mode: the hover on an α gives the planned syncs and the cumulative pull 1 − Π(1 − α_t)', () => {
  // 1,000 images / batch 100 = 10 steps per epoch × 3 epochs = 30 steps; a sync every 8 steps → 3 syncs.
  const text = file({
    dataset: { name: 'mnist', trainSubset: 1000 },
    interpolation: { alpha: [0, 0.1, 1], mode: 'sync', syncEvery: 8 },
    training: { epochs: 3, batchSize: 100 },
  });
  const h = hoverAt(text, at(text, '0.1', 0, 1), 'h.imlp.json')!;
  assert.ok(h, 'a hover on 0.1');
  assert.equal(text.slice(h.offset, h.offset + h.length), '0.1');
  assert.match(h.markdown, /\*\*α = 0\.1\*\*/);
  assert.match(h.markdown, /90% the MLP's own weights W, 10% the prior's dense form/);
  assert.match(h.markdown, /\*\*sync\*\* mode: .*every 8 steps: 3 syncs in 30 steps/);
  const pull = cumulativePull([0.1, 0.1, 0.1]);
  assert.ok(Math.abs(pull - 0.271) < 1e-12);
  assert.match(h.markdown, /1 − Π\(1 − α_t\) = \*\*27\.1%\*\*/);
  assert.match(h.markdown, /after the final sync/);
  // A cosine schedule decays α per sync, t/T = 0, 1/3, 2/3: α_t = 0.1, 0.075, 0.025 → pull 1 − 0.9·0.925·0.975 = 18.8%.
  const cosine = file({
    dataset: { name: 'mnist', trainSubset: 1000 },
    interpolation: { alpha: [0.1], mode: 'sync', syncEvery: 8, schedule: 'cosine' },
    training: { epochs: 3, batchSize: 100 },
  });
  const c = hoverAt(cosine, at(cosine, '0.1', 0, 1), 'h.imlp.json')!;
  assert.match(c.markdown, /cosine schedule: α_t = 0\.1 at sync 1, 0\.075 at sync 2, 0\.025 at sync 3/);
  assert.ok(Math.abs(cumulativePull([0.1, 0.075, 0.025]) - 0.1883125) < 1e-12);
  assert.match(c.markdown, /= \*\*18\.8%\*\*/);
  // Per epoch with 2 epochs: 2 syncs.
  const perEpoch = file({ dataset: { name: 'mnist', trainSubset: 1000 }, interpolation: { alpha: 0.5, mode: 'sync' }, training: { epochs: 2, batchSize: 100 } });
  const e = hoverAt(perEpoch, at(perEpoch, '0.5'), 'h.imlp.json')!;
  assert.match(e.markdown, /every epoch: 2 syncs in 20 steps/);
  assert.match(e.markdown, /\*\*75%\*\*/);
});

test('sync mode with no sync inside the run says α changes nothing', () => {
  const text = file({ dataset: { name: 'mnist', trainSubset: 500 }, interpolation: { alpha: [0.3], mode: 'sync', syncEvery: 100 }, training: { epochs: 1, batchSize: 100 } });
  assert.match(hoverAt(text, at(text, '0.3'), 'h.imlp.json')!.markdown, /No sync falls inside the run \(5 steps < syncEvery 100\)/);
});

test('forward mode: the weight mix, the steps and the schedule; α = 0 and α = 1 are named', () => {
  const text = file({ dataset: { name: 'mnist', trainSubset: 1000 }, interpolation: { alpha: [0, 0.25, 1] }, training: { epochs: 2, batchSize: 100 } });
  const q = hoverAt(text, at(text, '0.25'), 'h.imlp.json')!.markdown;
  assert.match(q, /\*\*forward\*\* mode: every forward pass uses W_eff = \(1 − α_t\)·W \+ α_t·dense\(P\)/);
  assert.match(q, /20 steps \(2 epochs of 10\)/);
  assert.match(q, /α_t = 0\.25 at every step \(constant schedule\)/);
  assert.match(q, /75% the MLP's own weights W, 25% the prior's/);
  assert.match(hoverAt(text, at(text, ' 0,', 0, 1), 'h.imlp.json')!.markdown, /α = 0 is the plain MLP/);
  assert.match(hoverAt(text, at(text, ' 1\n', 0, 1), 'h.imlp.json')!.markdown, /computes exactly the prior's function/);
  // A linear schedule over 20 steps: α_t = α·(1 − t/20) at steps 1, 10, 20 → 0.25, 0.1375, 0.0125.
  const lin = file({ dataset: { name: 'mnist', trainSubset: 1000 }, interpolation: { alpha: [0.25], schedule: 'linear' }, training: { epochs: 2, batchSize: 100 } });
  const l = hoverAt(lin, at(lin, '0.25'), 'h.imlp.json')!.markdown;
  assert.match(l, /linear schedule: α_t = 0\.25 at step 1, 0\.138 at step 10, 0\.0125 at step 20/);
  assert.match(l, /W_eff = 0\.988·W \+ 0\.0125·dense\(P\)/);
});

test('the "alpha" key lists the values (a grid too); no hover elsewhere, on a grid\'s count or in an invalid file', () => {
  const text = file({ interpolation: { alpha: { grid: 'log', from: 0.001, to: 0.1, count: 3 } } });
  const key = hoverAt(text, at(text, '"alpha"', 0, 2), 'h.imlp.json')!;
  assert.equal(text.slice(key.offset, key.offset + key.length), '"alpha"');
  assert.match(key.markdown, /\*\*3 α values\*\*: 0\.001, 0\.01, 0\.1/);
  assert.equal(hoverAt(text, at(text, '3'), 'h.imlp.json'), undefined, 'count is not an α');
  assert.equal(hoverAt(text, at(text, '"name"', 0, 2), 'h.imlp.json'), undefined);
  const bad = file({ interpolation: { alpha: [0.5] }, training: { epochs: 0 } });
  assert.equal(hoverAt(bad, at(bad, '0.5'), 'h.imlp.json'), undefined, 'the diagnostics speak for an invalid file');
});

test('the prior shows each dense matrix and the estimated memory of a run, against the budget', () => {
  const text = file({ dataset: 'mnist', interpolation: { alpha: [0.5] } });
  const config = parseExperiment(text, 'h.imlp.json');
  const est = estimateMemory({ priorLayers: config.prior!.layers, inputShape: [28, 28, 1], classes: 10, optimizer: config.training.optimizer, mode: 'forward', source: 'frozen' });
  const h = hoverAt(text, at(text, 'cnn-tiny', 0, 2), 'h.imlp.json', () => 2 ** 30)!;
  assert.equal(text.slice(h.offset, h.offset + h.length), '"cnn-tiny"');
  assert.match(h.markdown, new RegExp(`the I-MLP has ${est.layers.length} dense matrices`));
  for (const l of est.layers) assert.ok(h.markdown.includes(`| ${l.layer} | ${l.din.toLocaleString('en-US')} × ${l.dout.toLocaleString('en-US')} |`), l.layer);
  assert.ok(h.markdown.includes(`**${formatBytes(est.totalBytes)}**`), h.markdown);
  assert.equal(formatBytes(3 * 2 ** 30), '3.00 GiB');
  assert.equal(formatBytes(1.5 * 2 ** 20), '1.5 MiB');
  assert.equal(formatBytes(784 * 10 * 4), '30.6 KiB');
  assert.match(h.markdown, /fits the budget of 1\.00 GiB/);
  const tight = hoverAt(text, at(text, '"prior"', 0, 1), 'h.imlp.json', () => 1024)!;
  assert.match(tight.markdown, /more than the budget of .*the run would be refused/);
  // A plain model has no prior hover.
  assert.equal(hoverAt('{"name": "p", "prior": {"preset": "cnn-tiny"}}', 12, 'p.imlp.json'), undefined);
});

test('the provider is registered for experiment files and returns a Hover with its range', () => {
  stub.reset();
  stub.folders.push({ uri: vscode.Uri.file(tempDir()), name: 'ws', index: 0 });
  activate({ subscriptions: [], extensionPath: process.cwd() } as unknown as vscode.ExtensionContext);
  assert.equal(stub.hoverProviders.length, 1);
  assert.deepEqual(stub.hoverProviders[0]!.selector, [{ scheme: 'file', pattern: '**/*.imlp.json' }]);
  const text = file({ dataset: { name: 'mnist', trainSubset: 1000 }, interpolation: { alpha: [0.2], mode: 'sync', syncEvery: 'epoch' }, training: { epochs: 1, batchSize: 100 } });
  const doc = createDocument(vscode.Uri.file('/w/h.imlp.json'), text);
  const hover = stub.hoverProviders[0]!.provider.provideHover(doc, doc.positionAt(at(text, '0.2'))) as vscode.Hover;
  assert.ok(hover instanceof vscode.Hover);
  assert.match((hover.contents[0] as vscode.MarkdownString).value, /1 sync in 10 steps.*\n[\s\S]*\*\*20%\*\*/);
  assert.equal(hover.range!.start.line, doc.positionAt(at(text, '0.2')).line);
  assert.equal(stub.hoverProviders[0]!.provider.provideHover(doc, doc.positionAt(at(text, '"name"'))), undefined);
});
