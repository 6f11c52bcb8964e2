// One run of an experiment, end to end: results-store bookkeeping around the training loop.
// The CLI (in process) and the training worker both call executeJob; neither touches run.json directly.
import * as tf from '@tensorflow/tfjs';
import pkg from '../../package.json';
import type { RunJob } from '../shared/protocol';
import type { BackendInfo } from './backend';
import type { LoadedDataset } from './data/types';
import type { DatasetConfig, ExperimentConfig } from './experiment/types';
import { imlpLearner } from './method/learner';
import { buildMirror, mirrorFlops } from './method/mirror';
import { forwardFlops, modelLayers, resolveLayers } from './models/network';
import type { RunHandle } from './results/handle';
import { ResultsStore } from './results/store';
import type { RunRecord } from './results/types';
import type { TrainEvent } from './train/events';
import type { Learner } from './train/learner';
import { train, trainingSet } from './train/trainer';
import type { ImageSet } from './data/types';

export interface RunContext {
  backend: BackendInfo;
  /** Loads (or returns the already loaded) dataset of a run. */
  dataset(cfg: DatasetConfig): Promise<LoadedDataset>;
}

export const versions = () => ({ imlp: pkg.version, tfjs: tf.version.tfjs });

/** The frozen prior's trained weights: the parameters in its run's final checkpoint. */
function priorWeights(store: ResultsStore, priorRunId: string): Map<string, Float32Array> {
  const ckpt = store.openRun(priorRunId).loadCheckpoint();
  if (!ckpt) throw new Error(`the prior run ${priorRunId} has no checkpoint; train the prior again (delete the run and re-run the sweep)`);
  const out = new Map<string, Float32Array>();
  for (const [k, t] of Object.entries(ckpt.tensors)) if (k.startsWith('param/')) out.set(k.slice('param/'.length), t.data);
  return out;
}

function learnerFor(job: RunJob, set: ImageSet, store: ResultsStore, backend: string): Learner | undefined {
  const { config, seed, role } = job;
  if (config.model.kind !== 'imlp') return undefined; // a plain network: the trainer's default
  if (role === 'plain-mlp') return imlpLearner({ config, seed, alpha: null, train: set, backend });
  if (job.alpha === undefined) throw new Error('an I-MLP run needs an α');
  const frozen = config.prior!.source === 'frozen';
  if (frozen && !job.priorRunId) throw new Error('an I-MLP run with a frozen prior needs the prior run');
  return imlpLearner({ config, seed, alpha: job.alpha, train: set, backend, ...(frozen ? { priorWeights: priorWeights(store, job.priorRunId!) } : {}) });
}

/** Forward FLOPs per example of the studied model (M for an I-MLP), for the compute axis. */
export function modelFlops(config: ExperimentConfig, set: ImageSet): number {
  const input = [set.height, set.width, set.channels];
  if (config.model.kind === 'imlp') return mirrorFlops(buildMirror(resolveLayers(config.prior!.layers, input, set.numClasses, 'prior.layers')));
  return forwardFlops(resolveLayers(modelLayers(config.model), input, set.numClasses, 'model.layers'));
}

/** Whether a process with this id exists (EPERM: it does, under another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `onCreated` hears the run id as soon as run.json exists, so a host can mark the run failed if this process dies. */
export async function executeJob(
  job: RunJob, ctx: RunContext, signal?: AbortSignal, onEvent?: (e: TrainEvent, runId: string) => void, onCreated?: (runId: string) => void,
): Promise<RunRecord> {
  const store = new ResultsStore(job.resultsRoot);
  const { config, seed, backend } = { ...job, backend: ctx.backend };
  const data = await ctx.dataset(config.dataset);
  const backendRecord = { name: backend.name, requested: backend.requested, reason: backend.reason };
  let handle: RunHandle;
  if (job.resumeId) {
    handle = store.openRun(job.resumeId);
    const owner = handle.record;
    // Two processes training one run would interleave its metrics and race for its checkpoint. (This
    // process's own runs, e.g. the extension host's workers, are checked by their host.)
    if (owner.status === 'running' && owner.pid !== undefined && owner.pid !== process.pid && processAlive(owner.pid)) {
      throw new Error(`run ${handle.id} is being trained by process ${owner.pid}; wait for it to finish or stop it, then resume again `
        + `(if process ${owner.pid} is neither imlp nor VS Code, its id was reused after a crash: delete "pid" from ${handle.dir}/run.json)`);
    }
    handle.update({ status: 'running', error: undefined, backend: backendRecord, pid: process.pid });
  } else {
    handle = store.createRun({
      config, seed, alpha: job.alpha, role: job.role, sweepId: job.sweepId, priorRunId: job.priorRunId, experimentFile: job.experimentFile,
      backend: backendRecord, versions: versions(), dataset: { source: data.source, checksums: data.checksums },
    });
  }
  onCreated?.(handle.id);
  const started = Date.now();
  const emit = (e: TrainEvent) => {
    handle.appendMetric(e);
    if (e.type === 'checkpoint') handle.update({ progress: { epoch: e.epoch, globalStep: e.globalStep } });
    onEvent?.(e, handle.id);
  };
  try {
    const set = trainingSet(config, data, seed);
    const learner = learnerFor(job, set, store, backend.name);
    const result = await train({ config, seed, data, emit, learner, checkpoints: handle, resume: Boolean(job.resumeId), signal });
    const previous = handle.record.timings.seconds ?? 0;
    handle.update({
      status: result.status,
      timings: { seconds: previous + (Date.now() - started) / 1000, epochs: [...(handle.record.timings.epochs ?? []), ...result.epochSeconds] },
      result: result.testAccuracy === null ? handle.record.result : {
        testAccuracy: result.testAccuracy,
        testLoss: result.testLoss!,
        // Training FLOPs as in Scaling MLPs: forward FLOPs per example × 3 × examples seen.
        flops: 3 * modelFlops(config, set) * set.n * config.training.epochs,
        ...(result.beforeSync ? { testAccuracyBeforeSync: result.beforeSync.accuracy, testAccuracyAfterSync: result.afterSync!.accuracy } : {}),
      },
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Recording the failure writes files too, which fail again on a full disk: each write is tried on
    // its own, and the first cause stays in the error the user sees.
    const unrecorded: string[] = [];
    try {
      emit({ type: 'error', message });
    } catch (e) {
      unrecorded.push((e as Error).message);
      onEvent?.({ type: 'error', message }, handle.id);
    }
    try {
      handle.update({ status: 'failed', error: message, timings: { ...handle.record.timings, seconds: (Date.now() - started) / 1000 } });
    } catch (e) {
      unrecorded.push((e as Error).message);
    }
    try { handle.close(); } catch (e) { unrecorded.push((e as Error).message); }
    if (unrecorded.length > 0) {
      throw new Error(`run ${handle.id} failed: ${message}. It could not be marked failed either (${unrecorded[0]}), so it shows as interrupted; resume it once the cause is fixed.`, { cause: err });
    }
    return handle.record;
  }
  handle.close();
  return handle.record;
}
