// A run open for writing: run.json updates, buffered metrics, checkpoints.

import { basename, join } from 'node:path';
import type { TrainEvent } from '../train/events';
import type { WriteFile } from './atomic';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { MetricsWriter } from './metrics';
import { writeRecord } from './record';
import type { Checkpoint, RunPatch, RunRecord } from './types';

export const METRICS_FILE = 'metrics.jsonl';

/** One run, open for writing. Made by ResultsStore.createRun/openRun. */
export class RunHandle {
  /** The folder name is the run's identity (a copied run folder is a new run). */
  readonly id: string;
  private current: RunRecord;
  private readonly metrics: MetricsWriter;

  constructor(readonly dir: string, record: RunRecord, private readonly writeFile: WriteFile) {
    this.id = basename(dir);
    this.current = record;
    this.metrics = new MetricsWriter(join(dir, METRICS_FILE));
  }

  /** A snapshot of run.json as last written; mutating it changes nothing on disk. */
  get record(): Readonly<RunRecord> {
    return this.current;
  }

  /** Shallow merge, then an atomic rewrite of run.json. Leaving 'running' stamps finishedAt (unless given); returning to it clears it. */
  update(patch: RunPatch): Readonly<RunRecord> {
    const now = new Date().toISOString();
    const next: RunRecord = { ...this.current, ...patch, schema: 1, id: this.id, createdAt: this.current.createdAt, updatedAt: now };
    if (patch.status === 'running') delete next.finishedAt; // resumed
    else if (patch.status !== undefined && next.finishedAt === undefined) next.finishedAt = now;
    this.current = writeRecord(this.writeFile, this.dir, next);
    return this.current;
  }

  /** Buffered append to metrics.jsonl; see MetricsWriter for when lines reach the disk. */
  appendMetric(event: TrainEvent): void {
    this.metrics.append(event);
  }

  flushMetrics(): void {
    this.metrics.flush();
  }

  /** Returns the checkpoint folder (for the 'checkpoint' event's path). */
  saveCheckpoint(ckpt: Checkpoint): string {
    return saveCheckpoint(this.dir, ckpt, this.writeFile);
  }

  loadCheckpoint(): Checkpoint | null {
    return loadCheckpoint(this.dir);
  }

  /** Flushes and closes metrics.jsonl. run.json needs no closing: every update is already on disk. */
  close(): void {
    this.metrics.close();
  }
}
