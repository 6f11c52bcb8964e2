// The paper's "two-sided logarithmic" relation: accuracy linear in log10 α on the MLP side and in
// log10(1 − α) on the prior side, each fitted by least squares (spec §5).
import { groupByAlpha, ols, type LinearFit, type SeedStats, type SweepRun } from './stats';

export type Side = 'mlp' | 'prior';

/** One run as fitted: x is log10 α (MLP side) or log10(1 − α) (prior side). */
export interface FitPoint {
  alpha: number;
  seed: number;
  x: number;
  accuracy: number;
}

export interface SideFit extends LinearFit {
  side: Side;
  /** The regressor, spelled out for labels and reports. */
  x: 'log10(alpha)' | 'log10(1 - alpha)';
  /** Distinct α values fitted, ascending. */
  alphas: number[];
  /** Every run fitted (n = points.length). */
  points: FitPoint[];
}

export interface TwoSidedFit {
  /** 0 < α ≤ 0.5, or null with fewer than 3 distinct α there. */
  mlpSide: SideFit | null;
  /** 0.5 ≤ α < 1, or null with fewer than 3 distinct α there. */
  priorSide: SideFit | null;
  /** Runs at α = 0 (the plain MLP), excluded from the fit because log10 0 is undefined. */
  alpha0: SeedStats | null;
  /** Runs at α = 1 (the prior's function), excluded because log10(1 − 1) is undefined. */
  alpha1: SeedStats | null;
}

/** Fewer distinct α than this and a side is not fitted: two points always lie on a line. */
export const MIN_DISTINCT_ALPHAS = 3;

const inSide = (side: Side, alpha: number): boolean => (side === 'mlp' ? alpha > 0 && alpha <= 0.5 : alpha >= 0.5 && alpha < 1);
// For α ≥ 0.5, 1 − α is exact in floating point (Sterbenz), so log10(1 − α) loses nothing near 1.
const toX = (side: Side, alpha: number): number => (side === 'mlp' ? Math.log10(alpha) : Math.log10(1 - alpha));

function fitSide(side: Side, runs: readonly SweepRun[]): SideFit | null {
  const used = runs.filter((r) => inSide(side, r.alpha));
  const alphas = [...new Set(used.map((r) => r.alpha))].sort((a, b) => a - b);
  if (alphas.length < MIN_DISTINCT_ALPHAS) return null;
  const points = used.map((r) => ({ alpha: r.alpha, seed: r.seed, x: toX(side, r.alpha), accuracy: r.accuracy }));
  const fit = ols(points.map((p) => p.x), points.map((p) => p.accuracy));
  return { ...fit, side, x: side === 'mlp' ? 'log10(alpha)' : 'log10(1 - alpha)', alphas, points };
}

/**
 * Fits both sides to the individual runs, not the per-α means, so that α values with more seeds
 * weigh more and the slope's interval reflects seed-to-seed noise. α = 0.5 belongs to both sides.
 * Also validates the runs (α in [0, 1], finite accuracy, one run per (α, seed)).
 */
export function twoSidedLogFit(runs: readonly SweepRun[]): TwoSidedFit {
  const groups = groupByAlpha(runs);
  const at = (alpha: number): SeedStats | null => groups.find((g) => g.alpha === alpha)?.stats ?? null;
  return { mlpSide: fitSide('mlp', runs), priorSide: fitSide('prior', runs), alpha0: at(0), alpha1: at(1) };
}

/** The fitted accuracy at α; α must lie on the fit's side (0 < α ≤ 0.5 or 0.5 ≤ α < 1). */
export function predictAccuracy(fit: SideFit, alpha: number): number {
  if (!inSide(fit.side, alpha)) throw new RangeError(`α = ${alpha} is outside the ${fit.side} side of the fit`);
  return fit.intercept + fit.slope * toX(fit.side, alpha);
}

/**
 * Points along the fitted line for plotting, evenly spaced in the fit's own x between its smallest and
 * largest fitted α (no extrapolation), ascending in α.
 */
export function fitCurve(fit: SideFit, samples = 32): { alpha: number; accuracy: number }[] {
  if (!Number.isInteger(samples) || samples < 2) throw new RangeError(`samples must be an integer ≥ 2, got ${samples}`);
  const x0 = toX(fit.side, fit.alphas[0]!);
  const x1 = toX(fit.side, fit.alphas[fit.alphas.length - 1]!);
  const fromX = (x: number): number => (fit.side === 'mlp' ? 10 ** x : 1 - 10 ** x);
  return Array.from({ length: samples }, (_, i) => {
    const x = x0 + ((x1 - x0) * i) / (samples - 1);
    // The ends are the fitted α themselves, not 10^log10(α), so they never round off the side.
    const alpha = i === 0 ? fit.alphas[0]! : i === samples - 1 ? fit.alphas[fit.alphas.length - 1]! : fromX(x);
    return { alpha, accuracy: fit.intercept + fit.slope * x };
  });
}
