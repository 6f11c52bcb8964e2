// Every message that crosses a process or thread boundary, as discriminated unions. Both sides
// compile against this file and check what they receive with the guards below: a malformed
// message is dropped and logged, never acted on.
import type { ExperimentConfig } from '../core/experiment/types';
import type { RunRecord, RunRole } from '../core/results/types';
import type { TrainEvent } from '../core/train/events';

/** One run for a training worker to execute. */
export interface RunJob {
  resultsRoot: string;
  config: ExperimentConfig;
  seed: number;
  role: RunRole;
  alpha?: number;
  sweepId?: string;
  experimentFile?: string;
  /** Continue this run from its checkpoint. */
  resumeId?: string;
  /** The finished frozen-prior run whose weights this run interpolates toward. */
  priorRunId?: string;
}

// ---- host → training worker ----
export type ToWorker =
  | { type: 'start'; job: RunJob }
  | { type: 'cancel' };

// ---- training worker → host ----
export type FromWorker =
  | { type: 'started'; runId: string }
  | { type: 'event'; runId: string; event: TrainEvent }
  | { type: 'done'; record: RunRecord }
  | { type: 'error'; message: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isToWorker(m: unknown): m is ToWorker {
  if (!isObject(m)) return false;
  if (m.type === 'cancel') return true;
  return m.type === 'start' && isObject(m.job) && typeof m.job.resultsRoot === 'string' && isObject(m.job.config)
    && typeof m.job.seed === 'number' && typeof m.job.role === 'string';
}

export function isFromWorker(m: unknown): m is FromWorker {
  if (!isObject(m)) return false;
  switch (m.type) {
    case 'started': return typeof m.runId === 'string';
    case 'event': return typeof m.runId === 'string' && isObject(m.event) && typeof m.event.type === 'string';
    case 'done': return isObject(m.record) && typeof m.record.id === 'string';
    case 'error': return typeof m.message === 'string';
    default: return false;
  }
}
