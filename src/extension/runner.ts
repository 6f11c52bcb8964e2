// Runs experiments from the extension host: every run trains in its own worker thread (dist/worker.js,
// through workerExecutor), so the host only passes messages, writes the log and updates the status
// bar, the progress notification and the Runs view. Cancel aborts at the next step boundary; what
// was trained is kept and the sweep (or run) can be resumed.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as vscode from 'vscode';
import type { ExperimentConfig } from '../core/experiment/types';
import { ResultsStore } from '../core/results/store';
import type { RunRecord } from '../core/results/types';
import { type PlannedRun, configFingerprint, existingRuns, planKey, planSweep } from '../core/sweep/plan';
import { type ExecuteJob, priorConfig, runSweep } from '../core/sweep/runSweep';
import type { TrainEvent } from '../core/train/events';
import { workerExecutor } from '../core/workerExecutor';
import { formatAlpha, percent } from '../core/report/format';
import type { RunJob } from '../shared/protocol';
import type { RunsIndex } from './runsIndex';
import { duration, runWhat } from './runsModel';
import type { RunSetup } from './settings';
import { EtaTracker, type StepProgress, formatLoss, startingText, statusText } from './statusText';

export type RunMode =
  /** Plan and run the experiment's runs: a new set (fresh), or continue a sweep, optionally only some runs. */
  | { kind: 'sweep'; fresh: boolean; sweepId?: string; only?: (run: PlannedRun) => boolean }
  /** Continue one run from its checkpoint. */
  | { kind: 'resume'; job: RunJob };

export interface RunRequest {
  /** For the progress notification and the log: "quick", "cnn-prior α = 0.1". */
  title: string;
  config: ExperimentConfig;
  experimentFile?: string;
  setup: RunSetup;
  mode: RunMode;
}

export interface LiveTrainEvent {
  root: string;
  runId: string;
  event: TrainEvent;
}

export interface RunOutcome {
  records: RunRecord[];
  cancelled: boolean;
  sweepId?: string;
}

interface LiveRun {
  id: string;
  what: string;
  tracker: EtaTracker;
  epochs: number;
  /** 1-based, in the order runs started within the operation. */
  index: number;
  progress?: StepProgress;
  syncs: number;
}

interface Operation {
  title: string;
  root: string;
  controller: AbortController;
  expected: number;
  completed: number;
  startedRuns: number;
  runs: Map<string, LiveRun>;
  current?: string;
  sweepId?: string;
  lastStep: number;
}

const STATUS_EVERY_MS = 200;
const LIVE_EVERY_MS = 1000;
const PROGRESS_EVERY_MS = 500;

export class Runner implements vscode.Disposable {
  private readonly ops = new Set<Operation>();
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires (throttled) when live progress changes, for the Runs view. */
  readonly onDidChange = this.emitter.event;
  private readonly trainEvents = new vscode.EventEmitter<LiveTrainEvent>();
  /** Every training event of the runs this window trains, as the worker reports it (the panels stream them). */
  readonly onDidTrainEvent = this.trainEvents.event;
  private statusTimer?: NodeJS.Timeout;
  private liveTimer?: NodeJS.Timeout;

  constructor(
    private readonly workerScript: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly status: vscode.StatusBarItem,
    private readonly index: RunsIndex,
  ) {}

  busy(): boolean {
    return this.ops.size > 0;
  }

  /** Titles of what is training now. */
  activeTitles(): string[] {
    return [...this.ops].map((o) => o.title);
  }

  isActive(runId: string): boolean {
    return [...this.ops].some((o) => o.runs.has(runId));
  }

  live(runId: string): StepProgress | undefined {
    for (const o of this.ops) {
      const r = o.runs.get(runId);
      if (r) return r.progress;
    }
    return undefined;
  }

  /** Cancels every operation (or the one training `runId`, or sweep `sweepId`); returns how many. */
  cancel(filter: { runId?: string; sweepId?: string } = {}): number {
    let n = 0;
    for (const o of this.ops) {
      const match = filter.runId ? o.runs.has(filter.runId) : filter.sweepId ? o.sweepId === filter.sweepId : true;
      if (match && !o.controller.signal.aborted) {
        o.controller.abort();
        this.log.info(`${o.title}: cancelling at the next step; finished runs are kept`);
        n++;
      }
    }
    this.updateStatus();
    return n;
  }

  /** Runs a request with a progress notification (cancellable) and the status bar. */
  start(req: RunRequest): Promise<RunOutcome> {
    if (!existsSync(this.workerScript)) {
      throw new Error(`The training worker ${this.workerScript} is missing: the extension is not built (npm run build).`);
    }
    const store = new ResultsStore(req.setup.resultsRoot);
    const expected = expectedJobs(req, store);
    const location = expected > 1 ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
    return Promise.resolve(vscode.window.withProgress(
      { location, title: `I-MLP: ${req.title}`, cancellable: true },
      (progress, token) => this.execute(req, store, expected, progress, token),
    ));
  }

  private async execute(req: RunRequest, store: ResultsStore, expected: number, progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken): Promise<RunOutcome> {
    const op: Operation = {
      title: req.title, root: store.root, controller: new AbortController(), expected: Math.max(1, expected),
      completed: 0, startedRuns: 0, runs: new Map(), lastStep: 0,
    };
    this.ops.add(op);
    const cancelListener = token.onCancellationRequested(() => this.cancelOp(op));
    this.log.info(`${req.title}: ${describeRequest(req, expected)} (${req.setup.parallel} at a time, one single-threaded worker each, on ${availableParallelism()} cores: setting imlp.parallelWorkers, 0 = one per core; backend ${req.config.backend}; results in ${store.root})`);
    progress.report({ message: `${expected > 1 ? `0/${expected} runs · ` : ''}starting the training worker…` });
    this.updateStatus();

    const inner = workerExecutor(this.workerScript, (m) => this.log.warn(m), { env: req.setup.env });
    const execute: ExecuteJob = async (job, signal, onEvent) => {
      const record = await inner(job, signal, onEvent).catch((err: Error) => {
        this.log.error(`${req.title}: a training worker stopped before its run started: ${err.message}`);
        throw err;
      });
      this.completed(op, record, progress);
      return record;
    };
    const onEvent = (e: TrainEvent, runId: string) => this.onEvent(op, e, runId, progress);
    try {
      let records: RunRecord[];
      let sweepId: string | undefined;
      if (req.mode.kind === 'resume') {
        records = [await execute(req.mode.job, op.controller.signal, onEvent)];
        sweepId = req.mode.job.sweepId;
      } else {
        const outcome = await runSweep({
          config: req.config, experimentFile: req.experimentFile, store, execute, parallel: req.setup.parallel,
          fresh: req.mode.fresh, ...(req.mode.sweepId ? { sweepId: req.mode.sweepId } : {}), ...(req.mode.only ? { only: req.mode.only } : {}),
          signal: op.controller.signal, onEvent, log: (m) => this.log.info(`${req.title}: ${m}`),
        });
        records = outcome.records;
        sweepId = outcome.sweepId;
      }
      const cancelled = op.controller.signal.aborted;
      this.log.info(`${req.title}: ${cancelled ? 'cancelled' : 'done'}: ${summarize(records)}`);
      return { records, cancelled, ...(sweepId ? { sweepId } : {}) };
    } catch (err) {
      op.controller.abort(); // stop the other runs of a sweep that cannot complete
      throw err;
    } finally {
      cancelListener.dispose();
      this.ops.delete(op);
      this.updateStatus();
      this.emitter.fire();
      this.index.refresh(store.root, true);
    }
  }

  private cancelOp(op: Operation): void {
    if (op.controller.signal.aborted) return;
    op.controller.abort();
    this.log.info(`${op.title}: cancelling at the next step; finished runs are kept`);
    this.updateStatus();
  }

  private onEvent(op: Operation, e: TrainEvent, runId: string, progress: vscode.Progress<{ message?: string }>): void {
    let live = op.runs.get(runId);
    if (!live) live = this.runStarted(op, runId);
    op.current = runId;
    this.trainEvents.fire({ root: op.root, runId, event: e });
    const tag = `${op.title} · ${live.what}`;
    switch (e.type) {
      case 'step': {
        live.progress = live.tracker.update(e);
        this.scheduleStatus();
        this.scheduleLive();
        const now = Date.now();
        if (now - op.lastStep >= PROGRESS_EVERY_MS) {
          op.lastStep = now;
          const p = live.progress;
          const runs = op.expected > 1 ? `run ${live.index}/${op.expected} · ` : '';
          progress.report({ message: `${runs}${live.what} · epoch ${p.epoch + 1}/${p.epochs} · ${Math.floor((100 * p.globalStep) / Math.max(1, p.totalSteps))}%` });
        }
        break;
      }
      case 'eval': {
        const before = e.beforeSync ? ` (before the sync ${percent(e.beforeSync.testAccuracy)}%)` : '';
        this.log.info(`${tag}: epoch ${e.epoch + 1}, step ${e.globalStep}: test accuracy ${percent(e.testAccuracy)}%${before}, test loss ${e.testLoss.toFixed(4)}`);
        break;
      }
      case 'epoch': {
        const syncs = live.syncs ? `, ${live.syncs} sync${live.syncs === 1 ? '' : 's'}` : '';
        this.log.info(`${tag}: epoch ${e.epoch + 1}/${live.epochs} done in ${e.seconds.toFixed(1)} s, train loss ${formatLoss(e.trainLoss)}${syncs}`);
        live.syncs = 0;
        break;
      }
      case 'sync':
        live.syncs++;
        this.log.debug(`${tag}: sync ${e.index + 1} at step ${e.globalStep}, α ${formatAlpha(e.alpha)}`);
        break;
      case 'checkpoint':
        this.log.trace(`${tag}: checkpoint at epoch ${e.epoch}, step ${e.globalStep}`);
        break;
      case 'done':
        this.log.info(`${tag}: ${e.status}${e.testAccuracy === null ? '' : `, test accuracy ${percent(e.testAccuracy)}%`} (${duration(e.seconds) ?? `${e.seconds} s`})`);
        break;
      case 'error':
        this.log.error(`${tag}: ${e.message}`);
        break;
      case 'log':
        if (e.level === 'warn') this.log.warn(`${tag}: ${e.message}`);
        else this.log.info(`${tag}: ${e.message}`);
        break;
    }
  }

  private runStarted(op: Operation, runId: string): LiveRun {
    let record: RunRecord | undefined;
    try {
      record = new ResultsStore(op.root).openRun(runId).record;
    } catch {
      // run.json not readable yet: the log line goes without the details
    }
    const epochs = record?.config.training.epochs ?? 1;
    const live: LiveRun = { id: runId, what: record ? runWhat(record) : runId, tracker: new EtaTracker(epochs), epochs, index: ++op.startedRuns, syncs: 0 };
    op.runs.set(runId, live);
    if (record?.sweepId && !record.sweepId.startsWith('prior-')) op.sweepId = record.sweepId;
    const backend = record?.backend ? ` on ${record.backend.name} (${record.backend.reason})` : '';
    const dataset = record?.dataset ? `; ${record.config.dataset.name} from ${record.dataset.source}` : '';
    this.log.info(`${op.title} · ${live.what}: run ${runId} started${backend}${dataset}`);
    this.index.refresh(op.root);
    this.updateStatus();
    return live;
  }

  private completed(op: Operation, record: RunRecord, progress: vscode.Progress<{ message?: string; increment?: number }>): void {
    op.completed++;
    op.runs.delete(record.id);
    const what = runWhat(record);
    if (record.status === 'failed') this.log.error(`${op.title} · ${what}: run ${record.id} failed: ${record.error ?? 'no reason recorded'}`);
    progress.report({ increment: 100 / op.expected, message: `${op.completed}/${op.expected} runs done · ${what} ${record.status}` });
    this.updateStatus();
    this.emitter.fire();
    this.index.refresh(op.root);
  }

  private scheduleStatus(): void {
    this.statusTimer ??= setTimeout(() => {
      this.statusTimer = undefined;
      this.updateStatus();
    }, STATUS_EVERY_MS);
  }

  private scheduleLive(): void {
    this.liveTimer ??= setTimeout(() => {
      this.liveTimer = undefined;
      this.emitter.fire();
    }, LIVE_EVERY_MS);
  }

  private updateStatus(): void {
    const ops = [...this.ops];
    if (ops.length === 0) {
      this.status.hide();
      return;
    }
    const op = ops[ops.length - 1]!;
    const live = op.current ? op.runs.get(op.current) : undefined;
    const others = ops.reduce((n, o) => n + o.runs.size, 0) - (live ? 1 : 0);
    const cancelling = ops.every((o) => o.controller.signal.aborted);
    if (cancelling) this.status.text = '$(loading~spin) I-MLP cancelling at the next step…';
    else if (live?.progress) this.status.text = statusText(live.progress, { run: live.index, runs: op.expected, others });
    else this.status.text = startingText(live?.what ?? op.title);
    const tooltip = new vscode.MarkdownString(
      `**I-MLP Lab** — training ${ops.map((o) => `*${o.title}*`).join(', ')}${live ? ` (${live.what})` : ''}\n\n` +
      `${op.completed}/${op.expected} runs done. Click to cancel (you are asked first) or to open the log.`,
    );
    this.status.tooltip = tooltip;
    this.status.command = { title: 'Cancel or show the log', command: 'imlp.cancel', arguments: [{ confirm: true }] };
    this.status.show();
  }

  dispose(): void {
    for (const o of this.ops) o.controller.abort();
    clearTimeout(this.statusTimer);
    clearTimeout(this.liveTimer);
    this.emitter.dispose();
    this.trainEvents.dispose();
  }
}

/** How many jobs a request will execute (for the progress bar): planned runs not finished yet, plus the frozen prior if it is trained. */
export function expectedJobs(req: RunRequest, store: ResultsStore): number {
  if (req.mode.kind === 'resume') return 1;
  const plan = planSweep(req.config);
  const runs = req.mode.only ? plan.runs.filter(req.mode.only) : plan.runs;
  const fresh = req.mode.fresh && !req.mode.sweepId;
  let records: RunRecord[] = [];
  try {
    records = store.listRuns().flatMap((s) => (s.damaged ? [] : [s.record]));
  } catch {
    // counted as nothing done
  }
  const existing = fresh ? new Map<string, RunRecord>() : existingRuns(records, req.mode.sweepId ?? plan.sweepId);
  let n = runs.filter((r) => existing.get(planKey(r))?.status !== 'finished').length;
  if (plan.prior) {
    const { name: _n, ...identity } = priorConfig(req.config, 'own');
    const priorSweep = `prior-${configFingerprint({ identity, seed: plan.prior.seed })}`;
    if (existingRuns(records, priorSweep).get(planKey(plan.prior))?.status !== 'finished') n++;
  }
  return n;
}

function describeRequest(req: RunRequest, expected: number): string {
  if (req.mode.kind === 'resume') return `resuming run ${req.mode.job.resumeId}`;
  const what = req.mode.fresh && !req.mode.sweepId ? 'training a new set of runs' : `continuing sweep ${req.mode.sweepId ?? planSweep(req.config).sweepId}`;
  return `${what}: ${expected} run${expected === 1 ? '' : 's'} to train`;
}

/** "3 finished (best 96.23%), 1 cancelled". */
export function summarize(records: readonly RunRecord[]): string {
  if (records.length === 0) return 'no runs';
  const by = new Map<string, number>();
  for (const r of records) by.set(r.status, (by.get(r.status) ?? 0) + 1);
  const acc = records.filter((r) => r.status === 'finished' && r.result).map((r) => r.result!.testAccuracy);
  return [...by.entries()].map(([s, n]) => `${n} ${s}${s === 'finished' && acc.length ? ` (${acc.length === 1 ? 'test accuracy' : 'best'} ${percent(Math.max(...acc))}%)` : ''}`).join(', ');
}
