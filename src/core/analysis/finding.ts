// The measured finding in one short paragraph (spec §7.6): what was fitted and measured, with its
// numbers, and nothing the numbers do not show. Accuracies are fractions and are printed as percent.
import type { SideFit, TwoSidedFit } from './fit';
import type { SeedStats } from './stats';

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
const signed = (v: number): string => `${v > 0 ? '+' : ''}${v.toFixed(2)}`;
const runs = (n: number): string => `${n} run${n === 1 ? '' : 's'}`;

function describeSide(name: string, range: string, per: string, fit: SideFit | null): string {
  if (!fit) return `${name} (${range}): not fitted, fewer than 3 distinct α values.`;
  const [lo, hi] = fit.slopeCI95.map((v) => 100 * v) as [number, number];
  const zero = lo <= 0 && hi >= 0 ? 'includes 0' : 'excludes 0';
  const r2 = fit.r2 === null ? 'R² undefined (accuracy constant)' : `R² = ${fit.r2.toFixed(2)}`;
  return (
    `${name} (${range}; ${fit.alphas.length} α values, ${runs(fit.n)}): slope ${signed(100 * fit.slope)} accuracy points ` +
    `per decade of ${per} (95% CI ${signed(lo)} to ${signed(hi)}, ${zero}), ${r2}.`
  );
}

function describeEnds(mlpRef: SeedStats | null, priorRef: SeedStats | null): string {
  if (!mlpRef || !priorRef) {
    const missing = [!mlpRef && 'α = 0 (plain MLP)', !priorRef && 'α = 1 (prior)'].filter(Boolean).join(' and ');
    return `No runs at ${missing}, so the two ends are not compared.`;
  }
  const a = `${pct(mlpRef.mean)} at α = 0 (plain MLP, ${runs(mlpRef.n)})`;
  const b = `${pct(priorRef.mean)} at α = 1 (prior, ${runs(priorRef.n)})`;
  const diff = 100 * (priorRef.mean - mlpRef.mean);
  if (diff === 0) return `Mean accuracy is the same, ${a} and ${b}.`;
  return `Mean accuracy ${diff > 0 ? 'rises' : 'falls'} from ${a} to ${b}, a change of ${signed(diff)} points.`;
}

/**
 * States the signs, intervals and R² of both fitted slopes and how mean accuracy at α = 1 compares
 * with α = 0 (mlpRef and priorRef may be the α = 0/1 runs or separate plain-MLP and prior runs).
 * The paper's claim is a positive MLP-side slope, a negative prior-side slope and a rise; the sentence
 * reports the measured numbers only and does not judge them against the claim.
 */
export function describeFinding(fit: Pick<TwoSidedFit, 'mlpSide' | 'priorSide'>, mlpRef: SeedStats | null, priorRef: SeedStats | null): string {
  return [
    describeSide('MLP side', '0 < α ≤ 0.5', 'α', fit.mlpSide),
    describeSide('Prior side', '0.5 ≤ α < 1', '1 − α', fit.priorSide),
    describeEnds(mlpRef, priorRef),
  ].join(' ');
}
