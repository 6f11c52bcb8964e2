// Executes a SweepPlan: the frozen prior first (found again if an identical one is already trained),
// then every α × seed run and the reference runs, `parallel` at a time. Finished runs of the same
// sweep are skipped and interrupted ones resumed from their checkpoints, so a sweep can be stopped
// and started again at any point. With a shard, only that share of the planned runs is run (see
// shard.ts), and the frozen prior is trained by whichever process needs it first (see lock.ts).
import { join } from 'node:path';
import type { ExperimentConfig } from '../experiment/types';
import type { ResultsStore } from '../results/store';
import type { RunRecord } from '../results/types';
import type { TrainEvent } from '../train/events';
import type { RunJob } from '../../shared/protocol';
import { once } from './lock';
import { type PlannedRun, configFingerprint, existingRuns, planKey, planSweep } from './plan';
import { type Shard, inShard } from './shard';

export type ExecuteJob = (job: RunJob, signal: AbortSignal | undefined, onEvent: (e: TrainEvent, runId: string) => void) => Promise<RunRecord>;

export interface SweepOptions {
  config: ExperimentConfig;
  experimentFile?: string;
  store: ResultsStore;
  execute: ExecuteJob;
  /** Runs at a time (each run is single-threaded on the wasm backend). */
  parallel?: number;
  /** Start a new sweep instead of continuing the one with this experiment's content. */
  fresh?: boolean;
  /** Continue the sweep with this id (e.g. an earlier fresh sweep); overrides `fresh`. */
  sweepId?: string;
  /** Run only the planned runs this accepts (e.g. the seeds of one α); the others are neither run nor returned. */
  only?: (run: PlannedRun) => boolean;
  /** Run only this shard's share of the planned runs (applied before `only`). */
  shard?: Shard;
  /** Timing of the prior's lock (tests shorten it). */
  lockTiming?: { heartbeatMs?: number; staleMs?: number; pollMs?: number };
  signal?: AbortSignal;
  onEvent?: (e: TrainEvent, runId: string) => void;
  log?: (msg: string) => void;
}

export interface SweepOutcome {
  sweepId: string;
  /** Every planned run's record (finished earlier, or run now), in plan order. */
  records: RunRecord[];
  skipped: number;
  priorRunId?: string;
}

/** The plain CNN run that trains a prior on its own budget (a frozen prior, or the co-trained prior's reference). */
export function priorConfig(config: ExperimentConfig, budget: 'own' | 'shared'): ExperimentConfig {
  const prior = config.prior!;
  return {
    version: 1,
    name: `${config.name}-prior`,
    dataset: config.dataset,
    model: { kind: 'cnn', ...(prior.preset ? { preset: prior.preset } : {}), layers: prior.layers },
    training: budget === 'own' && prior.training ? prior.training : config.training,
    backend: config.backend,
  };
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

export async function runSweep(opts: SweepOptions): Promise<SweepOutcome> {
  const { config, store, execute, signal } = opts;
  const log = opts.log ?? (() => undefined);
  const plan = planSweep(config);
  const sweepId = opts.sweepId ?? (opts.fresh ? `${plan.sweepId}-${stamp()}` : plan.sweepId);
  const shard = opts.shard;
  const share = shard ? plan.runs.filter((_, i) => inShard(i, shard)) : plan.runs;
  const planned = opts.only ? share.filter(opts.only) : share;
  const all = store.listRuns().flatMap((s) => (s.damaged ? [] : [s.record]));
  const onEvent = opts.onEvent ?? (() => undefined);

  /** A job for a planned run, continuing its earlier record when there is one. */
  const jobFor = (run: PlannedRun, runConfig: ExperimentConfig, id: string, previous: RunRecord | undefined, priorRunId?: string): RunJob => ({
    resultsRoot: store.root, config: runConfig, seed: run.seed, role: run.role, alpha: run.alpha, sweepId: id,
    experimentFile: opts.experimentFile, priorRunId,
    ...(previous && previous.status !== 'finished' ? { resumeId: previous.id } : {}),
  });

  let priorRunId = config.prior?.run;
  if (priorRunId) {
    const rec = store.openRun(priorRunId).record;
    if (rec.role !== 'prior' || rec.status !== 'finished') {
      throw new Error(`prior.run: run ${priorRunId} is ${rec.status === 'finished' ? `a ${rec.role ?? 'plain'} run, not a prior` : rec.status}; give the id of a finished prior run (imlp list shows them)`);
    }
  } else if (plan.prior && !(shard && planned.length === 0)) {
    // A frozen prior is keyed by what determines its weights, so every sweep with the same prior reuses it.
    const cfg = priorConfig(config, 'own');
    const { name: _n, ...identity } = cfg;
    const priorRun = plan.prior;
    const priorSweep = `prior-${configFingerprint({ identity, seed: priorRun.seed })}`;
    const latest = () => existingRuns(store.listRuns().flatMap((s) => (s.damaged ? [] : [s.record])), priorSweep).get(planKey(priorRun));
    const first = existingRuns(all, priorSweep).get(planKey(priorRun));
    if (first?.status === 'finished') log(`reusing the trained prior ${first.id} (test accuracy ${(100 * first.result!.testAccuracy).toFixed(2)}%)`);
    // Shards sharing a results folder train it once: whoever takes the lock first; the others wait for it.
    let trainedHere = false;
    const rec = first?.status === 'finished' ? first : await once(join(store.root, 'locks', priorSweep), {
      what: 'the frozen prior',
      done: () => {
        const r = latest();
        return r?.status === 'finished' ? r : undefined;
      },
      run: async () => {
        const previous = latest();
        log(previous ? `resuming the prior ${previous.id}` : `training the frozen prior (${cfg.training.epochs} epochs)`);
        trainedHere = true;
        return execute(jobFor(priorRun, cfg, priorSweep, previous), signal, onEvent);
      },
    }, { ...opts.lockTiming, signal, log });
    if (!rec) return { sweepId, records: [], skipped: 0 };
    if (rec.status !== 'finished') return { sweepId, records: [rec], skipped: 0 };
    if (rec !== first && !trainedHere) log(`using the frozen prior ${rec.id} that another process trained (test accuracy ${(100 * rec.result!.testAccuracy).toFixed(2)}%)`);
    priorRunId = rec.id;
  }

  const existing = existingRuns(all, sweepId);
  const records: RunRecord[] = new Array(planned.length);
  const todo: number[] = [];
  planned.forEach((run, i) => {
    const previous = existing.get(planKey(run));
    if (previous?.status === 'finished') records[i] = previous;
    else todo.push(i);
  });
  const skipped = planned.length - todo.length;
  if (skipped > 0) log(`${skipped} of ${planned.length} runs of sweep ${sweepId} already finished; running the other ${todo.length}`);

  const parallel = Math.max(1, Math.min(opts.parallel ?? 1, todo.length || 1));
  let next = 0;
  const worker = async () => {
    while (next < todo.length && !signal?.aborted) {
      const i = todo[next++]!;
      const run = planned[i]!;
      const runConfig = run.role === 'prior' ? priorConfig(config, 'shared') : config;
      records[i] = await execute(jobFor(run, runConfig, sweepId, existing.get(planKey(run)), priorRunId), signal, onEvent);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return { sweepId, records: records.filter(Boolean), skipped, priorRunId };
}
