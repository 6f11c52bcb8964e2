// Pure transforms from the panel protocol's data to the arrays the charts draw. No DOM here, so the
// unit tests check the numbers in Node and the charts only style and paint them.
import { twoSidedAxis, type AxisTick, type TwoSidedAxis } from '../src/core/analysis/axis';
import { predictAccuracy, type SideFit } from '../src/core/analysis/fit';
import { sweepLabel } from '../src/core/report/format';
import type { SweepReport } from '../src/core/report/summary';
import { axisFloor, captionLines, sweepColor } from '../src/core/report/svg';
import type { LossSeries, ScheduleView } from '../src/shared/protocol';

/** A value of a series at one x; null where the series has none (uPlot joins over it with spanGaps). */
export type Cell = number | null;
/**
 * A confidence-band edge at one x: undefined where the sweep has no run at that α (uPlot joins over it),
 * null where it has a single seed and so no interval (uPlot breaks the band there, as the CLI's SVG does).
 */
export type BandCell = number | null | undefined;

// ---------------------------------------------------------------- accuracy versus α

export interface SweepCurves {
  label: string;
  color: string;
  /** Seed mean per x. */
  mean: Cell[];
  /** 95% CI of the seed mean per x. */
  lower: BandCell[];
  upper: BandCell[];
  /** seeds[k][i]: accuracy of the k-th seed (runs sorted by seed) at x[i]; drawn as points only. */
  seeds: Cell[][];
  /** Fitted lines, only inside the α range each side was fitted on (no extrapolation). */
  fitMlp: Cell[];
  fitPrior: Cell[];
  /** The legend's lines under the label: each side's slope and R², then any warning. */
  captions: string[];
}

export type ReferenceRole = 'plain-mlp' | 'prior';

export interface ReferenceLine {
  sweep: number;
  role: ReferenceRole;
  accuracy: number;
  color: string;
  label: string;
}

/** One seed's run as drawn: what the tooltip shows and a click opens. */
export interface SeedPoint {
  sweep: number;
  sweepLabel: string;
  alpha: number;
  /** Position on the two-sided axis, in [0, 1]. */
  x: number;
  seed: number;
  accuracy: number;
  runId: string;
}

export interface AccuracyData {
  axis: TwoSidedAxis;
  ticks: AxisTick[];
  /** Axis positions of every α of every sweep, ascending, without repeats. */
  x: number[];
  /** The α at each x. */
  alphas: number[];
  sweeps: SweepCurves[];
  references: ReferenceLine[];
  points: SeedPoint[];
  /** The y range (accuracy fractions) that holds everything drawn, with a margin. */
  yRange: [number, number];
}

/**
 * A side's line at each α of the union, null outside the α it was fitted on. Above the axis floor the
 * axis is log10 α (resp. −log10(1 − α)), so the line is straight in axis position and its values at the
 * union's α join into the exact line.
 */
function fitValues(fit: SideFit | null, alphas: readonly number[]): Cell[] {
  if (!fit) return alphas.map(() => null);
  const lo = fit.alphas[0]!;
  const hi = fit.alphas[fit.alphas.length - 1]!;
  return alphas.map((a) => (a >= lo && a <= hi ? predictAccuracy(fit, a) : null));
}

/** Y range over every drawn value, padded by 8% and kept in [0, 1]; 0–1 when nothing is drawn. */
export function accuracyRange(values: readonly number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const pad = hi > lo ? 0.08 * (hi - lo) : 0.01;
  return [Math.max(0, lo - pad), Math.min(1, hi + pad)];
}

/** Every sweep on one shared x (the union of their α on the two-sided axis), in colours that match the SVG. */
export function accuracyData(reports: readonly SweepReport[]): AccuracyData {
  const axis = twoSidedAxis({ floor: axisFloor(reports) });
  const alphas = [...new Set(reports.flatMap((r) => r.byAlpha.map((g) => g.alpha)))].sort((a, b) => a - b);
  const x = alphas.map((a) => axis.toPosition(a));
  const column = new Map(alphas.map((a, i) => [a, i]));
  const points: SeedPoint[] = [];
  const references: ReferenceLine[] = [];
  const drawn: number[] = [];

  const sweeps = reports.map((r, s): SweepCurves => {
    const label = sweepLabel(r);
    const color = sweepColor(s);
    const mean: Cell[] = alphas.map(() => null);
    const lower: BandCell[] = alphas.map(() => undefined);
    const upper: BandCell[] = alphas.map(() => undefined);
    const seeds: Cell[][] = Array.from({ length: Math.max(0, ...r.byAlpha.map((g) => g.runs.length)) }, () => alphas.map(() => null));
    for (const g of r.byAlpha) {
      const i = column.get(g.alpha)!;
      mean[i] = g.stats.mean;
      lower[i] = g.stats.ci95 ? g.stats.ci95[0] : null;
      upper[i] = g.stats.ci95 ? g.stats.ci95[1] : null;
      if (g.stats.ci95) drawn.push(...g.stats.ci95);
      drawn.push(g.stats.mean);
      g.runs.forEach((u, k) => {
        seeds[k]![i] = u.accuracy;
        drawn.push(u.accuracy);
        points.push({ sweep: s, sweepLabel: label, alpha: g.alpha, x: x[i]!, seed: u.seed, accuracy: u.accuracy, runId: u.id });
      });
    }
    const fitMlp = fitValues(r.fit.mlpSide, alphas);
    const fitPrior = fitValues(r.fit.priorSide, alphas);
    for (const v of [...fitMlp, ...fitPrior]) if (v !== null) drawn.push(v);
    for (const [role, ref] of [['plain-mlp', r.references.plainMlp], ['prior', r.references.prior]] as const) {
      if (!ref) continue;
      references.push({ sweep: s, role, accuracy: ref.stats.mean, color, label: role === 'prior' ? 'prior alone' : 'plain MLP' });
      drawn.push(ref.stats.mean);
    }
    return { label, color, mean, lower, upper, seeds, fitMlp, fitPrior, captions: captionLines(r) };
  });
  return { axis, ticks: axis.ticks(), x, alphas, sweeps, references, points, yRange: accuracyRange(drawn) };
}

/** Maps data values to CSS pixels of the plot area (uPlot's valToPos), so hit-testing works in screen distance. */
export interface PixelMap {
  x(position: number): number;
  y(accuracy: number): number;
}

/** The seed point nearest the cursor (CSS pixels in the plot area) within `radius` pixels, or null. */
export function nearestSeedPoint(points: readonly SeedPoint[], cursor: { left: number; top: number }, map: PixelMap, radius = 10): SeedPoint | null {
  let best: SeedPoint | null = null;
  let bestD2 = radius * radius;
  for (const p of points) {
    const dx = map.x(p.x) - cursor.left;
    const dy = map.y(p.accuracy) - cursor.top;
    const d2 = dx * dx + dy * dy;
    if (d2 <= bestD2) {
      best = p;
      bestD2 = d2;
    }
  }
  return best;
}

// ---------------------------------------------------------------- loss and test accuracy over steps

export interface LossArrays {
  /** Global step, ascending: every training-loss step and every evaluation step. */
  x: number[];
  loss: Cell[];
  priorLoss: Cell[];
  accuracy: Cell[];
  priorAccuracy: Cell[];
}

/**
 * The selected run's curves on one step axis (uPlot needs one x for all series). Loss points and
 * evaluations arrive in step order, so merging a batch is almost always an append; an out-of-order
 * step is inserted where it belongs. Every point is kept: uPlot itself draws at most one min/max
 * column per pixel, so tens of thousands of points cost one pass per redraw.
 */
export class LossBuffer {
  runId: string | null = null;
  readonly arrays: LossArrays = { x: [], loss: [], priorLoss: [], accuracy: [], priorAccuracy: [] };
  readonly syncs: Array<{ step: number; alpha: number }> = [];
  /** Training-loss points held. */
  points = 0;
  hasPriorLoss = false;
  hasPriorAccuracy = false;

  /** Empties the buffer for `runId`'s points (null: any run's first batch is taken). */
  clear(runId: string | null): void {
    this.runId = runId;
    for (const a of Object.values(this.arrays)) a.length = 0;
    this.syncs.length = 0;
    this.points = 0;
    this.hasPriorLoss = false;
    this.hasPriorAccuracy = false;
  }

  /** Replaces everything with a whole series. */
  reset(series: LossSeries): void {
    this.clear(series.runId);
    this.append(series);
  }

  /** Adds a batch of new points; false (and nothing changes) when it belongs to another run. */
  append(series: LossSeries): boolean {
    if (this.runId !== null && series.runId !== this.runId) return false;
    this.runId = series.runId;
    for (let i = 0; i < series.steps.length; i++) {
      const row = this.row(series.steps[i]!);
      this.arrays.loss[row] = series.loss[i] ?? null;
      const p = series.priorLoss?.[i];
      if (p !== undefined) {
        this.arrays.priorLoss[row] = p;
        this.hasPriorLoss = true;
      }
    }
    this.points += series.steps.length;
    for (const e of series.evals) {
      const row = this.row(e.step);
      this.arrays.accuracy[row] = e.accuracy;
      if (e.priorAccuracy !== undefined) {
        this.arrays.priorAccuracy[row] = e.priorAccuracy;
        this.hasPriorAccuracy = true;
      }
    }
    this.syncs.push(...series.syncs);
    return true;
  }

  /** The index of `step` in x, adding an empty row when it is new. */
  private row(step: number): number {
    const { x } = this.arrays;
    const n = x.length;
    if (n === 0 || step > x[n - 1]!) return this.insert(n, step);
    if (step === x[n - 1]) return n - 1;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x[mid]! < step) lo = mid + 1;
      else hi = mid;
    }
    return x[lo] === step ? lo : this.insert(lo, step);
  }

  private insert(at: number, step: number): number {
    const a = this.arrays;
    if (at === a.x.length) {
      a.x.push(step);
      a.loss.push(null);
      a.priorLoss.push(null);
      a.accuracy.push(null);
      a.priorAccuracy.push(null);
    } else {
      a.x.splice(at, 0, step);
      for (const s of [a.loss, a.priorLoss, a.accuracy, a.priorAccuracy]) s.splice(at, 0, null);
    }
    return at;
  }
}

// ---------------------------------------------------------------- α schedule

export interface ScheduleArrays {
  x: number[];
  alpha: number[];
  /** 1 − Π(1 − α_t) after each sync; null in the forward form. */
  cumulative: number[] | null;
  /** Sync mode: α changes only at syncs, so the line is a staircase. */
  stepped: boolean;
}

/**
 * The schedule as drawn. In sync mode the last value holds until the end of training, so the
 * staircase gets a closing point at totalSteps.
 */
export function scheduleArrays(s: ScheduleView): ScheduleArrays {
  const x = [...s.steps];
  const alpha = [...s.alpha];
  const cumulative = s.cumulative ? [...s.cumulative] : null;
  const stepped = s.mode === 'sync';
  const last = x.length - 1;
  if (stepped && last >= 0 && x[last]! < s.totalSteps) {
    x.push(s.totalSteps);
    alpha.push(alpha[last]!);
    cumulative?.push(cumulative[last]!);
  }
  return { x, alpha, cumulative, stepped };
}

/**
 * α (and the cumulative pull) in force at `step`: in sync mode the last sync at or before it (null
 * before the first sync), in the forward form linear between the samples, clamped to the ends.
 */
export function scheduleAt(a: ScheduleArrays, step: number): { alpha: number; cumulative: number | null } | null {
  const { x } = a;
  if (x.length === 0) return null;
  let i = 0;
  while (i + 1 < x.length && x[i + 1]! <= step) i++;
  if (a.stepped) return step < x[0]! ? null : { alpha: a.alpha[i]!, cumulative: a.cumulative?.[i] ?? null };
  if (step <= x[0]! || i === x.length - 1) return { alpha: a.alpha[i]!, cumulative: null };
  const t = (step - x[i]!) / (x[i + 1]! - x[i]!);
  return { alpha: a.alpha[i]! + t * (a.alpha[i + 1]! - a.alpha[i]!), cumulative: null };
}
