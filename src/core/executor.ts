// Where a run executes: in this process (one at a time, sharing the backend and the loaded data
// between the runs of a sweep), or in its own worker thread (several at once, and a crash or an
// out-of-memory in one run cannot take the caller down).
import { type BackendInfo, initBackend } from './backend';
import { type DataOptions, loadDataset } from './data';
import type { LoadedDataset } from './data/types';
import type { BackendChoice, DatasetConfig } from './experiment/types';
import { type RunContext, executeJob } from './run';
import type { ExecuteJob } from './sweep/runSweep';

/** Backend and datasets, initialised on first use and shared by every run of this process. */
export function localContext(log?: (msg: string) => void, onProgress?: DataOptions['onProgress']): RunContext & { ensureBackend(choice: BackendChoice): Promise<BackendInfo> } {
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
      if (!datasets.has(id)) datasets.set(id, loadDataset(cfg, { log, onProgress }));
      return datasets.get(id)!;
    },
  };
  return ctx;
}

export function localExecutor(log?: (msg: string) => void, onProgress?: DataOptions['onProgress']): ExecuteJob {
  const ctx = localContext(log, onProgress);
  return async (job, signal, onEvent) => {
    await ctx.ensureBackend(job.config.backend);
    return executeJob(job, ctx, signal, onEvent);
  };
}

// workerExecutor lives in its own module so that the VS Code extension can use it without bundling
// TensorFlow.js (this module imports the backend and the training loop for the in-process executor).
export { workerExecutor, type WorkerExecutorOptions } from './workerExecutor';
