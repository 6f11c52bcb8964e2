// The sweep report for the terminal: a per-α table, the references, both fits, the finding and what
// is missing, so one screen shows whether the sweep is complete and what it measured.
import { formatFlops, type SeedStats } from '../analysis';
import { describeFit, formatAlpha, percent } from './format';
import type { ReferenceStats, ReportStatus, SweepReport } from './summary';

const STATUS_ORDER: readonly ReportStatus[] = ['finished', 'running', 'cancelled', 'failed', 'damaged'];
const ROLE_NAMES = { run: 'I-MLP', prior: 'prior', 'plain-mlp': 'plain MLP' } as const;

/** Right-aligned columns (the first left-aligned), two spaces apart. */
function table(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
}

function statRow(label: string, stats: SeedStats, min: number, max: number): string[] {
  const half = stats.halfWidth === null ? '-' : `±${percent(stats.halfWidth)}`;
  return [label, String(stats.n), `${percent(stats.mean)}%`, half, `${percent(min)}–${percent(max)}%`];
}

function referenceRow(label: string, ref: ReferenceStats | null): string[] {
  if (!ref) return [label, '0', '-', '-', '-'];
  const acc = ref.runs.map((u) => u.accuracy);
  return statRow(label, ref.stats, Math.min(...acc), Math.max(...acc));
}

function accuracyTable(r: SweepReport): string[] {
  const rows = [['α', 'n', 'mean acc', '± 95% CI', 'min–max'], ...r.byAlpha.map((g) => statRow(formatAlpha(g.alpha), g.stats, g.min, g.max))];
  rows.push(referenceRow('prior alone', r.references.prior), referenceRow('plain MLP', r.references.plainMlp));
  const lines = table(rows);
  // A rule between the α rows and the references, as wide as the table.
  lines.splice(lines.length - 2, 0, '-'.repeat(Math.max(...lines.map((l) => l.length))));
  return lines;
}

function missingLine(r: SweepReport): string {
  if (!r.plannedGrid) return 'Missing runs: unknown, no run records the planned α × seed grid.';
  if (r.missing.length === 0) return `Missing runs: none (${r.plannedGrid.alphas.length * r.plannedGrid.seeds.length} planned α × seed runs finished).`;
  const pairs = r.missing.map((m) => `α ${formatAlpha(m.alpha)} seed ${m.seed} (${m.found.length ? m.found.join(', ') : 'not started'})`);
  return `Missing runs (no finished run), ${r.missing.length}: ${pairs.join('; ')}.`;
}

function flopsLine(r: SweepReport): string | null {
  if (r.flops.length === 0) return null;
  const parts = r.flops.map((f) => `${ROLE_NAMES[f.role]} ${f.min === f.max ? formatFlops(f.min) : `${formatFlops(f.min)}–${formatFlops(f.max)}`}`);
  return `Training FLOPs per run: ${parts.join('; ')}.`;
}

function sweepText(r: SweepReport): string {
  const lines = [`Sweep ${r.sweepId ?? '(no sweep id)'} · experiment ${r.name || '(unnamed)'}`];
  lines.push(`Settings: ${r.settings.map((s) => `${s.label} ${s.values.join(' / ')}`).join(', ')}`);
  if (r.mixedSettings.length) {
    const which = r.settings.filter((s) => r.mixedSettings.includes(s.name)).map((s) => `${s.label} (${s.values.join(' / ')})`);
    lines.push(`WARNING mixed sweeps: the runs disagree on ${which.join(', ')}; their accuracies measure different things.`);
  }
  lines.push(`Runs: ${STATUS_ORDER.map((s) => `${r.counts[s]} ${s}`).join(', ')}`, '', ...accuracyTable(r), '');
  lines.push('Two-sided log fit (least squares on individual runs):');
  lines.push(`  MLP side   (0 < α ≤ 0.5): ${describeFit(r.fit.mlpSide)}`);
  lines.push(`  prior side (0.5 ≤ α < 1): ${describeFit(r.fit.priorSide)}`);
  lines.push(`Finding: ${r.finding}`);
  const flops = flopsLine(r);
  if (flops) lines.push(flops);
  lines.push(missingLine(r));
  if (r.superseded.length) lines.push(`Superseded by a newer run of the same α and seed (not counted): ${r.superseded.join(', ')}`);
  for (const d of r.runs.filter((x) => x.status === 'damaged')) lines.push(`Damaged: ${d.id}${d.reason ? ` (${d.reason})` : ''}`);
  return lines.join('\n');
}

/** Plain text for the terminal, one block per sweep. */
export function reportText(reports: readonly SweepReport[]): string {
  if (reports.length === 0) return 'No runs to report.\n';
  return reports.map(sweepText).join('\n\n' + '='.repeat(72) + '\n\n') + '\n';
}
