// Seed statistics and ordinary least squares: the numbers behind every sweep plot and finding.
import { studentTQuantile } from './tdist';

/** Statistics of one value: no spread can be estimated, so every spread field is null. */
export interface SingleValueStats {
  n: 1;
  mean: number;
  sd: null;
  sem: null;
  ci95: null;
  halfWidth: null;
}

/** Statistics of n ≥ 2 values, with a t-based 95% interval for the mean. */
export interface SampleStats {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator). */
  sd: number;
  /** Standard error of the mean, sd/√n. */
  sem: number;
  /** mean ± halfWidth. */
  ci95: [number, number];
  /** t(0.975, n − 1) · sem. */
  halfWidth: number;
}

/** Narrow with `stats.sd !== null` (or `stats.ci95 !== null`) before using the spread. */
export type SeedStats = SingleValueStats | SampleStats;

function assertFinite(values: readonly number[], what: string): void {
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`${what}[${i}] is ${v}; every value must be a finite number`);
  });
}

function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Mean, sample SD, SEM and 95% confidence interval (Student's t, n − 1 dof) of repeated runs. */
export function seedStats(values: readonly number[]): SeedStats {
  if (values.length === 0) throw new RangeError('seedStats needs at least one value');
  assertFinite(values, 'values');
  const n = values.length;
  const m = mean(values);
  if (n === 1) return { n: 1, mean: m, sd: null, sem: null, ci95: null, halfWidth: null };
  // Two passes (deviations from the mean) rather than Σx² − n·m², which cancels badly for accuracies
  // that agree to several digits.
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const sem = sd / Math.sqrt(n);
  const halfWidth = studentTQuantile(0.975, n - 1) * sem;
  return { n, mean: m, sd, sem, ci95: [m - halfWidth, m + halfWidth], halfWidth };
}

/** One finished run of a sweep: its α, seed and final test accuracy (a fraction in [0, 1]). */
export interface SweepRun {
  alpha: number;
  seed: number;
  accuracy: number;
}

export interface AlphaGroup {
  alpha: number;
  /** Seeds in the order their runs were given. */
  seeds: number[];
  stats: SeedStats;
}

function assertAlpha(alpha: number): void {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`α must lie in [0, 1], got ${alpha}`);
}

/**
 * Seed statistics per α, sorted by α. A repeated (α, seed) pair is an error: counting one seed twice
 * would narrow the interval without adding an independent run, so the caller must pick one run.
 */
export function groupByAlpha(runs: readonly SweepRun[]): AlphaGroup[] {
  const byAlpha = new Map<number, { seeds: number[]; accuracies: number[] }>();
  for (const run of runs) {
    assertAlpha(run.alpha);
    let g = byAlpha.get(run.alpha);
    if (!g) byAlpha.set(run.alpha, (g = { seeds: [], accuracies: [] }));
    if (g.seeds.includes(run.seed)) throw new RangeError(`two runs with α = ${run.alpha} and seed ${run.seed}; keep one per (α, seed)`);
    g.seeds.push(run.seed);
    g.accuracies.push(run.accuracy);
  }
  return [...byAlpha.entries()]
    .sort(([a], [b]) => a - b)
    .map(([alpha, g]) => ({ alpha, seeds: g.seeds, stats: seedStats(g.accuracies) }));
}

export interface LinearFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination; null when y is constant (no variance to explain). */
  r2: number | null;
  /** Number of points fitted. */
  n: number;
  /** Standard error of the slope, from the residual variance with n − 2 dof. */
  slopeSE: number;
  /** slope ± t(0.975, n − 2) · slopeSE. */
  slopeCI95: [number, number];
}

/** Ordinary least squares of y on x. Needs ≥ 3 points (so the slope has an interval) and ≥ 2 distinct x. */
export function ols(xs: readonly number[], ys: readonly number[]): LinearFit {
  if (xs.length !== ys.length) throw new RangeError(`ols: ${xs.length} x values but ${ys.length} y values`);
  const n = xs.length;
  if (n < 3) throw new RangeError(`ols needs at least 3 points, got ${n}`);
  assertFinite(xs, 'x');
  assertFinite(ys, 'y');
  // Equality is tested on the inputs: the mean of equal values can round, leaving a spurious tiny spread.
  if (xs.every((x) => x === xs[0])) throw new RangeError('ols: all x values are equal, so no slope can be fitted');
  const mx = mean(xs);
  const my = mean(ys);
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ys[i]! - (intercept + slope * xs[i]!)) ** 2;
  const slopeSE = Math.sqrt(sse / (n - 2) / sxx);
  const half = studentTQuantile(0.975, n - 2) * slopeSE;
  // With an intercept R² lies in [0, 1]; the clamp only removes rounding below 0 for a flat fit.
  const r2 = ys.every((y) => y === ys[0]) ? null : Math.max(0, 1 - sse / syy);
  return { slope, intercept, r2, n, slopeSE, slopeCI95: [slope - half, slope + half] };
}
