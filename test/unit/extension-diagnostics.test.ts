// Diagnostics of experiment files: problem path → text range, and the problems the schema cannot see
// (a missing dataset with its download quick fix, an I-MLP too large for the memory budget).
import './stubs/register-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { fileProblems, inputShapeOf, memoryProblem } from '../../src/extension/checks';
import { activate } from '../../src/extension/extension';
import { alphaSpans, offsetAt, parseJsonTree, parseProblemPath, spanForPath } from '../../src/extension/jsonPaths';
import { parseExperiment } from '../../src/core/experiment/validate';
import { createDocument, stub } from './stubs/vscode';
import { tempDir } from './stubs/runs';

const TEXT = `{
  "name": "paths",
  "model": { "kind": "cnn", "layers": [
    { "type": "conv", "filters": 8, "kernel": 3 },
    { "type": "relu" },
    { "type": "conv", "filters": 8, "kernel": 4 },
    { "type": "flatten" },
    { "type": "dense", "units": 10 }
  ] },
  "training": {
    "batchSize": 0,
    "epoch": 2
  },
  "odd key": { "x.y": 1 }
}`;

const shown = (path: string) => {
  const s = spanForPath(TEXT, path);
  return TEXT.slice(s.offset, s.offset + s.length);
};

test('problem paths: dotted and indexed paths become JSON segments', () => {
  assert.deepEqual(parseProblemPath('model.layers[2].kernel'), ['model', 'layers', 2, 'kernel']);
  assert.deepEqual(parseProblemPath('training.batchSize'), ['training', 'batchSize']);
  assert.deepEqual(parseProblemPath('["odd key"]["x.y"]'), ['odd key', 'x.y']);
  assert.deepEqual(parseProblemPath(''), []);
});

test('path → range: a scalar field underlines "key": value, an object or list its key, a missing field its parent', () => {
  assert.equal(shown('training.batchSize'), '"batchSize": 0');
  assert.equal(shown('model.layers[2].kernel'), '"kernel": 4');
  assert.equal(shown('model.layers[2]'), '{ "type": "conv", "filters": 8, "kernel": 4 }');
  assert.equal(shown('model.layers'), '"layers"');
  assert.equal(shown('training.epoch'), '"epoch": 2', 'an unknown field is underlined where it is written');
  assert.equal(shown('training.epochs'), '"training"', 'a missing required field: the object that lacks it');
  assert.equal(shown('prior.layers'), '{', 'nothing of the path exists: the start of the file');
  assert.equal(shown(''), '{');
  assert.equal(shown('["odd key"]["x.y"]'), '"x.y": 1');
});

test('JSON syntax errors are placed by their line and column', () => {
  const bad = '{\n  "name": "x",\n  "training": { "epochs": 1, }\n}';
  assert.equal(offsetAt(bad, 1, 1), 0);
  assert.equal(offsetAt(bad, 2, 3), bad.indexOf('"name"'));
  return fileProblems(bad, 'bad.imlp.json', { checkDataset: false }).then((problems) => {
    assert.equal(problems.length, 1);
    const p = problems[0]!;
    assert.equal(p.code, 'schema');
    assert.match(p.message, /line 3, column \d+: comma before "}" — remove the last comma/);
    assert.equal(bad[p.offset], ',', 'the offending comma');
    assert.equal(bad.slice(0, p.offset).split('\n').length, 3);
  });
});

test('validator problems: each on its field, message = problem — fix', async () => {
  const problems = await fileProblems(TEXT, 'paths.imlp.json', { checkDataset: false });
  const byPath = new Map(problems.map((p) => [p.path, p]));
  const batch = byPath.get('training.batchSize')!;
  assert.equal(TEXT.slice(batch.offset, batch.offset + batch.length), '"batchSize": 0');
  assert.match(batch.message, /must be ≥ 1, not 0 — use a whole number/);
  assert.match(byPath.get('training.epoch')!.message, /unknown field "epoch".* — did you mean "epochs"\?/);
  assert.ok(problems.every((p) => p.severity === 'error' && p.code === 'schema'));
});

test('α values are found in a list or as one number', () => {
  const spans = alphaSpans(parseJsonTree('{"interpolation": {"alpha": [0, 1e-3, 0.5]}}'));
  assert.deepEqual(spans.map((s) => s.alpha), [0, 0.001, 0.5]);
  assert.deepEqual(alphaSpans(parseJsonTree('{"interpolation": {"alpha": 0.25}}')).map((s) => s.alpha), [0.25]);
  assert.deepEqual(alphaSpans(parseJsonTree('{"interpolation": {"alpha": {"grid": "two-sided-log"}}}')), []);
});

test('input shapes from the dataset name: 28×28×1, 32×32×3 with resize32 or CIFAR; 100 classes for cifar100', () => {
  assert.deepEqual(inputShapeOf({ name: 'mnist' }), { shape: [28, 28, 1], classes: 10 });
  assert.deepEqual(inputShapeOf({ name: 'fashion-mnist', resize32: true }), { shape: [32, 32, 3], classes: 10 });
  assert.deepEqual(inputShapeOf({ name: 'cifar10' }), { shape: [32, 32, 3], classes: 10 });
  assert.deepEqual(inputShapeOf({ name: 'cifar100' }), { shape: [32, 32, 3], classes: 100 });
});

const BIG_PRIOR = `{
  "name": "too-big",
  "dataset": "cifar10",
  "model": { "kind": "imlp" },
  "prior": { "layers": [
    { "type": "conv", "filters": 64, "kernel": 3, "padding": 1 }, { "type": "relu" },
    { "type": "flatten" }, { "type": "dense", "units": 10 }
  ] },
  "interpolation": { "alpha": [0.5] }
}`;

test('a prior too large for the memory budget: an error on "prior" with the numbers', async () => {
  const config = parseExperiment(BIG_PRIOR, 'too-big.imlp.json');
  const m = memoryProblem(config, 3 * 2 ** 30);
  assert.equal(m?.code, 'memory');
  assert.match(m!.message, /does not fit: it needs about [\d.]+ GiB, more than the memory budget of 3\.00 GiB/);
  assert.match(m!.message, /prior\.layers\[0\]\s+3072 × 65536/);
  assert.equal(memoryProblem(config, 2 ** 40), undefined, 'fits a large budget');
  const cacheDir = tempDir();
  const problems = await fileProblems(BIG_PRIOR, 'too-big.imlp.json', { budgetBytes: 3 * 2 ** 30, cacheDir });
  const p = problems.find((x) => x.code === 'memory')!;
  assert.equal(p.severity, 'error');
  assert.equal(BIG_PRIOR.slice(p.offset, p.offset + p.length), '"prior"');
  // The budget can depend on the file (its backend).
  const seen: string[] = [];
  await fileProblems(BIG_PRIOR, 'too-big.imlp.json', { budgetBytes: (c) => (seen.push(c.backend), undefined), checkDataset: false });
  assert.deepEqual(seen, ['auto']);
});

test('prior layers that do not fit the images are reported on prior.layers', () => {
  const config = parseExperiment('{"name": "t", "model": {"kind": "imlp"}, "prior": {"layers": [{"type": "conv", "filters": 4, "kernel": 9, "stride": 4}, {"type": "conv", "filters": 4, "kernel": 9, "stride": 4}, {"type": "flatten"}, {"type": "dense", "units": 10}]}, "interpolation": {"alpha": [1]}}', 't.imlp.json');
  const m = memoryProblem(config, 2 ** 40);
  assert.equal(m?.code, 'layers');
  assert.match(m!.message, /prior\.layers\[1\]: conv kernel 9 stride 4 leaves no output on a 5×5 input.*\(for 28×28×1 mnist images\)/);
});

test('a dataset not on this machine: a warning on dataset.name with a Download quick fix', async () => {
  stub.reset();
  const dir = tempDir();
  stub.folders.push({ uri: vscode.Uri.file(dir), name: 'ws', index: 0 });
  stub.settings.set('imlp.dataDirectory', 'datasets'); // an empty cache folder in the workspace
  activate({ subscriptions: [], extensionPath: process.cwd() } as unknown as vscode.ExtensionContext);
  const text = '{\n  "name": "c",\n  "dataset": { "name": "cifar10" }\n}\n';
  const doc = createDocument(vscode.Uri.file(`${dir}/c.imlp.json`), text);
  const problems = await fileProblems(text, doc.uri.fsPath, { cacheDir: `${dir}/datasets` });
  assert.equal(problems.length, 1);
  const p = problems[0]!;
  assert.equal(p.code, 'dataset-missing');
  assert.equal(p.severity, 'warning');
  assert.equal(text.slice(p.offset, p.offset + p.length), '"name": "cifar10"');
  assert.match(p.message, /CIFAR-10 is not downloaded yet: the first run fetches 170 MB from www\.cs\.toronto\.edu into .*datasets/);

  // Through the extension: the collection "imlp" gets the diagnostic, and the quick fix downloads.
  stub.open(doc.uri, text);
  const collection = stub.diagnostics.get('imlp')!;
  for (let i = 0; i < 50 && !collection.get(doc.uri.toString()); i++) await new Promise((r) => setTimeout(r, 20));
  const diags = collection.get(doc.uri.toString())!;
  assert.equal(diags.length, 1);
  assert.equal(diags[0]!.severity, vscode.DiagnosticSeverity.Warning);
  assert.equal(diags[0]!.source, 'I-MLP');
  assert.deepEqual([diags[0]!.range.start.line, diags[0]!.range.start.character], [2, 15]);
  const actions = stub.codeActionProviders[0]!.provider.provideCodeActions(doc, diags[0]!.range, { diagnostics: diags }) as vscode.CodeAction[];
  assert.equal(actions.length, 1);
  assert.equal(actions[0]!.title, 'Download CIFAR-10');
  assert.equal(actions[0]!.command!.command, 'imlp.downloadDataset');
  assert.equal(actions[0]!.command!.arguments![0], 'cifar10');
});

test('untrusted workspace: diagnostics still work; the download quick fix explains instead of downloading', async () => {
  stub.reset();
  stub.trusted = false;
  activate({ subscriptions: [], extensionPath: process.cwd() } as unknown as vscode.ExtensionContext);
  const result = await stub.commands.get('imlp.downloadDataset')!('cifar10');
  assert.equal(result, undefined);
  const warning = stub.messages.find((m) => m.kind === 'warning')!;
  assert.match(warning.message, /does not download datasets in an untrusted workspace/);
  assert.deepEqual(warning.items, ['Manage Workspace Trust']);
});
