// Results folders for the extension's unit tests: runs written through the real ResultsStore.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExperimentConfig } from '../../../src/core/experiment/types';
import { parseExperiment } from '../../../src/core/experiment/validate';
import { ResultsStore } from '../../../src/core/results/store';
import type { RunRecord, RunRole, RunStatus } from '../../../src/core/results/types';

export function tempDir(prefix = 'imlp-ext-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes an experiment file and returns its path and validated config. */
export function writeExperiment(dir: string, name: string, body: Record<string, unknown> | string): { file: string; config: ExperimentConfig; text: string } {
  const file = join(dir, `${name}.imlp.json`);
  const text = typeof body === 'string' ? body : JSON.stringify({ name, ...body }, null, 2);
  writeFileSync(file, text);
  return { file, config: parseExperiment(text, file), text };
}

export interface FakeRun {
  config: ExperimentConfig;
  seed: number;
  alpha?: number;
  role?: RunRole;
  sweepId?: string;
  experimentFile?: string;
  status: RunStatus;
  accuracy?: number;
  seconds?: number;
  error?: string;
  pid?: number;
  priorRunId?: string;
}

/** A run as the engine leaves it (created, then updated to its final state). */
export function addRun(store: ResultsStore, r: FakeRun): RunRecord {
  const handle = store.createRun({
    config: r.config, seed: r.seed, alpha: r.alpha, role: r.role ?? 'run', sweepId: r.sweepId, experimentFile: r.experimentFile, priorRunId: r.priorRunId,
    backend: { name: 'wasm', requested: 'auto', reason: 'test' }, versions: { imlp: '0.1.0', tfjs: '4.22.0' }, pid: r.pid ?? 999_999_999,
  });
  const record = handle.update({
    status: r.status,
    ...(r.error ? { error: r.error } : {}),
    timings: { seconds: r.seconds ?? 42 },
    progress: { epoch: r.status === 'finished' ? r.config.training.epochs : 0, globalStep: 10 },
    ...(r.accuracy !== undefined ? { result: { testAccuracy: r.accuracy, testLoss: 0.3 } } : {}),
  });
  handle.close();
  return record;
}

/** A run folder whose run.json cannot be read. */
export function addDamagedRun(store: ResultsStore, id: string, content = '{"schema": 1, "id": '): void {
  const dir = join(store.runsDir, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), content);
}
