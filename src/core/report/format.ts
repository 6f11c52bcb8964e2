// Number and label formats shared by the text table, the CSV and the SVG, so all three agree.
import { MIN_DISTINCT_ALPHAS, type SideFit } from '../analysis';
import type { SweepReport } from './summary';

/** Accuracy (a fraction) in percent, 2 decimals, without the sign. */
export const percent = (v: number): string => (100 * v).toFixed(2);

/** α as written in an experiment file: 12 significant digits hide 1 − 0.001 = 0.9990000000000001. */
export const formatAlpha = (alpha: number): string => String(Number(alpha.toPrecision(12)));

// ASCII signs, as in describeFinding's sentence printed beside these lines.
const signed = (v: number): string => `${v > 0 ? '+' : ''}${v.toFixed(2)}`;

export const NOT_FITTED = `not fitted: the fit needs ≥ ${MIN_DISTINCT_ALPHAS} α values per side`;

/** "+1.23 points per decade of α, R² 0.87, n 27" — slope in accuracy points per decade. */
export function describeFit(fit: SideFit | null): string {
  if (!fit) return NOT_FITTED;
  const per = fit.side === 'mlp' ? 'α' : '1 − α';
  const r2 = fit.r2 === null ? 'R² undefined' : `R² ${fit.r2.toFixed(2)}`;
  return `slope ${signed(100 * fit.slope)} points per decade of ${per}, ${r2}, n ${fit.n}`;
}

/** How a sweep is named in legends: experiment, sweep id, and the prior and mode that set it apart from others. */
export function sweepLabel(report: SweepReport): string {
  const setting = (name: string): string => report.settings.find((s) => s.name === name)?.values.join('/') || '-';
  return `${report.name || '(unnamed)'} · ${report.sweepId ?? 'no sweep id'} (prior ${setting('priorPreset')}, ${setting('mode')})`;
}
