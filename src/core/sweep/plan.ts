// Which runs an experiment file asks for. A plain model: one run per seed. An I-MLP: one run per
// α × seed, plus the reference runs the paper's comparison needs: the prior alone and the plain
// MLP (the mirrored dense network trained with no pull toward the prior) alone.
import { createHash } from 'node:crypto';
import type { ExperimentConfig } from '../experiment/types';
import type { RunRecord, RunRole } from '../results/types';

export interface PlannedRun {
  role: RunRole;
  seed: number;
  alpha?: number;
}

export interface SweepPlan {
  /** Stable for the same experiment content, so re-running a sweep finds and skips its finished runs. */
  sweepId: string;
  /** The frozen prior, trained (or found) before everything else; absent for plain models and co-trained priors. */
  prior?: PlannedRun;
  runs: PlannedRun[];
}

/** The seed of the frozen prior shared by the whole sweep. */
export function priorSeed(config: ExperimentConfig): number {
  return (config.prior?.training ?? config.training).seeds[0]!;
}

export function planKey(r: { role?: RunRole; seed: number; alpha?: number }): string {
  return `${r.role ?? 'run'}|${r.seed}|${r.alpha ?? ''}`;
}

/** A short content hash of everything that changes results (the name and description do not). */
export function configFingerprint(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical)
      : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
        : v;
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex').slice(0, 10);
}

export function planSweep(config: ExperimentConfig): SweepPlan {
  const { name, description: _description, ...rest } = config;
  const sweepId = `${name}-${configFingerprint(rest)}`;
  const seeds = config.training.seeds;
  if (config.model.kind !== 'imlp' || !config.interpolation || !config.prior) {
    return { sweepId, runs: seeds.map((seed) => ({ role: 'run' as const, seed })) };
  }
  const runs: PlannedRun[] = [];
  // Co-trained priors train beside each run; their "alone" reference is one prior run per seed.
  if (config.prior.source === 'co-trained') for (const seed of seeds) runs.push({ role: 'prior', seed });
  for (const seed of seeds) runs.push({ role: 'plain-mlp', seed });
  for (const alpha of config.interpolation.alphas) for (const seed of seeds) runs.push({ role: 'run', seed, alpha });
  const prior = config.prior.source === 'frozen' && !config.prior.run ? { role: 'prior' as const, seed: priorSeed(config) } : undefined;
  return { sweepId, prior, runs };
}

/** The record of each planned run already in the store (latest first wins), keyed by planKey. */
export function existingRuns(records: RunRecord[], sweepId: string): Map<string, RunRecord> {
  const found = new Map<string, RunRecord>();
  for (const r of records) if (r.sweepId === sweepId && !found.has(planKey(r))) found.set(planKey(r), r);
  return found;
}

/** The runs of a sweep plus the frozen prior run they point to, relabelled as the sweep's prior reference. */
export function sweepMembers(records: RunRecord[], sweepId: string): RunRecord[] {
  const runs = records.filter((r) => r.sweepId === sweepId);
  const priorIds = new Set(runs.flatMap((r) => (r.priorRunId ? [r.priorRunId] : [])));
  return [...runs, ...records.filter((r) => priorIds.has(r.id)).map((r) => ({ ...r, sweepId }))];
}

/** Ids of the I-MLP sweeps in the records, newest first (plain runs and the frozen priors' own groups are not α sweeps). */
export function sweepIds(records: RunRecord[]): string[] {
  const ids: string[] = [];
  for (const r of records) if (r.sweepId && r.config.model.kind === 'imlp' && !ids.includes(r.sweepId)) ids.push(r.sweepId);
  return ids;
}
