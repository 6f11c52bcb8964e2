// Where a run executes: in this process (one at a time, sharing the backend and the loaded data
// between the runs of a sweep), or in its own worker thread (several at once, and a crash or an
// out-of-memory in one run cannot take the caller down).
import { Worker } from 'node:worker_threads';
import { type BackendInfo, initBackend } from './backend';
import { loadDataset } from './data';
import type { LoadedDataset } from './data/types';
import type { BackendChoice, DatasetConfig } from './experiment/types';
import { ResultsStore } from './results/store';
import type { RunRecord } from './results/types';
import { type RunContext, executeJob } from './run';
import type { ExecuteJob } from './sweep/runSweep';
import { type FromWorker, type ToWorker, isFromWorker } from '../shared/protocol';

/** Backend and datasets, initialised on first use and shared by every run of this process. */
export function localContext(log?: (msg: string) => void): RunContext & { ensureBackend(choice: BackendChoice): Promise<BackendInfo> } {
  let backend: { choice: BackendChoice; info: BackendInfo } | undefined;
  const datasets = new Map<string, Promise<LoadedDataset>>();
  const ctx = {
    get backend(): BackendInfo {
      if (!backend) throw new Error('backend not initialised');
      return backend.info;
    },
    async ensureBackend(choice: BackendChoice) {
      if (backend?.choice !== choice) backend = { choice, info: await initBackend(choice, log) };
      return backend.info;
    },
    dataset(cfg: DatasetConfig) {
      // trainSubset is drawn per run from the full set, so it does not change what is loaded.
      const { trainSubset: _t, ...key } = cfg;
      const id = JSON.stringify(key);
      if (!datasets.has(id)) datasets.set(id, loadDataset(cfg, { log }));
      return datasets.get(id)!;
    },
  };
  return ctx;
}

export function localExecutor(log?: (msg: string) => void): ExecuteJob {
  const ctx = localContext(log);
  return async (job, signal, onEvent) => {
    await ctx.ensureBackend(job.config.backend);
    return executeJob(job, ctx, signal, onEvent);
  };
}

/** Seconds a cancelled worker gets to save its checkpoint before it is terminated. */
const CANCEL_GRACE_MS = 30_000;

/** One worker thread per run, running `script` (the bundled src/worker/trainWorker.ts). */
export function workerExecutor(script: string, log: (msg: string) => void = () => undefined): ExecuteJob {
  return (job, signal, onEvent) => new Promise<RunRecord>((resolve, reject) => {
    const worker = new Worker(script);
    let runId: string | undefined;
    let record: RunRecord | undefined;
    let error: string | undefined;
    const send = (m: ToWorker) => worker.postMessage(m);
    const cancel = () => {
      send({ type: 'cancel' });
      setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS).unref();
    };
    signal?.addEventListener('abort', cancel, { once: true });
    worker.on('message', (m: unknown) => {
      if (!isFromWorker(m)) {
        log(`dropped a malformed message from a training worker: ${JSON.stringify(m)?.slice(0, 200)}`);
        return;
      }
      handle(m);
    });
    const handle = (m: FromWorker) => {
      if (m.type === 'started') runId = m.runId;
      else if (m.type === 'event') onEvent(m.event, m.runId);
      else if (m.type === 'done') record = m.record;
      else error = m.message;
    };
    worker.on('error', (err) => (error = err.message));
    worker.on('exit', (code) => {
      signal?.removeEventListener('abort', cancel);
      if (record) return resolve(record);
      // The worker died without a result (a crash, out of memory, terminate): mark its run failed.
      const reason = error ?? `the training worker exited with code ${code}`;
      if (!runId) return reject(new Error(reason));
      const handle = new ResultsStore(job.resultsRoot).openRun(runId);
      const status = signal?.aborted ? 'cancelled' : 'failed';
      resolve(handle.update({ status, ...(status === 'failed' ? { error: reason } : {}) }));
    });
    send({ type: 'start', job });
  });
}
