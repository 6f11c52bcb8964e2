// What the results store keeps on disk. run.json holds a RunRecord: everything that changes what a
// result means (resolved config, seed, α, backend, versions), so the file alone reproduces the run.
// Records stay plain JSON (no Dates, no class instances) so they can be diffed, committed and sent
// to the webview unchanged.

import type { ExperimentConfig } from '../experiment/types';
import type { TrainEvent } from '../train/events';

export type RunStatus = 'running' | 'finished' | 'cancelled' | 'failed';
/** `prior` and `plain-mlp` are the reference runs of a sweep; every α × seed run is a `run`. */
export type RunRole = 'run' | 'prior' | 'plain-mlp';

export interface RunRecord {
  schema: 1;
  id: string;
  /** The experiment's name (config.name). */
  name: string;
  experimentFile?: string;
  /** The resolved config, defaults filled in. */
  config: ExperimentConfig;
  seed: number;
  alpha?: number;
  role?: RunRole;
  sweepId?: string;
  /** I-MLP runs with a frozen prior: the prior run whose weights they interpolate toward. */
  priorRunId?: string;
  status: RunStatus;
  error?: string;
  backend?: { name: string; requested: string; reason: string };
  versions: { imlp: string; tfjs: string; node: string };
  host: { platform: string; arch: string; cpus: number; hostname?: string };
  /** ISO 8601 timestamps (UTC). */
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** seconds: wall time of the whole run; epochs: seconds per epoch. */
  timings: { seconds?: number; epochs?: number[] };
  progress: { epoch: number; globalStep: number };
  result?: { testAccuracy: number; testLoss: number; trainLoss?: number; [k: string]: number | undefined };
  dataset?: { source: string; checksums: Record<string, string> };
  pid?: number;
}

/** What the caller knows when a run starts; the store fills in id, times, host, node version. */
export interface RunInit {
  config: ExperimentConfig;
  seed: number;
  alpha?: number;
  role?: RunRole;
  sweepId?: string;
  /** I-MLP runs with a frozen prior: the prior run whose weights they interpolate toward. */
  priorRunId?: string;
  experimentFile?: string;
  backend?: RunRecord['backend'];
  versions: { imlp: string; tfjs: string };
  dataset?: RunRecord['dataset'];
  /** Recorded only when given: results are often committed, and a hostname can be private. */
  hostname?: string;
  /** Defaults to process.pid. */
  pid?: number;
}

/** Fields a running run may change. Shallow merge: nested objects (progress, timings, result) are replaced whole. */
export type RunPatch = Partial<Omit<RunRecord, 'schema' | 'id' | 'createdAt' | 'updatedAt'>>;

export type RunSummary =
  | { id: string; damaged: false; record: RunRecord }
  /** run.json is missing or unreadable; the folder is still listed so the user can inspect or delete it. */
  | { id: string; damaged: true; reason: string };

export interface MetricsRead {
  events: TrainEvent[];
  /** The last line was cut off (a killed writer) and was dropped. */
  truncatedLastLine: boolean;
  /** Lines before the last that are not a JSON event (counted, skipped). */
  badLines: number;
}

export interface CheckpointTensor { shape: number[]; data: Float32Array }

export interface Checkpoint {
  epoch: number;
  globalStep: number;
  tensors: Record<string, CheckpointTensor>;
  /** JSON-able training state: optimiser step count, RNG state, schedule position… */
  state: Record<string, unknown>;
}
