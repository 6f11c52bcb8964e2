// One sweep's results in numbers: seed statistics per α, the reference runs, the two-sided log fit
// and the finding (spec §5, §7.6), plus what is missing or inconsistent, so a table or plot drawn
// from it never hides an incomplete or mixed sweep.
import { describeFinding, seedStats, twoSidedLogFit, type SeedStats, type SweepRun, type TwoSidedFit } from '../analysis';
import type { RunRecord, RunRole, RunStatus, RunSummary } from '../results/types';
import { collectSettings, describePrior, describeSchedule, type SettingName, type SettingValues } from './settings';

/** A run as the store lists it (a damaged folder has no record) or its record alone. */
export type ReportInput = RunRecord | RunSummary;
export type ReportStatus = RunStatus | 'damaged';

/** One row per run folder: the fields the CSV and plot need, flattened. */
export interface ReportRun {
  id: string;
  status: ReportStatus;
  name?: string;
  role?: RunRole;
  alpha?: number;
  seed?: number;
  testAccuracy?: number;
  testLoss?: number;
  seconds?: number;
  flops?: number;
  mode?: string;
  schedule?: string;
  prior?: string;
  /** Why a damaged folder could not be read. */
  reason?: string;
}

/** A finished run whose accuracy enters the statistics. */
export interface UsedRun {
  id: string;
  seed: number;
  accuracy: number;
}

export interface AlphaRow {
  alpha: number;
  /** Sorted by seed. */
  runs: UsedRun[];
  stats: SeedStats;
  min: number;
  max: number;
}

export interface ReferenceStats {
  runs: UsedRun[];
  stats: SeedStats;
}

export interface MissingPair {
  alpha: number;
  seed: number;
  /** Statuses of the unfinished runs at this pair (empty: never started). */
  found: ReportStatus[];
}

export interface FlopsSummary {
  role: RunRole;
  n: number;
  min: number;
  max: number;
}

export interface SweepReport {
  /** null groups the runs that carry no sweep id (single runs and damaged folders, whose sweep cannot be read). */
  sweepId: string | null;
  /** Experiment names of the sweep's runs, distinct, joined with ", ". */
  name: string;
  /** Every run folder, sorted by role, α, seed and id. */
  runs: ReportRun[];
  counts: Record<ReportStatus, number>;
  byAlpha: AlphaRow[];
  references: { prior: ReferenceStats | null; plainMlp: ReferenceStats | null };
  fit: TwoSidedFit;
  finding: string;
  /** interpolation.alphas × training.seeds of the first α run's config; null when no run carries one. */
  plannedGrid: { alphas: number[]; seeds: number[] } | null;
  /** Planned (α, seed) pairs without a finished run. */
  missing: MissingPair[];
  /** Finished runs left out because a newer finished run has the same role, α and seed. */
  superseded: string[];
  settings: SettingValues[];
  /** Settings on which the α runs disagree: the sweep mixes curves that measure different things. */
  mixedSettings: SettingName[];
  /** Training FLOPs per run, by role, where runs record result.flops. */
  flops: FlopsSummary[];
}

const ROLE_ORDER: Record<RunRole, number> = { run: 0, prior: 1, 'plain-mlp': 2 };
const STATUSES: readonly ReportStatus[] = ['finished', 'running', 'cancelled', 'failed', 'damaged'];

const recordOf = (input: ReportInput): RunRecord | null => ('schema' in input ? input : input.damaged ? null : input.record);
// A record without a role was started outside a sweep's reference step, so it is an ordinary run.
const roleOf = (r: RunRecord): RunRole => r.role ?? 'run';

function toRow(input: ReportInput): ReportRun {
  const r = recordOf(input);
  if (!r) return { id: input.id, status: 'damaged', reason: 'reason' in input ? input.reason : undefined };
  const interp = r.config.interpolation;
  return {
    id: r.id,
    status: r.status,
    name: r.name,
    role: roleOf(r),
    alpha: r.alpha,
    seed: r.seed,
    testAccuracy: r.result?.testAccuracy,
    testLoss: r.result?.testLoss,
    seconds: r.timings.seconds,
    flops: r.result?.flops,
    mode: interp?.mode,
    schedule: interp ? describeSchedule(interp.schedule) : undefined,
    prior: describePrior(r.config),
  };
}

function compareRows(a: ReportRun, b: ReportRun): number {
  const role = (r: ReportRun): number => (r.role ? ROLE_ORDER[r.role] : 3);
  return role(a) - role(b) || (a.alpha ?? -1) - (b.alpha ?? -1) || (a.seed ?? -1) - (b.seed ?? -1) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const usable = (r: RunRecord): boolean => r.status === 'finished' && Number.isFinite(r.result?.testAccuracy);
const finishTime = (r: RunRecord): string => r.finishedAt ?? r.updatedAt;

/**
 * One finished run per (role, α, seed): the newest. A rerun must replace, not add to, its seed, or the
 * interval would narrow without a new independent run.
 */
function pickNewest(records: readonly RunRecord[]): { kept: RunRecord[]; superseded: string[] } {
  const byKey = new Map<string, RunRecord>();
  const superseded: string[] = [];
  for (const r of records.filter(usable)) {
    const key = `${roleOf(r)}|${r.alpha}|${r.seed}`;
    const prev = byKey.get(key);
    if (!prev) byKey.set(key, r);
    else {
      const newer = finishTime(r) > finishTime(prev) || (finishTime(r) === finishTime(prev) && r.id > prev.id);
      superseded.push(newer ? prev.id : r.id);
      if (newer) byKey.set(key, r);
    }
  }
  return { kept: [...byKey.values()], superseded: superseded.sort() };
}

const used = (r: RunRecord): UsedRun => ({ id: r.id, seed: r.seed, accuracy: r.result!.testAccuracy });
const bySeed = (a: UsedRun, b: UsedRun): number => a.seed - b.seed || (a.id < b.id ? -1 : 1);

function alphaRows(runs: readonly RunRecord[]): AlphaRow[] {
  const groups = new Map<number, UsedRun[]>();
  for (const r of runs) {
    const list = groups.get(r.alpha!) ?? [];
    list.push(used(r));
    groups.set(r.alpha!, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([alpha, list]) => {
      const acc = list.sort(bySeed).map((u) => u.accuracy);
      return { alpha, runs: list, stats: seedStats(acc), min: Math.min(...acc), max: Math.max(...acc) };
    });
}

function reference(runs: readonly RunRecord[]): ReferenceStats | null {
  if (runs.length === 0) return null;
  const list = runs.map(used).sort(bySeed);
  return { runs: list, stats: seedStats(list.map((u) => u.accuracy)) };
}

function missingPairs(grid: NonNullable<SweepReport['plannedGrid']>, alphaRuns: readonly RunRecord[], rows: readonly AlphaRow[]): MissingPair[] {
  const missing: MissingPair[] = [];
  for (const alpha of grid.alphas) {
    const row = rows.find((g) => g.alpha === alpha);
    for (const seed of grid.seeds) {
      if (row?.runs.some((u) => u.seed === seed)) continue;
      const found = alphaRuns.filter((r) => r.alpha === alpha && r.seed === seed).map((r) => r.status);
      missing.push({ alpha, seed, found });
    }
  }
  return missing;
}

function flopsByRole(records: readonly RunRecord[]): FlopsSummary[] {
  const out: FlopsSummary[] = [];
  for (const role of ['run', 'prior', 'plain-mlp'] as const) {
    const values = records.filter((r) => roleOf(r) === role && Number.isFinite(r.result?.flops)).map((r) => r.result!.flops!);
    if (values.length) out.push({ role, n: values.length, min: Math.min(...values), max: Math.max(...values) });
  }
  return out;
}

/** Summarises the given runs as one sweep (the caller has already picked them, e.g. by sweep id). */
export function summarizeSweep(inputs: readonly ReportInput[]): SweepReport {
  const records = inputs.map(recordOf).filter((r): r is RunRecord => r !== null);
  const alphaRuns = records.filter((r) => roleOf(r) === 'run' && r.alpha !== undefined);
  const { kept, superseded } = pickNewest(records);
  const byAlpha = alphaRows(kept.filter((r) => roleOf(r) === 'run' && r.alpha !== undefined));
  const references = {
    prior: reference(kept.filter((r) => roleOf(r) === 'prior')),
    plainMlp: reference(kept.filter((r) => roleOf(r) === 'plain-mlp')),
  };
  const fit = twoSidedLogFit(byAlpha.flatMap((g) => g.runs.map((u): SweepRun => ({ alpha: g.alpha, seed: u.seed, accuracy: u.accuracy }))));
  // The sweep's own ends are the claim's "plain MLP (α = 0)" and "prior (α = 1)"; the reference runs stand in when an end was not run.
  const finding = describeFinding(fit, fit.alpha0 ?? references.plainMlp?.stats ?? null, fit.alpha1 ?? references.prior?.stats ?? null);
  const planned = alphaRuns.find((r) => r.config.interpolation)?.config;
  const plannedGrid = planned?.interpolation ? { alphas: [...planned.interpolation.alphas], seeds: [...planned.training.seeds] } : null;
  const settings = collectSettings(alphaRuns.map((r) => r.config));
  const runs = inputs.map(toRow).sort(compareRows);
  const counts = Object.fromEntries(STATUSES.map((s) => [s, runs.filter((r) => r.status === s).length])) as Record<ReportStatus, number>;
  return {
    sweepId: records[0]?.sweepId ?? null,
    name: [...new Set(records.map((r) => r.name))].join(', '),
    runs,
    counts,
    byAlpha,
    references,
    fit,
    finding,
    plannedGrid,
    missing: plannedGrid ? missingPairs(plannedGrid, alphaRuns, byAlpha) : [],
    superseded,
    settings,
    mixedSettings: settings.filter((s) => s.values.length > 1).map((s) => s.name),
    flops: flopsByRole(kept),
  };
}

/** One report per sweep id, sorted by id; runs without one (and damaged folders) form a last report with sweepId null. */
export function summarizeSweeps(inputs: readonly ReportInput[]): SweepReport[] {
  const groups = new Map<string | null, ReportInput[]>();
  for (const input of inputs) {
    const key = recordOf(input)?.sweepId ?? null;
    const list = groups.get(key);
    if (list) list.push(input);
    else groups.set(key, [input]);
  }
  const keys = [...groups.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
  return keys.map((k) => summarizeSweep(groups.get(k)!));
}
