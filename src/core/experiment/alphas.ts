// The α values of a sweep: ready grids and the expansion of the file's `interpolation.alpha`.
import type { AlphaInput } from './file';

/** Ready α grids. two-sided-log is the spec's sweep (§5): log-spaced toward both α = 0 and α = 1. */
export const ALPHA_GRIDS = {
  'two-sided-log': [0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999, 1],
} as const satisfies Record<string, readonly number[]>;

/** The α values an `alpha` field stands for, in order. */
export function expandAlpha(alpha: AlphaInput): number[] {
  if (typeof alpha === 'number') return [alpha];
  if (Array.isArray(alpha)) return [...alpha];
  if (alpha.grid === 'two-sided-log') return [...ALPHA_GRIDS[alpha.grid]];
  const { from, to, count } = alpha;
  const at = (t: number) => (alpha.grid === 'log' ? from * (to / from) ** t : from + (to - from) * t);
  // 12 significant digits keep 0.1 from printing as 0.10000000000000002 in results and labels.
  return Array.from({ length: count }, (_, k) => (k === 0 ? from : k === count - 1 ? to : Number(at(k / (count - 1)).toPrecision(12))));
}
