// Every example experiment (examples/, examples/fashion/) is valid as written and trains, so none can rot:
// each is run as a sweep on a short budget (few images, one epoch, one seed, one α), keeping everything
// that shapes the method (dataset, prior, mode, sync period, schedule, options). An example whose dataset
// is not on this machine (CIFAR-10) is validated and its run skipped, saying why. The pre-trained-prior
// example is pointed at the prior run the CNN-prior example trained, as a user would do.
// Every preset of "New Experiment" is one of these files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { datasetStatus } from '../../src/core/data';
import { loadExperiment, parseExperiment } from '../../src/core/experiment/validate';
import { localExecutor } from '../../src/core/executor';
import { ResultsStore } from '../../src/core/results/store';
import { planSweep } from '../../src/core/sweep/plan';
import { runSweep } from '../../src/core/sweep/runSweep';
import { EXPERIMENT_PRESETS, presetText } from '../../src/extension/presets';
import { scratch } from './helpers';

const EXAMPLES = ['examples', 'examples/fashion'].flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.imlp.json')).sort().map((f) => join(d, f)));
const PRETRAINED = 'examples/pretrained-prior.imlp.json';
// Run first: it trains the frozen cnn-tiny prior the pre-trained-prior example then reuses.
const PRIOR_SOURCE = 'examples/cnn-prior.imlp.json';
const order = [PRIOR_SOURCE, ...EXAMPLES.filter((f) => f !== PRIOR_SOURCE && f !== PRETRAINED), PRETRAINED];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const BATCH = 32;

/** The example on a short budget: what makes it that example stays, its size shrinks. */
function shortBudget(body: Json): Json {
  const b = structuredClone(body);
  const interp = b.interpolation as Json | undefined;
  // Enough steps for one sync when the example syncs every K steps, else 4.
  const steps = Math.max(4, typeof interp?.syncEvery === 'number' ? interp.syncEvery : 0);
  const dataset = typeof b.dataset === 'string' ? { name: b.dataset } : (b.dataset ?? { name: 'mnist' });
  b.dataset = { ...dataset, trainSubset: steps * BATCH, testSubset: 128 };
  b.training = { ...b.training, epochs: 1, batchSize: BATCH, seeds: [0] };
  delete b.training.seed;
  if (b.prior?.training) b.prior.training = { ...b.prior.training, epochs: 1, batchSize: BATCH, seeds: [0] };
  return b;
}

test('New Experiment offers every example as a preset, and each preset writes a valid file', () => {
  const ids = EXPERIMENT_PRESETS.map((p) => p.id);
  assert.deepEqual(ids.slice(0, 1), ['demo'], 'the quick demo comes first');
  for (const id of ['demo', 'cnn-prior', 'mixer-prior', 'two-sided-sweep', 'cifar10-cnn-prior', 'pretrained-prior']) assert.ok(ids.includes(id), id);
  const top = EXAMPLES.filter((f) => !f.includes('/fashion/')).map((f) => f.replace(/^examples\/|\.imlp\.json$/g, '')).sort();
  assert.deepEqual([...ids].sort(), top, 'one preset per example in examples/');
  for (const p of EXPERIMENT_PRESETS) {
    assert.ok(p.detail.length > 20, `${p.id} has a description`);
    assert.equal(parseExperiment(presetText(p, `/w/${p.id}-copy.imlp.json`), `/w/${p.id}-copy.imlp.json`).name, `${p.id}-copy`);
  }
});

const { root } = scratch('imlp-examples-');
const store = new ResultsStore(join(root, '.imlp'));
const execute = localExecutor();
let trainedPriorId: string | undefined;

for (const file of order) {
  test(`${relative('examples', file)}: valid as written, and a short sweep of it trains every planned run`, async (t) => {
    const written = await loadExperiment(file);
    assert.ok(written.description && written.description.length > 20, 'it says what it is for');
    const body = JSON.parse(readFileSync(file, 'utf8')) as Json;
    const short = shortBudget(body);
    if (file === PRETRAINED) {
      assert.ok(trainedPriorId, `${PRIOR_SOURCE} trained a prior first`);
      short.prior.run = trainedPriorId;
    }
    const config = parseExperiment(JSON.stringify(short), file);
    if (config.interpolation) {
      // One α: the written value nearest 0.5, so the run really interpolates.
      const alpha = [...config.interpolation.alphas].sort((a, b) => Math.abs(a - 0.5) - Math.abs(b - 0.5))[0]!;
      config.interpolation.alphas = [alpha];
    }
    const status = await datasetStatus(config.dataset.name, { dataDir: config.dataset.dataDir });
    if (!status.present) {
      t.skip(`${config.dataset.name} is not on this machine (${status.message}); validated only`);
      return;
    }
    const outcome = await runSweep({ config, experimentFile: file, store, execute });
    const plan = planSweep(config);
    const failed = outcome.records.filter((r) => r.status !== 'finished');
    assert.deepEqual(failed.map((r) => `${r.id}: ${r.status} ${r.error ?? ''}`), []);
    assert.equal(outcome.records.length, plan.runs.length, 'every planned run');
    for (const r of outcome.records) assert.ok(r.result && r.result.testAccuracy > 0.1, `${r.id} learned something: ${r.result?.testAccuracy}`);
    if (plan.prior) assert.ok(outcome.priorRunId, 'the frozen prior was trained');
    if (file === PRIOR_SOURCE) trainedPriorId = outcome.priorRunId;
    if (file === PRETRAINED) {
      assert.equal(plan.prior, undefined, 'no new prior is trained');
      assert.ok(outcome.records.filter((r) => r.role === 'run').every((r) => r.priorRunId === trainedPriorId), 'the runs interpolate toward the given prior');
    }
  });
}
