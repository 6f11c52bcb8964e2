// The results store: <root>/runs/<run-id>/{run.json, metrics.jsonl, checkpoint/}. root is usually
// <workspace>/.imlp. Plain files, so results can be diffed, committed, exported and resumed.

import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileError, writeFileAtomic, type WriteFile } from './atomic';
import { METRICS_FILE, RunHandle } from './handle';
import { readMetricsFile } from './metrics';
import { RECORD_FILE, readRecord, writeRecord } from './record';
import { isValidRunId, makeRunId } from './runId';
import type { MetricsRead, RunInit, RunRecord, RunSummary } from './types';

export interface ResultsStoreOptions {
  /** Replaces writeFileAtomic for run.json and checkpoint files; tests inject write failures through it. */
  writeFile?: WriteFile;
}

export class ResultsStore {
  readonly runsDir: string;
  private readonly writeFile: WriteFile;

  constructor(readonly root: string, options: ResultsStoreOptions = {}) {
    this.runsDir = join(root, 'runs');
    this.writeFile = options.writeFile ?? writeFileAtomic;
  }

  createRun(init: RunInit): RunHandle {
    mkdirSync(this.runsDir, { recursive: true });
    const now = new Date();
    for (let attempt = 1; ; attempt++) {
      const id = makeRunId({ name: init.config.name, seed: init.seed, alpha: init.alpha, role: init.role }, now);
      const dir = join(this.runsDir, id);
      try {
        mkdirSync(dir); // exclusive: two processes can never claim the same id
      } catch (err) {
        if ((err as { code?: unknown }).code === 'EEXIST' && attempt < 20) continue;
        throw fileError(`Could not create the run folder ${dir}`, err);
      }
      const stamp = now.toISOString();
      const record: RunRecord = {
        schema: 1,
        id,
        name: init.config.name,
        experimentFile: init.experimentFile,
        config: init.config,
        seed: init.seed,
        alpha: init.alpha,
        role: init.role,
        sweepId: init.sweepId,
        priorRunId: init.priorRunId,
        status: 'running',
        backend: init.backend,
        versions: { ...init.versions, node: process.versions.node },
        host: { platform: process.platform, arch: process.arch, cpus: availableParallelism(), hostname: init.hostname },
        createdAt: stamp,
        updatedAt: stamp,
        timings: {},
        progress: { epoch: 0, globalStep: 0 },
        dataset: init.dataset,
        pid: init.pid ?? process.pid,
      };
      try {
        return new RunHandle(dir, writeRecord(this.writeFile, dir, record), this.writeFile);
      } catch (err) {
        rmSync(dir, { recursive: true, force: true }); // no half-created run left behind to show up as damaged
        throw err;
      }
    }
  }

  openRun(id: string): RunHandle {
    const dir = this.existingRunDir(id);
    let record: RunRecord;
    try {
      record = readRecord(join(dir, RECORD_FILE));
    } catch (err) {
      throw new Error(`Run "${id}" cannot be opened: ${(err as Error).message}`, { cause: err });
    }
    return new RunHandle(dir, record, this.writeFile);
  }

  /** Newest first. A run whose run.json is missing or unreadable is listed as damaged, never skipped or fatal. */
  listRuns(): RunSummary[] {
    let names: string[];
    try {
      names = readdirSync(this.runsDir, { withFileTypes: true }).filter((d) => d.isDirectory() && isValidRunId(d.name)).map((d) => d.name);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return [];
      throw fileError(`Could not list ${this.runsDir}`, err);
    }
    const rows = names.map((id): { summary: RunSummary; time: number } => {
      const dir = join(this.runsDir, id);
      try {
        const record = readRecord(join(dir, RECORD_FILE));
        return { summary: { id, damaged: false, record }, time: Date.parse(record.createdAt) || 0 };
      } catch (err) {
        return { summary: { id, damaged: true, reason: (err as Error).message }, time: idTime(id) ?? folderTime(dir) };
      }
    });
    rows.sort((a, b) => b.time - a.time || (a.summary.id < b.summary.id ? 1 : a.summary.id > b.summary.id ? -1 : 0));
    return rows.map((r) => r.summary);
  }

  readMetrics(id: string): MetricsRead {
    return readMetricsFile(join(this.existingRunDir(id), METRICS_FILE));
  }

  deleteRun(id: string): void {
    rmSync(this.existingRunDir(id), { recursive: true, force: true });
  }

  private existingRunDir(id: string): string {
    // Validating first keeps ids like "../x" from ever reaching a path (deleteRun removes folders).
    if (!isValidRunId(id)) throw new Error(`"${id}" is not a run id: run ids use only letters, digits, ".", "_" and "-".`);
    const dir = join(this.runsDir, id);
    if (!existsSync(dir)) throw new Error(`No run "${id}" in ${this.runsDir}. List the runs with \`imlp list\` or in the I-MLP Runs view.`);
    return dir;
  }
}

/** Creation time from the id's UTC stamp (second resolution), for runs whose createdAt cannot be read. */
function idTime(id: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-/.exec(id);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
}

/** Last resort for folders not named by makeRunId. */
function folderTime(dir: string): number {
  try {
    return statSync(dir).mtimeMs;
  } catch {
    return 0; // removed while listing
  }
}
