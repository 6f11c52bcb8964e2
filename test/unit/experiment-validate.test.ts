// Reading experiment files: every class of mistake gives a message naming the field and a fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentError, formatProblems, loadExperiment, parseExperiment, type Problem } from '../../src/core/experiment/validate';

const FILE = 'test.imlp.json';

function problemsOf(doc: unknown): Problem[] {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  try {
    parseExperiment(text, FILE);
  } catch (err) {
    assert.ok(err instanceof ExperimentError, String(err));
    assert.equal(err.file, FILE);
    return err.problems;
  }
  assert.fail('expected the experiment to be refused');
}

/** The one problem at `path`; its message and fix must match. */
function expectProblem(problems: Problem[], path: string, message: RegExp, fix: RegExp): void {
  const found = problems.filter((p) => p.path === path);
  assert.equal(found.length, 1, `one problem at "${path}" in ${JSON.stringify(problems, null, 1)}`);
  assert.match(found[0]!.message, message);
  assert.match(found[0]!.fix, fix);
}

const imlp = (extra: Record<string, unknown> = {}) => ({
  name: 'sweep',
  model: { kind: 'imlp' },
  prior: { preset: 'cnn-small' },
  interpolation: { alpha: { grid: 'two-sided-log' } },
  ...extra,
});

test('the quick example validates', async () => {
  const config = await loadExperiment('examples/quick.imlp.json');
  assert.equal(config.name, 'quick');
  assert.deepEqual(config.model, { kind: 'mlp', hidden: [512], activation: 'relu' });
  assert.deepEqual(config.training.optimizer, { name: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  assert.deepEqual(config.training.seeds, [0]);
});

test('an unknown field suggests the closest known one', () => {
  const problems = problemsOf({ name: 'x', training: { epoch: 3 }, model: { kind: 'mlp', hiden: [64] } });
  expectProblem(problems, 'training.epoch', /unknown field "epoch" in training/, /did you mean "epochs"\?/);
  expectProblem(problems, 'model.hiden', /unknown field "hiden" in model \(kind "mlp"\)/, /did you mean "hidden"\?/);
  const far = problemsOf({ name: 'x', colour: 'red' });
  expectProblem(far, 'colour', /unknown field "colour"/, /remove it; the fields allowed here are "version", "name"/);
});

test('a value outside an enum lists the allowed values and the closest one', () => {
  const problems = problemsOf({ name: 'x', dataset: { name: 'fashion_mnist' }, backend: 'gpu' });
  expectProblem(problems, 'dataset.name', /"fashion_mnist" is not one of the allowed values/, /did you mean "fashion-mnist"\? use one of "mnist", "fashion-mnist", "cifar10", "cifar100"/);
  expectProblem(problems, 'backend', /"gpu"/, /"auto", "tensorflow", "wasm", "cpu"/);
});

test('an unknown preset lists the known ones', () => {
  const problems = problemsOf(imlp({ prior: { preset: 'cnn_small' } }));
  expectProblem(problems, 'prior.preset', /"cnn_small" is not one of the allowed values/, /did you mean "cnn-small"\? use one of "cnn-tiny", "cnn-small", .*"mixer-small"/);
});

test('a wrong type says what was expected and what was found', () => {
  const problems = problemsOf({ name: 'x', training: { batchSize: '128', epochs: 1.5, dropLast: 'true' }, model: { kind: 'mlp', hidden: 256 } });
  expectProblem(problems, 'training.batchSize', /must be a whole number, not the string "128"/, /remove the quotes: 128/);
  expectProblem(problems, 'training.epochs', /must be a whole number, not 1\.5/, /use a whole number, e\.g\. 2/);
  expectProblem(problems, 'training.dropLast', /must be true or false/, /remove the quotes: true/);
  expectProblem(problems, 'model.hidden', /must be a list/, /put it in a list: \[256\]/);
});

test('a union reports only the form that fits the value', () => {
  // A string optimizer: only the name form's complaint, not "must be object" from the object form.
  const optimizer = problemsOf({ name: 'x', training: { optimizer: 'adamw' } });
  assert.equal(optimizer.length, 1);
  expectProblem(optimizer, 'training.optimizer', /"adamw" is not one of the allowed values/, /did you mean "adam"\? use one of "adam", "sgd", or the form \{"name":"sgd"/);
  // An object optimizer: the object form's complaints only.
  const object = problemsOf({ name: 'x', training: { optimizer: { name: 'adam', lr: 0, beta3: 1 } } });
  assert.equal(object.length, 2);
  expectProblem(object, 'training.optimizer.lr', /must be > 0, not 0/, /a number > 0 and ≤ 10 \(default 0\.001\)/);
  expectProblem(object, 'training.optimizer.beta3', /unknown field "beta3" in training\.optimizer \(name "adam"\)/, /did you mean "beta1"\?/);
  // A value that fits no form: one message listing the forms.
  const none = problemsOf({ name: 'x', dataset: 5 });
  assert.equal(none.length, 1);
  expectProblem(none, 'dataset', /must be one of "mnist", .* or an object \{\.\.\.\}, not 5/, /e\.g\. "mnist"/);
  const schedule = problemsOf(imlp({ interpolation: { alpha: 0.5, schedule: 'exponential' } }));
  expectProblem(schedule, 'interpolation.schedule', /"exponential" is not one of the allowed values/, /or the form \{"kind":"exponential","gamma":0\.9\}/);
});

test('a union chosen by kind or type reports the chosen branch, or the unknown tag', () => {
  const problems = problemsOf({
    name: 'x',
    model: { kind: 'cnn', layers: [{ type: 'maxpol', size: 2 }, {}, { type: 'dense' }] },
  });
  expectProblem(problems, 'model.layers[0].type', /unknown type "maxpol"/, /did you mean "maxpool"\? "type" is one of "conv", "avgpool", "maxpool"/);
  expectProblem(problems, 'model.layers[1].type', /missing required field "type"/, /"type" is one of "conv"/);
  expectProblem(problems, 'model.layers[2].units', /missing required field "units" in model\.layers\[2\] \(type "dense"\)/, /add it, e\.g\. "units": 10/);
  expectProblem(problemsOf({ name: 'x', model: { kind: 'transformer' } }), 'model.kind', /unknown kind "transformer"/, /"kind" is one of "mlp", "cnn", "imlp"/);
});

test('missing fields, ranges, patterns and duplicates', () => {
  expectProblem(problemsOf({}), 'name', /missing required field "name"/, /add it, e\.g\. "name": "quick"/);
  expectProblem(problemsOf({ name: 'my experiment' }), 'name', /"my experiment" must be 1–64 letters, digits/, /e\.g\. "quick"/);
  expectProblem(problemsOf({ name: '..' }), 'name', /must be 1–64 letters/, /change it/);
  expectProblem(problemsOf({ name: 'x', training: { batchSize: 0 } }), 'training.batchSize', /must be ≥ 1, not 0/, /a whole number from 1 to 65536 \(default 128\)/);
  expectProblem(problemsOf({ name: 'x', version: 2 }), 'version', /must be 1, not 2/, /write 1/);
  expectProblem(problemsOf({ name: 'x', training: { seeds: [0, 1, 0] } }), 'training.seeds', /0 appears twice \(items 0 and 2\)/, /remove the duplicate/);
  expectProblem(problemsOf(imlp({ interpolation: { alpha: [0, 0.1, 0.1] } })), 'interpolation.alpha', /0\.1 appears twice \(items 1 and 2\)/, /remove the duplicate/);
  expectProblem(problemsOf(imlp({ interpolation: { alpha: 2 } })), 'interpolation.alpha', /must be ≤ 1, not 2/, /a number from 0 to 1/);
});

test('an I-MLP needs a prior and an interpolation section; other models use neither', () => {
  const bare = problemsOf({ name: 'x', model: { kind: 'imlp' } });
  expectProblem(bare, 'prior', /model kind "imlp" needs a prior/, /"prior": \{"preset": "cnn-small"\}/);
  expectProblem(bare, 'interpolation', /needs an interpolation section/, /"interpolation": \{"alpha"/);
  const plain = problemsOf({ name: 'x', prior: { preset: 'cnn-small' }, interpolation: { alpha: 0.5 } });
  expectProblem(plain, 'interpolation', /interpolation applies only to model kind "imlp", not "mlp"/, /set "model": \{"kind": "imlp"\}/);
  expectProblem(plain, 'prior', /a prior is used only by model kind "imlp"/, /remove "prior"/);
});

test('a prior or CNN gives exactly one of preset and layers', () => {
  const both = problemsOf(imlp({ prior: { preset: 'cnn-small', layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }] } }));
  expectProblem(both, 'prior', /both "preset" and "layers" are given/, /keep one/);
  const neither = problemsOf({ name: 'x', model: { kind: 'cnn' } });
  expectProblem(neither, 'model', /neither "preset" nor "layers" is given/, /one of "cnn-tiny", "cnn-small"/);
});

test('layer rules: odd kernels for "same", a dense head, a dense form in priors', () => {
  const problems = problemsOf(
    imlp({
      prior: {
        layers: [
          { type: 'conv', filters: 4, kernel: 4, padding: 'same' },
          { type: 'maxpool', size: 2 },
          { type: 'batchnorm' },
          { type: 'flatten' },
        ],
      },
    }),
  );
  expectProblem(problems, 'prior.layers[0].padding', /"same" padding needs an odd kernel, and the kernel is 4/, /use an odd kernel/);
  expectProblem(problems, 'prior.layers[1]', /maxpool has no dense form/, /"avgpool"/);
  expectProblem(problems, 'prior.layers[2]', /batchnorm has no dense form/, /"layernorm"/);
  expectProblem(problems, 'prior.layers[3]', /the last layer must be the dense head, not flatten/, /\{"type": "dense", "units": 10\}/);
  // A CNN model may use max-pooling.
  assert.doesNotThrow(() =>
    parseExperiment(JSON.stringify({ name: 'x', model: { kind: 'cnn', layers: [{ type: 'conv', filters: 4, kernel: 3 }, { type: 'maxpool', size: 2 }, { type: 'flatten' }, { type: 'dense', units: 10 }] } }), FILE),
  );
});

test('shorthands given twice and options that do not apply are refused', () => {
  const problems = problemsOf(
    imlp({
      training: { lr: 0.1, optimizer: { name: 'sgd', lr: 0.2 }, seed: 1, seeds: [1, 2] },
      prior: { preset: 'cnn-small', source: 'co-trained', run: 'r1' },
      dataset: { name: 'cifar10', resize32: true },
    }),
  );
  expectProblem(problems, 'training.lr', /the learning rate is given twice/, /remove one/);
  expectProblem(problems, 'training.seed', /both "seed" and "seeds"/, /keep one/);
  expectProblem(problems, 'prior.run', /a co-trained prior trains beside the I-MLP, so "run" does not apply/, /"source": "frozen"/);
  expectProblem(problems, 'dataset.resize32', /cifar10 images are already 32×32×3/, /remove "resize32"/);
  const loaded = problemsOf(imlp({ prior: { preset: 'cnn-small', run: 'r1', training: { epochs: 5 } } }));
  expectProblem(loaded, 'prior.training', /loaded from "run"/, /remove "training"/);
});

test('grids: an empty range and a sweep too large to be meant', () => {
  const empty = problemsOf(imlp({ interpolation: { alpha: { grid: 'log', from: 0.1, to: 0.01, count: 3 } } }));
  expectProblem(empty, 'interpolation.alpha.to', /"to" \(0\.01\) must be greater than "from" \(0\.1\)/, /swap them/);
  const seeds = Array.from({ length: 600 }, (_, i) => i);
  const huge = problemsOf(imlp({ training: { seeds } }));
  expectProblem(huge, 'interpolation.alpha', /17 α values × 600 seeds = 10,200 runs, more than 10,000/, /fewer α values or seeds/);
});

test('all problems are reported together, one line each', () => {
  try {
    parseExperiment(JSON.stringify({ name: 'a b', training: { epoch: 1, batchSize: 0 }, backend: 'gpu', interpolation: { alpha: 0.5 } }), FILE);
    assert.fail('expected a refusal');
  } catch (err) {
    assert.ok(err instanceof ExperimentError);
    assert.deepEqual(err.problems.map((p) => p.path).sort(), ['backend', 'interpolation', 'name', 'training.batchSize', 'training.epoch']);
    const lines = formatProblems(err).split('\n');
    assert.equal(lines.length, 5);
    for (const line of lines) assert.match(line, /^test\.imlp\.json: [\w.[\]]+: .+ — .+$/);
    assert.equal(err.message, formatProblems(err));
  }
});

test('a UTF-8 byte-order mark is ignored', () => {
  assert.equal(parseExperiment('\uFEFF{"name": "bom"}', FILE).name, 'bom');
});

test('invalid JSON names the line and column', () => {
  const cases: Array<[string, number, number, RegExp, RegExp]> = [
    ['{\n  "name": "x",\n}', 2, 14, /comma before "}"/, /remove the last comma/],
    ['{\n  "name": "x"\n  "dataset": "mnist"\n}', 3, 3, /missing comma/, /add ","/],
    ['{\n  // a note\n  "name": "x"\n}', 2, 3, /comments are not allowed/, /"description"/],
    ['{"name": \'x\'}', 1, 10, /double quotes/, /replace '/],
    ['{"name": "x", "dataset": tru}', 1, 26, /unexpected "t": expected a value/, /write a value/],
    ['{"name": "x"', 1, 13, /the file ends early/, /close every/],
    ['', 1, 1, /the file is empty/, /\{"name": "quick"\}/],
    ['{"name": "x", "dataset": {"dataDir": "C:\\data"}}', 1, 41, /invalid escape "\\d"/, /C:\/data/],
  ];
  for (const [text, line, column, message, fix] of cases) {
    const [problem, ...rest] = problemsOf(text);
    assert.equal(rest.length, 0);
    assert.deepEqual([problem!.line, problem!.column], [line, column], text);
    assert.match(problem!.message, new RegExp(`^invalid JSON at line ${line}, column ${column}: `));
    assert.match(problem!.message, message);
    assert.match(problem!.fix, fix);
  }
});

test('a file over 1 MB is refused before it is parsed', async () => {
  const text = `{"name": "x", "description": "${'a'.repeat(1024 * 1024)}"`; // also invalid JSON: never parsed
  const [problem] = problemsOf(text);
  assert.match(problem!.message, /the file is 1\.0 MB; experiment files are limited to 1 MB/);
  const dir = await mkdtemp(join(tmpdir(), 'imlp-'));
  await writeFile(join(dir, 'big.imlp.json'), text + '}');
  await assert.rejects(loadExperiment(join(dir, 'big.imlp.json')), (err: unknown) => err instanceof ExperimentError && /limited to 1 MB/.test(err.problems[0]!.message));
});

test('a missing file or a folder is named in the error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'imlp-'));
  const missing = join(dir, 'nope.imlp.json');
  await assert.rejects(loadExperiment(missing), (err: unknown) => err instanceof ExperimentError && err.file === missing && err.problems[0]!.message === `file not found: ${missing}`);
  await assert.rejects(loadExperiment(dir), (err: unknown) => err instanceof ExperimentError && /is a folder/.test(err.problems[0]!.message));
});
