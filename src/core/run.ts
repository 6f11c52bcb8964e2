// One run of an experiment, end to end: results-store bookkeeping around the training loop.
// The CLI and the VS Code worker both call executeRun; neither touches run.json directly.
import * as tf from '@tensorflow/tfjs';
import pkg from '../../package.json';
import type { BackendInfo } from './backend';
import type { LoadedDataset } from './data/types';
import type { ExperimentConfig } from './experiment/types';
import type { ResultsStore } from './results/store';
import type { RunHandle } from './results/handle';
import type { RunRecord } from './results/types';
import type { TrainEvent } from './train/events';
import { train } from './train/trainer';

export interface ExecuteOptions {
  store: ResultsStore;
  config: ExperimentConfig;
  seed: number;
  data: LoadedDataset;
  backend: BackendInfo;
  experimentFile?: string;
  /** Continue this existing run from its last checkpoint. */
  resumeId?: string;
  signal?: AbortSignal;
  onEvent?: (e: TrainEvent, run: RunRecord) => void;
}

export const versions = () => ({ imlp: pkg.version, tfjs: tf.version.tfjs });

export async function executeRun(opts: ExecuteOptions): Promise<RunRecord> {
  const { store, config, seed, data, backend } = opts;
  const backendRecord = { name: backend.name, requested: backend.requested, reason: backend.reason };
  let handle: RunHandle;
  if (opts.resumeId) {
    handle = store.openRun(opts.resumeId);
    handle.update({ status: 'running', error: undefined, backend: backendRecord, pid: process.pid });
  } else {
    handle = store.createRun({
      config, seed, experimentFile: opts.experimentFile, backend: backendRecord, versions: versions(),
      dataset: { source: data.source, checksums: data.checksums },
    });
  }
  const started = Date.now();
  const onEvent = (e: TrainEvent) => {
    handle.appendMetric(e);
    if (e.type === 'checkpoint') handle.update({ progress: { epoch: e.epoch, globalStep: e.globalStep } });
    opts.onEvent?.(e, handle.record);
  };
  try {
    const result = await train({ config, seed, data, emit: onEvent, checkpoints: handle, resume: Boolean(opts.resumeId), signal: opts.signal });
    const previous = handle.record.timings.seconds ?? 0;
    handle.update({
      status: result.status,
      finishedAt: result.status === 'finished' ? new Date().toISOString() : undefined,
      timings: { seconds: previous + (Date.now() - started) / 1000, epochs: [...(handle.record.timings.epochs ?? []), ...result.epochSeconds] },
      result: result.testAccuracy === null ? handle.record.result : {
        testAccuracy: result.testAccuracy,
        testLoss: result.testLoss!,
        ...(result.beforeSync ? { testAccuracyBeforeSync: result.beforeSync.accuracy, testAccuracyAfterSync: result.afterSync!.accuracy } : {}),
      },
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    onEvent({ type: 'error', message });
    handle.update({ status: 'failed', error: message, timings: { ...handle.record.timings, seconds: (Date.now() - started) / 1000 } });
  } finally {
    handle.close();
  }
  return handle.record;
}
