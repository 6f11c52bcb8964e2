// Which of a sweep's planned runs have a finished record, and which are missing. The plan is rebuilt
// from a run record's config (the resolved experiment), so results alone, from any set of folders,
// say what is still to be run, and with the shard count, which shard should run it.
import type { RunRecord, RunRole, RunStatus } from '../results/types';
import { planKey, planSweep } from './plan';
import { shardOf } from './shard';

export interface MissingRun {
  role: RunRole;
  seed: number;
  alpha?: number;
  /** Statuses of the unfinished records of this run (empty: never started). */
  found: RunStatus[];
  /** The shard (0-based) that runs it, when the shard count is known; absent for the frozen prior, which any shard trains. */
  shard?: number;
}

export interface Coverage {
  sweepId: string;
  /** Planned runs, the frozen prior included (0 when no record carries the sweep's config). */
  planned: number;
  finished: number;
  missing: MissingRun[];
}

/**
 * The coverage of one sweep by `records` (runs from any folders, the prior's included). A record with
 * this sweep id supplies the config; the frozen prior counts as found when the runs' prior is finished.
 */
export function sweepCoverage(records: readonly RunRecord[], sweepId: string, shards?: number): Coverage {
  const members = records.filter((r) => r.sweepId === sweepId);
  // A co-trained prior's reference run records the prior's own (plain CNN) config, not the sweep's.
  const source = members.find((r) => r.config.model.kind === 'imlp') ?? members.find((r) => (r.role ?? 'run') === 'run');
  if (!source) return { sweepId, planned: 0, finished: 0, missing: [] };
  const plan = planSweep(source.config);
  const byKey = new Map<string, RunRecord[]>();
  for (const r of members) {
    const list = byKey.get(planKey(r)) ?? [];
    list.push(r);
    byKey.set(planKey(r), list);
  }
  const missing: MissingRun[] = [];
  let finished = 0;
  plan.runs.forEach((run, i) => {
    const found = byKey.get(planKey(run)) ?? [];
    if (found.some((r) => r.status === 'finished')) finished++;
    else missing.push({ ...run, found: found.map((r) => r.status), ...(shards ? { shard: shardOf(i, shards) } : {}) });
  });
  let planned = plan.runs.length;
  if (plan.prior) {
    planned++;
    const ids = new Set(members.flatMap((r) => (r.priorRunId ? [r.priorRunId] : [])));
    const priors = records.filter((r) => ids.has(r.id));
    if (priors.some((r) => r.status === 'finished')) finished++;
    else missing.unshift({ role: 'prior', seed: plan.prior.seed, found: priors.map((r) => r.status) });
  }
  return { sweepId, planned, finished, missing };
}

const ROLE_NAMES: Record<RunRole, string> = { run: 'α', prior: 'the frozen prior', 'plain-mlp': 'plain MLP' };

/** "α 0.5 seed 1 (cancelled, shard 1)", "plain MLP seed 0 (not started)". */
export function describeMissing(m: MissingRun): string {
  const what = m.role === 'run' && m.alpha !== undefined ? `α ${m.alpha} seed ${m.seed}` : m.role === 'prior' ? ROLE_NAMES.prior : `${ROLE_NAMES[m.role]} seed ${m.seed}`;
  const state = m.found.length ? m.found.join(', ') : 'not started';
  return `${what} (${state}${m.shard === undefined ? '' : `, shard ${m.shard}`})`;
}

/** One line per sweep for the report: how many planned runs finished and which are missing. */
export function coverageLine(c: Coverage): string {
  if (c.planned === 0) return `Planned runs of ${c.sweepId}: unknown (no run records its config).`;
  const head = `Planned runs of ${c.sweepId}: ${c.finished} of ${c.planned} finished`;
  if (c.missing.length === 0) return `${head}; none missing.`;
  return `${head}; missing ${c.missing.length}: ${c.missing.map(describeMissing).join('; ')}.`;
}
