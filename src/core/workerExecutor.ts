// One worker thread per run: a crash or an out-of-memory in one run cannot take the caller down (the
// CLI with --parallel, the VS Code extension host). Imports nothing that loads TensorFlow.js.
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { prepareOpenBlasEnv } from './backend/openblasEnv';
import { ResultsStore } from './results/store';
import type { RunRecord } from './results/types';
import type { ExecuteJob } from './sweep/runSweep';
import { type FromWorker, type ToWorker, isFromWorker } from '../shared/protocol';

export interface WorkerExecutorOptions {
  /**
   * process.env of each worker (default: a copy of the caller's). The extension passes its settings
   * this way (IMLP_MEMORY_BUDGET, IMLP_DATA_DIR) without changing the shared extension host's env.
   */
  env?: NodeJS.ProcessEnv;
  /**
   * Heap limits of each worker. Past its limit (given here, else Node's default) a worker alone is
   * stopped, its run is marked failed as out of memory, and the caller carries on.
   */
  resourceLimits?: ResourceLimits;
}

/** Seconds a cancelled worker gets to save its checkpoint before it is terminated. */
const CANCEL_GRACE_MS = 30_000;

/** One worker thread per run, running `script` (the bundled src/worker/trainWorker.ts). */
export function workerExecutor(script: string, log: (msg: string) => void = () => undefined, options: WorkerExecutorOptions = {}): ExecuteJob {
  // A worker cannot set the environment the OpenBLAS it loads reads (openblasEnv.ts).
  const note = prepareOpenBlasEnv(options.env);
  if (note) log(note);
  return (job, signal, onEvent) => new Promise<RunRecord>((resolve, reject) => {
    const worker = new Worker(script, { ...(options.env ? { env: options.env } : {}), ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}) });
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
    worker.on('error', (err: Error & { code?: string }) => {
      error = err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? `the training worker ran out of memory (${err.message}); use a smaller model, batch size or dataset subset, or fewer parallel runs`
        : err.message;
    });
    worker.on('exit', (code) => {
      signal?.removeEventListener('abort', cancel);
      if (record) return resolve(record);
      // The worker died without a result (a crash, out of memory, terminate): mark its run failed.
      const reason = error ?? `the training worker exited with code ${code}`;
      if (!runId) return reject(new Error(reason));
      const status = signal?.aborted ? 'cancelled' : 'failed';
      try {
        const handle = new ResultsStore(job.resultsRoot).openRun(runId);
        resolve(handle.update({ status, ...(status === 'failed' ? { error: reason } : {}) }));
      } catch (err) {
        // A full disk or a damaged run.json: the caller still hears why the run stopped (a throw here would be uncaught).
        reject(new Error(`${reason}; run ${runId} could not be marked ${status} either: ${(err as Error).message}`, { cause: err }));
      }
    });
    send({ type: 'start', job });
  });
}
