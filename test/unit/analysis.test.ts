import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describeFinding,
  fitCurve,
  formatFlops,
  groupByAlpha,
  ols,
  predictAccuracy,
  seedStats,
  studentTCentralProbability,
  studentTQuantile,
  trainingFlops,
  twoSidedAxis,
  twoSidedLogFit,
  type SweepRun,
} from '../../src/core/analysis';

function close(actual: number, expected: number, relTol = 1e-12, what = ''): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  assert.ok(err <= relTol || actual === expected, `${what} ${actual} ≠ ${expected} (relative error ${err})`);
}

// Sweep α values of spec §5.
const ALPHAS = [0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999, 1];

/** Accuracy exactly linear in log10 α (slope b) up to 0.5 and in log10(1 − α) (slope d) from 0.5, equal at 0.5. */
function twoSidedTruth(alpha: number, b = 0.02, d = -0.03): number {
  if (alpha === 0) return 0.7;
  if (alpha === 1) return 0.9;
  return alpha <= 0.5 ? 0.8 + b * (Math.log10(alpha) - Math.log10(0.5)) : 0.8 + d * (Math.log10(1 - alpha) - Math.log10(0.5));
}

/** Three seeds per α, offset by −δ, 0, +δ: balanced, so slopes equal those of the exact line. */
function sweep(alphas: readonly number[], delta = 0.01): SweepRun[] {
  return alphas.flatMap((alpha) => [-delta, 0, delta].map((o, seed) => ({ alpha, seed, accuracy: twoSidedTruth(alpha) + o })));
}

describe('Student t quantile', () => {
  // 20-digit values from mpmath (40-digit arithmetic), rounded to double.
  const exact: [number, number][] = [
    [1, 12.706204736174704646],
    [2, 4.3026527297494638523],
    [3, 3.1824463052837095927],
    [4, 2.7764451051977943578],
    [7, 2.3646242515927853417],
    [9, 2.2621571627982055426],
    [28, 2.0484071417952451599],
    [100, 1.9839715185235522866],
    [1000, 1.962339080826408485],
  ];
  test('t(0.975, ν) matches high-precision values', () => {
    for (const [dof, t] of exact) close(studentTQuantile(0.975, dof), t, 1e-13, `ν=${dof}`);
  });
  test('ν = 2 agrees with its closed form (2p − 1)/√(2p(1 − p))', () => {
    for (const p of [0.6, 0.9, 0.975, 0.999]) close(studentTQuantile(p, 2), (2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 1e-13, `p=${p}`);
  });
  test('ν = 1 (Cauchy) agrees with tan(π(p − ½))', () => {
    for (const p of [0.6, 0.9, 0.975]) close(studentTQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)), 1e-13, `p=${p}`);
  });
  test('is antisymmetric about p = 0.5 and inverts the central probability', () => {
    assert.equal(studentTQuantile(0.5, 5), 0);
    close(studentTQuantile(0.025, 6), -studentTQuantile(0.975, 6), 1e-15);
    for (const dof of [1, 2, 5, 30]) close(studentTCentralProbability(studentTQuantile(0.995, dof), dof), 0.99, 1e-14, `ν=${dof}`);
  });
  test('rejects a non-integer or non-positive ν and p outside (0, 1)', () => {
    assert.throws(() => studentTQuantile(0.975, 0), RangeError);
    assert.throws(() => studentTQuantile(0.975, 2.5), RangeError);
    assert.throws(() => studentTQuantile(1, 3), RangeError);
    assert.throws(() => studentTQuantile(Number.NaN, 3), RangeError);
  });
});

describe('seedStats', () => {
  test('n = 3: mean, sample SD, SEM and t(0.975, 2) interval', () => {
    const s = seedStats([1, 2, 3]);
    assert.ok(s.sd !== null);
    assert.equal(s.n, 3);
    assert.equal(s.mean, 2);
    close(s.sd, 1);
    close(s.sem, 1 / Math.sqrt(3));
    close(s.halfWidth, 2.484137711750331071, 1e-13); // 4.3026527297494638523 / √3
    close(s.ci95[0], 2 - 2.484137711750331071, 1e-13);
    close(s.ci95[1], 2 + 2.484137711750331071, 1e-13);
  });
  test('n = 10: t(0.975, 9) interval', () => {
    const s = seedStats([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.ok(s.sd !== null);
    close(s.mean, 5.5);
    close(s.sd, 3.0276503540974916654, 1e-14);
    close(s.sem, 0.95742710775633810998, 1e-14);
    close(s.halfWidth, 2.1658505896681696304, 1e-13);
  });
  test('n = 1: spread is null, not NaN', () => {
    assert.deepEqual(seedStats([0.83]), { n: 1, mean: 0.83, sd: null, sem: null, ci95: null, halfWidth: null });
  });
  test('equal values give a zero-width interval', () => {
    const s = seedStats([0.5, 0.5, 0.5]);
    assert.deepEqual([s.sd, s.ci95], [0, [0.5, 0.5]]);
  });
  test('rejects no values and non-finite values', () => {
    assert.throws(() => seedStats([]), RangeError);
    assert.throws(() => seedStats([0.5, Number.NaN]), /values\[1\] is NaN/);
  });
});

describe('groupByAlpha', () => {
  test('groups seeds per α, sorted by α', () => {
    const groups = groupByAlpha([
      { alpha: 0.9, seed: 1, accuracy: 0.8 },
      { alpha: 0, seed: 0, accuracy: 0.6 },
      { alpha: 0.9, seed: 0, accuracy: 0.9 },
      { alpha: 1e-3, seed: 0, accuracy: 0.7 },
    ]);
    assert.deepEqual(groups.map((g) => [g.alpha, g.seeds, g.stats.n]), [[0, [0], 1], [1e-3, [0], 1], [0.9, [1, 0], 2]]);
    close(groups[2]!.stats.mean, 0.85);
  });
  test('rejects a repeated (α, seed) and α outside [0, 1]', () => {
    assert.throws(() => groupByAlpha([{ alpha: 0.1, seed: 3, accuracy: 0.5 }, { alpha: 0.1, seed: 3, accuracy: 0.6 }]), /seed 3/);
    assert.throws(() => groupByAlpha([{ alpha: 1.5, seed: 0, accuracy: 0.5 }]), RangeError);
    assert.throws(() => groupByAlpha([{ alpha: Number.NaN, seed: 0, accuracy: 0.5 }]), RangeError);
  });
});

describe('ols', () => {
  test('hand example: y = 2.2 + 0.6x, R² = 0.6', () => {
    // Sxx = 10, Sxy = 6, SSE = 2.4, SST = 6; slope SE = √(2.4/3/10); t(0.975, 3) = 3.1824463052837096.
    const f = ols([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    close(f.slope, 0.6);
    close(f.intercept, 2.2);
    close(f.r2!, 0.6);
    assert.equal(f.n, 5);
    close(f.slopeSE, Math.sqrt(0.08));
    close(f.slopeCI95[0], 0.6 - 0.90013174529127386465, 1e-13);
    close(f.slopeCI95[1], 0.6 + 0.90013174529127386465, 1e-13);
  });
  test('exact line: R² = 1 and a zero-width slope interval', () => {
    const xs = [-4, -3, -1, 0, 2];
    const f = ols(xs, xs.map((x) => 3 - 0.5 * x));
    assert.deepEqual([f.slope, f.intercept, f.r2, f.slopeCI95], [-0.5, 3, 1, [-0.5, -0.5]]);
  });
  test('constant y: slope 0, R² null', () => {
    const f = ols([1, 2, 3], [0.1, 0.1, 0.1]);
    assert.deepEqual([f.slope, f.r2], [0, null]);
  });
  test('rejects fewer than 3 points, equal x and mismatched lengths', () => {
    assert.throws(() => ols([1, 2], [1, 2]), /at least 3/);
    assert.throws(() => ols([1, 1, 1], [1, 2, 3]), /all x values are equal/);
    assert.throws(() => ols([1, 2, 3], [1, 2]), RangeError);
  });
});

describe('twoSidedLogFit', () => {
  const fit = twoSidedLogFit(sweep(ALPHAS));
  test('each side uses its own α range, 0.5 on both, α = 0 and 1 on neither', () => {
    assert.deepEqual(fit.mlpSide!.alphas, [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 0.5]);
    assert.deepEqual(fit.priorSide!.alphas, [0.5, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999]);
    for (const side of [fit.mlpSide!, fit.priorSide!]) {
      assert.ok(side.points.every((p) => p.alpha !== 0 && p.alpha !== 1));
      assert.equal(side.n, side.points.length);
    }
    assert.equal(fit.mlpSide!.x, 'log10(alpha)');
    assert.equal(fit.priorSide!.points.find((p) => p.alpha === 0.99)!.x, Math.log10(1 - 0.99));
  });
  test('fits the individual runs: slopes of the true lines, n counts runs', () => {
    close(fit.mlpSide!.slope, 0.02, 1e-10);
    close(fit.priorSide!.slope, -0.03, 1e-10);
    assert.equal(fit.mlpSide!.n, 27);
    assert.equal(fit.priorSide!.n, 21);
    // Seed spread is residual variance for a fit to runs (a fit to the means would be exact).
    assert.ok(fit.mlpSide!.r2! < 1 && fit.mlpSide!.slopeCI95[0] < 0.02 && fit.mlpSide!.slopeCI95[1] > 0.02);
    const exact = twoSidedLogFit(sweep(ALPHAS, 0));
    close(exact.mlpSide!.r2!, 1, 1e-12);
    close(exact.priorSide!.r2!, 1, 1e-12);
  });
  test('reports α = 0 and α = 1 as reference statistics', () => {
    close(fit.alpha0!.mean, 0.7);
    close(fit.alpha1!.mean, 0.9);
    assert.equal(fit.alpha0!.n, 3);
    const noEnds = twoSidedLogFit(sweep(ALPHAS.filter((a) => a > 0 && a < 1)));
    assert.deepEqual([noEnds.alpha0, noEnds.alpha1], [null, null]);
  });
  test('a side with fewer than 3 distinct α values is null, however many seeds', () => {
    const few = twoSidedLogFit(sweep([0, 0.1, 0.5, 0.9, 1]));
    assert.deepEqual([few.mlpSide, few.priorSide], [null, null]);
    const oneSide = twoSidedLogFit(sweep([1e-3, 1e-2, 0.1, 0.9]));
    assert.ok(oneSide.mlpSide !== null);
    assert.equal(oneSide.priorSide, null);
  });
  test('predictAccuracy and fitCurve follow the fitted line within its α range', () => {
    const mlp = fit.mlpSide!;
    const prior = fit.priorSide!;
    close(predictAccuracy(mlp, 0.01), mlp.intercept + mlp.slope * -2, 1e-14);
    assert.throws(() => predictAccuracy(mlp, 0.7), /outside the mlp side/);
    assert.throws(() => predictAccuracy(prior, 1), RangeError);
    for (const side of [mlp, prior]) {
      const curve = fitCurve(side, 20);
      assert.equal(curve.length, 20);
      assert.equal(curve[0]!.alpha, side.alphas[0]);
      assert.equal(curve.at(-1)!.alpha, side.alphas.at(-1));
      for (let i = 1; i < curve.length; i++) assert.ok(curve[i]!.alpha > curve[i - 1]!.alpha);
      for (const p of curve) close(p.accuracy, predictAccuracy(side, p.alpha), 1e-12);
    }
  });
});

describe('twoSidedAxis', () => {
  const axis = twoSidedAxis();
  const grid = [0, 1e-7, 5e-5, 1e-4, 2e-4, 1e-3, 0.01, 0.1, 0.3, 0.499999, 0.5, 0.500001, 0.7, 0.9, 0.99, 0.999, 0.9999, 0.99995, 1 - 1e-9, 1];
  test('places 0, 0.5 and 1 at 0, ½ and 1 and is symmetric', () => {
    assert.deepEqual([axis.toPosition(0), axis.toPosition(0.5), axis.toPosition(1)], [0, 0.5, 1]);
    for (const a of grid) assert.ok(Math.abs(axis.toPosition(1 - a) - (1 - axis.toPosition(a))) < 1e-12, `α=${a}`);
  });
  test('is strictly increasing and continuous at 0.5 and at the floors', () => {
    for (let i = 1; i < grid.length; i++) assert.ok(axis.toPosition(grid[i]!) > axis.toPosition(grid[i - 1]!), `at ${grid[i]}`);
    for (const at of [0.5, 1e-4, 1 - 1e-4]) {
      const h = 1e-14;
      assert.ok(Math.abs(axis.toPosition(at + h) - axis.toPosition(at - h)) < 1e-10, `jump at ${at}`);
    }
  });
  test('log10 spacing: every decade between floor and 0.1 is the same width, on both sides', () => {
    const w = axis.toPosition(1e-3) - axis.toPosition(1e-4);
    close(axis.toPosition(1e-1) - axis.toPosition(1e-2), w, 1e-12);
    close(axis.toPosition(0.999) - axis.toPosition(0.99), w, 1e-12);
    close(axis.toPosition(1e-4) - axis.toPosition(0), w, 1e-12); // zeroGap = 1 decade
  });
  test('fromPosition inverts toPosition', () => {
    for (const a of grid) close(axis.fromPosition(axis.toPosition(a)), a, 1e-12, `α=${a}`);
    for (let p = 0; p <= 1; p += 0.0625) close(axis.toPosition(axis.fromPosition(p)), p, 1e-12, `p=${p}`);
  });
  test('ticks from the floor, symmetric, labelled', () => {
    const ticks = axis.ticks();
    assert.deepEqual(ticks.map((t) => t.alpha), [0, 1e-4, 1e-3, 1e-2, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1]);
    assert.deepEqual(ticks.map((t) => t.label), ['0', '1e-4', '1e-3', '0.01', '0.1', '0.5', '0.9', '0.99', '0.999', '0.9999', '1']);
    for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i]!.position > ticks[i - 1]!.position);
    assert.deepEqual(twoSidedAxis({ floor: 3e-3 }).ticks().map((t) => t.alpha), [0, 3e-3, 1e-2, 0.1, 0.5, 0.9, 0.99, 0.997, 1]);
  });
  test('rejects α or positions outside [0, 1] and bad options', () => {
    assert.throws(() => axis.toPosition(-0.1), RangeError);
    assert.throws(() => axis.fromPosition(1.5), RangeError);
    assert.throws(() => twoSidedAxis({ floor: 0 }), RangeError);
    assert.throws(() => twoSidedAxis({ floor: 0.5 }), RangeError);
    assert.throws(() => twoSidedAxis({ zeroGap: 0 }), RangeError);
  });
});

describe('training FLOPs', () => {
  test('forward × 3 × samples seen', () => {
    // e.g. 2.5 MFLOP per forward pass, 10 epochs of 50,000 images.
    assert.equal(trainingFlops(2.5e6, 10 * 50_000), 3.75e12);
    assert.equal(trainingFlops(0, 1000), 0);
    assert.throws(() => trainingFlops(-1, 10), RangeError);
    assert.throws(() => trainingFlops(10, Number.POSITIVE_INFINITY), RangeError);
  });
  test('formatted with an SI prefix', () => {
    assert.equal(formatFlops(1.234e15), '1.2 PFLOP');
    assert.equal(formatFlops(3.75e12, 3), '3.75 TFLOP');
    assert.equal(formatFlops(999.96e9), '1.0 TFLOP');
    assert.equal(formatFlops(123), '120 FLOP');
    assert.equal(formatFlops(45_600), '46 kFLOP');
    assert.equal(formatFlops(0), '0 FLOP');
    assert.throws(() => formatFlops(Number.NaN), RangeError);
  });
});

describe('describeFinding', () => {
  test('states slopes, intervals, R² and the change between the ends, as measured', () => {
    const fit = twoSidedLogFit(sweep(ALPHAS, 0));
    const text = describeFinding(fit, fit.alpha0, fit.alpha1);
    assert.match(text, /MLP side \(0 < α ≤ 0\.5; 9 α values, 27 runs\): slope \+2\.00 accuracy points per decade of α \(95% CI \+2\.00 to \+2\.00, excludes 0\), R² = 1\.00\./);
    assert.match(text, /Prior side \(0\.5 ≤ α < 1; 7 α values, 21 runs\): slope -3\.00 accuracy points per decade of 1 − α/);
    assert.match(text, /Mean accuracy rises from 70\.0% at α = 0 \(plain MLP, 3 runs\) to 90\.0% at α = 1 \(prior, 3 runs\), a change of \+20\.00 points\./);
  });
  test('says what is missing and claims nothing beyond the numbers', () => {
    const noisy = twoSidedLogFit([...sweep([1e-3, 1e-2, 0.1], 0.2), { alpha: 0, seed: 0, accuracy: 0.9 }, { alpha: 1, seed: 0, accuracy: 0.8 }]);
    const text = describeFinding(noisy, noisy.alpha0, noisy.alpha1);
    assert.match(text, /includes 0/);
    assert.match(text, /Prior side \(0\.5 ≤ α < 1\): not fitted, fewer than 3 distinct α values\./);
    assert.match(text, /falls from 90\.0% at α = 0 \(plain MLP, 1 run\)/);
    assert.match(describeFinding(noisy, null, noisy.alpha1), /No runs at α = 0 \(plain MLP\), so the two ends are not compared\./);
    assert.doesNotMatch(text, /confirm|prove|support|logarithmic relationship|significan/i);
  });
});
