// What an experiment panel shows, computed from the results store's records: which sweeps, the run
// table, the headline state, the α schedule of the selected run, and its loss curves from
// metrics.jsonl or live worker events. Pure (no vscode import), so every rule here is unit-tested.
import { alphaAt, cumulativePull, plannedSyncSteps } from '../../core/method/schedule';
import { describeSchedule } from '../../core/report/settings';
import { summarizeSweep, type SweepReport } from '../../core/report/summary';
import type { RunRecord, RunSummary } from '../../core/results/types';
import { sweepMembers } from '../../core/sweep/plan';
import type { TrainEvent } from '../../core/train/events';
import type { LossSeries, PanelRun, PanelState, PanelTarget, PanelView, ScheduleView } from '../../shared/protocol';
import { isPriorGroup, ofExperiment } from '../runsModel';

/** Most points the forward form's schedule curve needs: it is smooth, the chart is a few hundred pixels wide. */
const SCHEDULE_SAMPLES = 400;

/** One panel per target: the experiment file, or the set of overlaid sweeps. */
export function targetKey(t: PanelTarget): string {
  return t.kind === 'experiment' ? `experiment:${t.file}` : `sweeps:${t.root}:${[...t.sweepIds].sort().join(',')}`;
}

export interface ViewInput {
  target: PanelTarget;
  /** The experiment's name (matches records written without a file path). */
  experimentName: string;
  summaries: readonly RunSummary[];
  /** Sweeps the user added to compare (experiment panels), drawn after the experiment's own. */
  overlays: readonly string[];
  /** The run the user picked in the table, if any. */
  selected: string | null;
  /** Whether a run marked "running" is really training (here or in a live process). */
  isAlive: (r: RunRecord) => boolean;
  /** Steps per epoch of the selected run, once known from its first step event. */
  stepsPerEpoch: number | null;
  currentStep: number | null;
}

const records = (summaries: readonly RunSummary[]): RunRecord[] => summaries.flatMap((s) => (s.damaged ? [] : [s.record]));
const newestFirst = (a: RunRecord, b: RunRecord): number => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1);

/** The sweep ids a panel draws, in order: the experiment's newest group (then overlays), or the chosen sweeps. */
export function shownSweepIds(input: Pick<ViewInput, 'target' | 'experimentName' | 'summaries' | 'overlays'>): string[] {
  const all = records(input.summaries);
  const ids: string[] = [];
  if (input.target.kind === 'sweeps') ids.push(...input.target.sweepIds);
  else {
    const { file } = input.target;
    const own = all.filter((r) => ofExperiment(r, file, input.experimentName) && r.sweepId && !isPriorGroup(r.sweepId)).sort(newestFirst);
    if (own[0]?.sweepId) ids.push(own[0].sweepId);
  }
  for (const id of input.overlays) if (!ids.includes(id)) ids.push(id);
  return ids.filter((id) => all.some((r) => r.sweepId === id));
}

function panelRun(r: RunRecord, sweepId: string | undefined, report: SweepReport): PanelRun {
  const row = report.runs.find((x) => x.id === r.id)!;
  return {
    ...row,
    ...(sweepId ? { sweepId } : {}),
    epoch: r.progress.epoch,
    globalStep: r.progress.globalStep,
    ...(r.error ? { error: r.error } : {}),
    createdAt: r.createdAt,
  };
}

/** A run marked running whose process is gone was interrupted: it reads as cancelled (resumable). */
function effectiveStatus(r: RunRecord, isAlive: (r: RunRecord) => boolean): RunRecord['status'] {
  return r.status === 'running' && !isAlive(r) ? 'cancelled' : r.status;
}

/**
 * "2 of 10 α × seed runs finished" when the sweeps' planned grids are known (counting runs not created yet,
 * which a sweep starts one by one), else "2 of 3 runs finished".
 */
function progressOf(rows: readonly RunRecord[], reports: readonly SweepReport[]): string {
  const planned = reports.reduce((n, r) => n + (r.plannedGrid ? r.plannedGrid.alphas.length * r.plannedGrid.seeds.length : 0), 0);
  if (planned === 0) return `${rows.filter((r) => r.status === 'finished').length} of ${rows.length} runs finished`;
  const finished = rows.filter((r) => r.status === 'finished' && r.role === 'run' && r.alpha !== undefined).length;
  return `${finished} of ${planned} α × seed runs finished`;
}

export function headline(rows: readonly RunRecord[], isAlive: (r: RunRecord) => boolean, reports: readonly SweepReport[]): { state: PanelState; message: string } {
  if (rows.length === 0) return { state: 'empty', message: 'No runs yet. Run the experiment (▶ Run) or sweep α to fill this panel; results appear here as runs finish.' };
  const running = rows.filter((r) => effectiveStatus(r, isAlive) === 'running');
  const progress = progressOf(rows, reports);
  if (running.length > 0) {
    const r = running.sort(newestFirst)[0]!;
    return { state: 'running', message: `Training: ${running.length} run${running.length === 1 ? '' : 's'} in progress, ${progress} (now ${r.id}, epoch ${r.progress.epoch + 1}/${r.config.training.epochs}).` };
  }
  const newest = [...rows].sort(newestFirst)[0]!;
  const status = effectiveStatus(newest, isAlive);
  if (status === 'failed') {
    return { state: 'failed', message: `Run ${newest.id} failed: ${newest.error ?? 'no reason was recorded'}. Fix the cause (the log has the details), then Resume to continue from its last checkpoint.` };
  }
  if (status === 'cancelled') {
    const why = newest.status === 'running' ? 'was interrupted (the process that trained it is gone)' : 'was cancelled';
    return { state: 'cancelled', message: `Run ${newest.id} ${why} at epoch ${newest.progress.epoch + 1}, step ${newest.progress.globalStep}; ${progress}. Resume continues from the checkpoint; nothing trained is lost.` };
  }
  // A sweep stopped between runs has no cancelled run, only runs that never started.
  const missing = reports.reduce((n, r) => n + r.missing.length, 0);
  if (missing > 0) {
    return { state: 'cancelled', message: `The sweep stopped with ${missing} planned α × seed run${missing === 1 ? '' : 's'} not trained; ${progress}. Resume (Sweep α) trains the rest and keeps what is done.` };
  }
  const findings = reports.filter((r) => r.byAlpha.length > 0).map((r) => r.finding);
  return { state: 'finished', message: `${progress}.${findings.length === 1 ? ` ${findings[0]}` : ''}` };
}

/** The α schedule a run follows, or null for runs that do not interpolate. */
export function scheduleView(r: RunRecord, stepsPerEpoch: number): ScheduleView | null {
  const interp = r.config.interpolation;
  if (!interp || r.alpha === undefined || !(stepsPerEpoch > 0)) return null;
  const totalSteps = stepsPerEpoch * r.config.training.epochs;
  const base = { runId: r.id, mode: interp.mode, schedule: describeSchedule(interp.schedule), alpha0: r.alpha, totalSteps };
  if (interp.mode === 'forward') {
    const every = Math.max(1, Math.ceil(totalSteps / SCHEDULE_SAMPLES));
    const steps: number[] = [];
    for (let t = 0; t < totalSteps; t += every) steps.push(t);
    if (steps[steps.length - 1] !== totalSteps - 1) steps.push(totalSteps - 1);
    // Step t (0-based) trains with alphaAt(t, total), exactly as the learner computes it.
    return { ...base, steps: steps.map((t) => t + 1), alpha: steps.map((t) => alphaAt(interp.schedule, r.alpha!, t, totalSteps)), cumulative: null };
  }
  const steps = plannedSyncSteps(interp.syncEvery, stepsPerEpoch, r.config.training.epochs);
  const alpha = steps.map((_, i) => alphaAt(interp.schedule, r.alpha!, i, steps.length));
  return { ...base, steps, alpha, cumulative: alpha.map((_, i) => cumulativePull(alpha.slice(0, i + 1))) };
}

export function buildView(input: ViewInput): PanelView {
  const all = records(input.summaries);
  const ids = shownSweepIds(input);
  const reports = ids.map((id) => summarizeSweep(sweepMembers(all, id)));
  const seen = new Set<string>();
  const rows: RunRecord[] = [];
  const runs: PanelRun[] = [];
  ids.forEach((id, i) => {
    for (const r of sweepMembers(all, id)) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      rows.push(r);
      runs.push(panelRun(r, id, reports[i]!));
    }
  });
  const { state, message } = headline(rows, input.isAlive, reports);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const training = rows.filter((r) => effectiveStatus(r, input.isAlive) === 'running').sort(newestFirst)[0];
  const selectedRecord = (input.selected ? byId.get(input.selected) : undefined) ?? training ?? [...rows].sort(newestFirst)[0];
  const selectedRow = runs.find((r) => r.id === selectedRecord?.id);
  if (selectedRow && selectedRecord && input.stepsPerEpoch) selectedRow.totalSteps = input.stepsPerEpoch * selectedRecord.config.training.epochs;
  const title = input.target.kind === 'experiment'
    ? `${input.experimentName || input.target.file}${ids.length > 1 ? ` + ${ids.length - 1} compared` : ''}`
    : reports.map((r) => r.name).join(' vs ');
  return {
    target: input.target,
    title,
    state,
    message,
    sweeps: reports.filter((r) => r.byAlpha.length > 0 || r.plannedGrid !== null),
    runs,
    selectedRunId: selectedRecord?.id ?? null,
    schedule: selectedRecord && input.stepsPerEpoch ? scheduleView(selectedRecord, input.stepsPerEpoch) : null,
    currentStep: input.currentStep ?? selectedRecord?.progress.globalStep ?? null,
  };
}

/** An empty series for a run, to which events are appended. */
export function emptySeries(runId: string): LossSeries {
  return { runId, steps: [], loss: [], evals: [], syncs: [] };
}

/**
 * Adds one training event to a series; returns whether it added a point. After a resume the store's
 * metrics may repeat steps already recorded before the interruption: a step at or before the last one
 * replaces the tail from there, so the curve is the one the resumed run actually followed.
 */
export function appendEvent(s: LossSeries, e: TrainEvent): boolean {
  switch (e.type) {
    case 'step': {
      const last = s.steps.length ? s.steps[s.steps.length - 1]! : 0;
      if (e.globalStep <= last) truncate(s, e.globalStep);
      s.steps.push(e.globalStep);
      s.loss.push(e.loss);
      if (e.priorLoss !== undefined) (s.priorLoss ??= []).push(e.priorLoss);
      return true;
    }
    case 'eval':
      s.evals.push({ step: e.globalStep, accuracy: e.testAccuracy, loss: e.testLoss, ...(e.prior ? { priorAccuracy: e.prior.testAccuracy } : {}) });
      return true;
    case 'sync':
      s.syncs.push({ step: e.globalStep, alpha: e.alpha });
      return true;
    default:
      return false;
  }
}

function truncate(s: LossSeries, fromStep: number): void {
  const keep = s.steps.findIndex((st) => st >= fromStep);
  if (keep < 0) return;
  s.steps.length = keep;
  s.loss.length = keep;
  if (s.priorLoss) s.priorLoss.length = Math.min(s.priorLoss.length, keep);
  s.evals = s.evals.filter((v) => v.step < fromStep);
  s.syncs = s.syncs.filter((v) => v.step < fromStep);
}

/** The whole series of a run from its stored events, and its steps per epoch when a step was recorded. */
export function seriesFromEvents(runId: string, events: readonly TrainEvent[]): { series: LossSeries; stepsPerEpoch: number | null } {
  const series = emptySeries(runId);
  let stepsPerEpoch: number | null = null;
  for (const e of events) {
    if (e.type === 'step') stepsPerEpoch ??= e.stepsPerEpoch;
    appendEvent(series, e);
  }
  return { series, stepsPerEpoch };
}
