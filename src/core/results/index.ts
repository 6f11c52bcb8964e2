// Public surface of the results store.
export { ResultsStore, type ResultsStoreOptions } from './store';
export { RunHandle } from './handle';
export { writeFileAtomic, type FileData, type WriteFile } from './atomic';
export { isValidRunId } from './runId';
export type { Checkpoint, CheckpointTensor, MetricsRead, RunInit, RunPatch, RunRecord, RunRole, RunStatus, RunSummary } from './types';
