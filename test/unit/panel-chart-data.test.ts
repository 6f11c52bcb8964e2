// The experiment panel's data transforms (webview/chartData.ts, webview/runOrder.ts), with numbers:
// what each chart draws is checked here, in Node, without a browser.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { twoSidedAxis } from '../../src/core/analysis';
import type { ExperimentConfig } from '../../src/core/experiment/types';
import { PALETTE, summarizeSweep, type SweepReport } from '../../src/core/report';
import type { RunRecord, RunRole } from '../../src/core/results';
import type { LossSeries, PanelRun, ScheduleView } from '../../src/shared/protocol';
import { accuracyData, accuracyRange, LossBuffer, nearestSeedPoint, scheduleArrays, scheduleAt, type AccuracyData } from '../../webview/chartData';
import { formatDuration, sortRuns } from '../../webview/runOrder';

// ---- hand-made sweeps -------------------------------------------------------------------------

const CONFIG: ExperimentConfig = {
  version: 1,
  name: 'sweep',
  dataset: { name: 'mnist', augment: { crop: 0, flip: false } },
  model: { kind: 'imlp' },
  training: { epochs: 2, batchSize: 32, optimizer: { name: 'sgd', lr: 0.1, momentum: 0 }, seeds: [0, 1, 2], dropLast: false, evalEvery: 0 },
  backend: 'cpu',
  prior: { preset: 'cnn-small', layers: [], source: 'frozen' },
  interpolation: { alphas: [], mode: 'forward', syncEvery: 'epoch', schedule: { kind: 'constant' }, biases: true, exclude: [], resetOptimizerOnSync: false, evaluate: 'after-sync' },
};

function record(sweepId: string, seed: number, accuracy: number, alpha?: number, role: RunRole = 'run'): RunRecord {
  return {
    schema: 1,
    id: `${sweepId}-${role}-a${alpha ?? '-'}-s${seed}`,
    name: sweepId,
    config: role === 'run' ? CONFIG : { ...CONFIG, interpolation: undefined },
    seed,
    alpha,
    role,
    sweepId,
    status: 'finished',
    versions: { imlp: '0.1.0', tfjs: '4.22.0', node: '20' },
    host: { platform: 'linux', arch: 'x64', cpus: 2 },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:10:00.000Z',
    finishedAt: '2026-01-01T00:10:00.000Z',
    timings: { seconds: 10 },
    progress: { epoch: 2, globalStep: 100 },
    result: { testAccuracy: accuracy, testLoss: 0.3 },
  };
}

/** Accuracy linear in log10 α up to 0.5 and in log10(1 − α) after, plus a seed offset: a clean two-sided fit. */
const offset = (seed: number): number => [-0.01, 0, 0.012][seed]!;
const accuracyAt = (alpha: number, seed: number): number =>
  (alpha === 0 ? 0.7 : alpha === 1 ? 0.9 : alpha <= 0.5 ? 0.8 + 0.02 * Math.log10(alpha / 0.5) : 0.8 - 0.03 * Math.log10((1 - alpha) / 0.5)) + offset(seed);

function sweep(id: string, alphas: number[], seeds = [0, 1, 2], refs = true): SweepReport {
  const runs = alphas.flatMap((a) => seeds.map((s) => record(id, s, accuracyAt(a, s), a)));
  const references = refs ? seeds.flatMap((s) => [record(id, s, 0.95 + s / 1000, undefined, 'prior'), record(id, s, 0.75 - s / 1000, undefined, 'plain-mlp')]) : [];
  return summarizeSweep([...runs, ...references]);
}

const A = [0, 1e-3, 1e-2, 0.1, 0.5, 0.9, 0.99, 0.999, 1];
const B = [0.01, 0.1, 0.3, 0.5];

// ---- accuracy versus α -------------------------------------------------------------------------

describe('accuracy versus α', () => {
  let one: AccuracyData;
  let two: AccuracyData;
  let reportA: SweepReport;
  before(() => {
    reportA = sweep('a', A);
    one = accuracyData([reportA]);
    two = accuracyData([reportA, sweep('b', B, [0, 1], false)]);
  });

  test('x is the two-sided axis position: 0 → 0, 0.5 → 0.5, 1 → 1, symmetric about 0.5', () => {
    assert.deepEqual(one.alphas, A);
    const at = (alpha: number): number => one.x[one.alphas.indexOf(alpha)]!;
    assert.equal(at(0), 0);
    assert.equal(at(0.5), 0.5);
    assert.equal(at(1), 1);
    for (const a of [1e-3, 1e-2, 0.1]) assert.ok(Math.abs(at(a) + at(1 - a) - 1) < 1e-12, `position(${a}) + position(${1 - a}) = 1`);
    const axis = twoSidedAxis();
    assert.deepEqual(one.x, A.map((a) => axis.toPosition(a)));
    assert.ok(one.x.every((x, i) => i === 0 || x > one.x[i - 1]!), 'x ascends');
    assert.deepEqual(one.ticks.map((t) => t.label), ['0', '1e-4', '1e-3', '0.01', '0.1', '0.5', '0.9', '0.99', '0.999', '0.9999', '1']);
  });

  test('the axis reaches a smaller α than 1e-4 when a sweep ran one', () => {
    const d = accuracyData([sweep('c', [0, 1e-6, 1e-3, 0.5])]);
    assert.equal(d.axis.floor, 1e-6);
    assert.equal(d.ticks[1]!.label, '1e-6');
  });

  test('mean and 95% band are the seed statistics of each α', () => {
    const s = one.sweeps[0]!;
    reportA.byAlpha.forEach((row, i) => {
      assert.equal(s.mean[i], row.stats.mean);
      assert.ok(row.stats.ci95);
      assert.equal(s.lower[i], row.stats.ci95[0]);
      assert.equal(s.upper[i], row.stats.ci95[1]);
      assert.ok(s.lower[i]! < s.mean[i]! && s.mean[i]! < s.upper[i]!);
    });
  });

  test('one points-only series per seed index, each run a hit-testable point with its run id', () => {
    const s = one.sweeps[0]!;
    assert.equal(s.seeds.length, 3);
    reportA.byAlpha.forEach((row, i) => row.runs.forEach((u, k) => assert.equal(s.seeds[k]![i], u.accuracy)));
    assert.equal(one.points.length, A.length * 3);
    const p = one.points.find((q) => q.alpha === 0.1 && q.seed === 2)!;
    assert.equal(p.runId, 'a-run-a0.1-s2');
    assert.equal(p.accuracy, accuracyAt(0.1, 2));
  });

  test('fit lines: intercept + slope · log10 α (MLP side), log10(1 − α) (prior side), null outside the fitted α', () => {
    const s = one.sweeps[0]!;
    const { mlpSide, priorSide } = reportA.fit;
    assert.ok(mlpSide && priorSide);
    assert.deepEqual(mlpSide.alphas, [1e-3, 1e-2, 0.1, 0.5]);
    A.forEach((a, i) => {
      const mlp = a >= 1e-3 && a <= 0.5 ? mlpSide.intercept + mlpSide.slope * Math.log10(a) : null;
      const prior = a >= 0.5 && a <= 0.999 ? priorSide.intercept + priorSide.slope * Math.log10(1 - a) : null;
      assert.equal(s.fitMlp[i] === null, mlp === null, `MLP side at α = ${a}`);
      assert.equal(s.fitPrior[i] === null, prior === null, `prior side at α = ${a}`);
      if (mlp !== null) assert.ok(Math.abs(s.fitMlp[i]! - mlp) < 1e-12);
      if (prior !== null) assert.ok(Math.abs(s.fitPrior[i]! - prior) < 1e-12);
    });
    // The data lie on the lines (the seed offsets average out), so the fit recovers the slopes.
    assert.ok(Math.abs(mlpSide.slope - 0.02) < 1e-9 && Math.abs(priorSide.slope + 0.03) < 1e-9);
    assert.match(s.captions.join('\n'), /MLP side: slope \+2\.00 points per decade of α, R² 0\.\d\d, n 12/);
    assert.match(s.captions.join('\n'), /prior side: slope -3\.00 points per decade of 1 − α/);
  });

  test('a side with fewer than 3 α is not fitted: no line, and the legend says so', () => {
    const s = two.sweeps[1]!;
    assert.ok(s.fitPrior.every((v) => v === null));
    assert.ok(s.fitMlp.some((v) => v !== null));
    assert.match(s.captions.join('\n'), /prior side: not fitted: the fit needs ≥ 3 α values per side/);
  });

  test('overlaid sweeps share the union of their α; a sweep has nulls where it lacks an α', () => {
    assert.deepEqual(two.alphas, [0, 1e-3, 1e-2, 0.1, 0.3, 0.5, 0.9, 0.99, 0.999, 1]);
    const [a, b] = two.sweeps;
    const i03 = two.alphas.indexOf(0.3);
    const i09 = two.alphas.indexOf(0.9);
    assert.equal(a!.mean[i03], null);
    assert.equal(a!.seeds[0]![i03], null);
    assert.notEqual(b!.mean[i03], null);
    assert.equal(b!.mean[i09], null);
    assert.equal(b!.seeds.length, 2);
    // The band joins over α the sweep did not run (undefined) …
    assert.equal(a!.lower[i03], undefined);
    assert.equal(b!.upper[i09], undefined);
    // … and the fits are evaluated at the other sweep's α too, where they lie inside the fitted range.
    assert.ok(Math.abs(a!.fitMlp[i03]! - (reportA.fit.mlpSide!.intercept + reportA.fit.mlpSide!.slope * Math.log10(0.3))) < 1e-12);
    assert.deepEqual([a!.color, b!.color], [PALETTE[0], PALETTE[1]]);
    assert.equal(two.points.length, A.length * 3 + B.length * 2);
  });

  test('a single seed has no interval: the band breaks there (null)', () => {
    const d = accuracyData([sweep('one-seed', [0.01, 0.1, 0.5], [0])]);
    assert.deepEqual(d.sweeps[0]!.lower, [null, null, null]);
    assert.deepEqual(d.sweeps[0]!.mean, [0.8 - 0.01 + 0.02 * Math.log10(0.02), 0.8 - 0.01 + 0.02 * Math.log10(0.2), 0.79]);
  });

  test('references: plain MLP and prior seed means per sweep, in its colour', () => {
    assert.deepEqual(one.references.map((r) => [r.role, r.accuracy, r.color]), [
      ['plain-mlp', reportA.references.plainMlp!.stats.mean, PALETTE[0]],
      ['prior', reportA.references.prior!.stats.mean, PALETTE[0]],
    ]);
    assert.ok(Math.abs(one.references[1]!.accuracy - 0.951) < 1e-12);
  });

  test('the y range holds every drawn value with an 8% margin inside [0, 1]', () => {
    assert.deepEqual(accuracyRange([]), [0, 1]);
    assert.deepEqual(accuracyRange([0.5, 0.5]), [0.49, 0.51]);
    const [lo, hi] = accuracyRange([0.6, 0.8]);
    assert.ok(Math.abs(lo - 0.584) < 1e-12 && Math.abs(hi - 0.816) < 1e-12);
    assert.deepEqual(accuracyRange([0, 1]), [0, 1]);
    const values = [...one.sweeps[0]!.upper, ...one.sweeps[0]!.lower].filter((v): v is number => typeof v === 'number');
    assert.ok(one.yRange[0] < Math.min(...values) && one.yRange[1] > Math.max(...values, 0.951));
  });

  test('hit-testing picks the nearest seed point within the radius, in pixels', () => {
    // 1000 px per axis unit in x, 1 px per 0.001 accuracy in y.
    const map = { x: (p: number) => 1000 * p, y: (acc: number) => 1000 * (1 - acc) };
    const target = two.points.find((p) => p.sweep === 1 && p.alpha === 0.3 && p.seed === 1)!;
    const hit = nearestSeedPoint(two.points, { left: map.x(target.x) + 3, top: map.y(target.accuracy) - 2 }, map);
    assert.equal(hit?.runId, 'b-run-a0.3-s1');
    assert.equal(nearestSeedPoint(two.points, { left: map.x(target.x) + 40, top: map.y(target.accuracy) }, map), null);
    // Two seeds at one α: the one nearer in y wins.
    const s0 = one.points.find((p) => p.alpha === 0.1 && p.seed === 0)!;
    const s2 = one.points.find((p) => p.alpha === 0.1 && p.seed === 2)!;
    assert.equal(nearestSeedPoint(one.points, { left: map.x(s0.x), top: map.y(s2.accuracy) + 1 }, map, 30)?.runId, s2.runId);
  });

  test('no sweeps: nothing drawn, a 0–100% frame', () => {
    const d = accuracyData([]);
    assert.deepEqual([d.x, d.sweeps, d.points, d.references, d.yRange], [[], [], [], [], [0, 1]]);
  });
});

// ---- loss ---------------------------------------------------------------------------------------

const series = (steps: number[], extra: Partial<LossSeries> = {}): LossSeries => ({
  runId: 'r1', steps, loss: steps.map((s) => 1 / s), evals: [], syncs: [], ...extra,
});

describe('loss buffer', () => {
  test('appends keep every point and put evaluations on the same step axis', () => {
    const b = new LossBuffer();
    b.reset(series([1, 2, 3], { evals: [{ step: 3, accuracy: 0.5, loss: 1 }] }));
    assert.ok(b.append(series([4, 5, 6], { evals: [{ step: 6, accuracy: 0.6, loss: 0.9, priorAccuracy: 0.7 }], syncs: [{ step: 6, alpha: 0.1 }] })));
    assert.equal(b.points, 6);
    assert.deepEqual(b.arrays.x, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(b.arrays.loss, [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5, 1 / 6]);
    assert.deepEqual(b.arrays.accuracy, [null, null, 0.5, null, null, 0.6]);
    assert.deepEqual(b.arrays.priorAccuracy, [null, null, null, null, null, 0.7]);
    assert.deepEqual(b.syncs, [{ step: 6, alpha: 0.1 }]);
    assert.equal(b.hasPriorAccuracy, true);
    assert.equal(b.hasPriorLoss, false);
  });

  test('an evaluation between loss steps gets its own row; a late point is inserted in order', () => {
    const b = new LossBuffer();
    b.reset(series([10, 20], { priorLoss: [2, 1] }));
    b.append(series([30], { priorLoss: [0.5], evals: [{ step: 25, accuracy: 0.8, loss: 1 }] }));
    b.append(series([15]));
    assert.deepEqual(b.arrays.x, [10, 15, 20, 25, 30]);
    assert.deepEqual(b.arrays.loss, [0.1, 1 / 15, 0.05, null, 1 / 30]);
    assert.deepEqual(b.arrays.priorLoss, [2, null, 1, null, 0.5]);
    assert.deepEqual(b.arrays.accuracy, [null, null, null, 0.8, null]);
    assert.equal(b.points, 4);
  });

  test("another run's points are refused; reset and clear start over", () => {
    const b = new LossBuffer();
    b.reset(series([1, 2]));
    assert.equal(b.append({ ...series([3]), runId: 'r2' }), false);
    assert.deepEqual(b.arrays.x, [1, 2]);
    b.clear('r2');
    assert.deepEqual([b.arrays.x, b.points, b.runId], [[], 0, 'r2']);
    assert.ok(b.append({ ...series([7]), runId: 'r2' }));
    b.clear(null);
    assert.ok(b.append(series([1])), 'a cleared buffer without a run takes the first run that comes');
  });

  test('50,000 points in batches of 100 stay in order, every one kept', () => {
    const b = new LossBuffer();
    b.clear('r1');
    for (let i = 0; i < 500; i++) b.append(series(Array.from({ length: 100 }, (_, k) => i * 100 + k + 1)));
    assert.equal(b.points, 50_000);
    assert.equal(b.arrays.x.length, 50_000);
    assert.ok(b.arrays.x.every((x, i) => x === i + 1));
  });
});

// ---- α schedule ---------------------------------------------------------------------------------

const SYNC: ScheduleView = {
  runId: 'r1', mode: 'sync', schedule: 'exponential γ = 0.5', alpha0: 0.4, totalSteps: 400,
  steps: [100, 200, 300], alpha: [0.4, 0.2, 0.1], cumulative: [0.4, 1 - 0.6 * 0.8, 1 - 0.6 * 0.8 * 0.9],
};
const FORWARD: ScheduleView = {
  runId: 'r1', mode: 'forward', schedule: 'linear', alpha0: 0.5, totalSteps: 100, steps: [0, 50, 100], alpha: [0.5, 0.25, 0], cumulative: null,
};

describe('schedule', () => {
  test('sync: a staircase held to the end of training, with the cumulative pull', () => {
    const a = scheduleArrays(SYNC);
    assert.deepEqual(a.x, [100, 200, 300, 400]);
    assert.deepEqual(a.alpha, [0.4, 0.2, 0.1, 0.1]);
    assert.deepEqual(a.cumulative, [0.4, 0.52, 1 - 0.6 * 0.8 * 0.9, 1 - 0.6 * 0.8 * 0.9]);
    assert.equal(a.stepped, true);
    assert.deepEqual(SYNC.steps, [100, 200, 300], 'the view is not changed');
  });

  test('sync: α in force at a step is the last sync at or before it', () => {
    const a = scheduleArrays(SYNC);
    assert.equal(scheduleAt(a, 50), null);
    assert.deepEqual(scheduleAt(a, 100), { alpha: 0.4, cumulative: 0.4 });
    assert.deepEqual(scheduleAt(a, 250), { alpha: 0.2, cumulative: 0.52 });
    assert.deepEqual(scheduleAt(a, 400), { alpha: 0.1, cumulative: 1 - 0.6 * 0.8 * 0.9 });
  });

  test('forward: α_t as sampled, linear in between, no cumulative pull', () => {
    const a = scheduleArrays(FORWARD);
    assert.deepEqual(a, { x: [0, 50, 100], alpha: [0.5, 0.25, 0], cumulative: null, stepped: false });
    assert.deepEqual(scheduleAt(a, 25), { alpha: 0.375, cumulative: null });
    assert.deepEqual(scheduleAt(a, 100), { alpha: 0, cumulative: null });
    assert.deepEqual(scheduleAt(a, 500), { alpha: 0, cumulative: null });
  });
});

// ---- run table ------------------------------------------------------------------------------------

describe('run table order', () => {
  const runs: PanelRun[] = [
    { id: 'r3', status: 'running', alpha: 0.5, seed: 0, testAccuracy: undefined, seconds: 5 },
    { id: 'r1', status: 'finished', alpha: 0.1, seed: 1, testAccuracy: 0.9, seconds: 100, flops: 2e12 },
    { id: 'r2', status: 'finished', alpha: 0.1, seed: 0, testAccuracy: 0.8, seconds: 4000, flops: 1e12 },
    { id: 'r0', status: 'failed', role: 'prior', seed: 0 },
  ];
  const ids = (r: PanelRun[]): string[] => r.map((x) => x.id);

  test('sorts numbers as numbers, both ways, missing values last, ties by run id', () => {
    assert.deepEqual(ids(sortRuns(runs, 'alpha', 1)), ['r1', 'r2', 'r3', 'r0']);
    assert.deepEqual(ids(sortRuns(runs, 'alpha', -1)), ['r3', 'r1', 'r2', 'r0']);
    assert.deepEqual(ids(sortRuns(runs, 'accuracy', -1)), ['r1', 'r2', 'r0', 'r3']);
    assert.deepEqual(ids(sortRuns(runs, 'duration', 1)), ['r3', 'r1', 'r2', 'r0']);
    assert.deepEqual(ids(sortRuns(runs, 'status', 1)), ['r0', 'r1', 'r2', 'r3']);
    assert.deepEqual(ids(sortRuns(runs, 'role', 1)), ['r0', 'r1', 'r2', 'r3']);
    assert.deepEqual(ids(runs), ['r3', 'r1', 'r2', 'r0'], 'the input is not changed');
  });

  test('durations read as people say them', () => {
    assert.deepEqual([5, 100, 4000].map(formatDuration), ['5.0 s', '1 m 40 s', '1 h 06 m']);
  });
});
