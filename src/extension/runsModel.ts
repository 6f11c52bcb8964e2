// What the Runs view and the code lenses show about the results store, as plain data: runs grouped
// experiments → sweeps → runs, each with its label, status and icon, and an experiment's last result.
// Pure (no vscode import): runsTree.ts and codeLens.ts wrap it.
import { basename } from 'node:path';
import { seedStats } from '../core/analysis';
import { formatAlpha, percent } from '../core/report/format';
import { summarizeSweep } from '../core/report/summary';
import { planSweep, sweepMembers } from '../core/sweep/plan';
import type { RunRecord, RunRole, RunSummary } from '../core/results/types';
import type { StepProgress } from './statusText';

/** A run's status as shown: "interrupted" is a record still marked running whose process is gone. */
export type DisplayStatus = 'finished' | 'running' | 'cancelled' | 'failed' | 'interrupted' | 'damaged';

export interface RunContext {
  /** Whether the process that wrote a record still marked running is alive. */
  isAlive(record: RunRecord): boolean;
  /** The latest step of a run trained by this window, if any. */
  live?(runId: string): StepProgress | undefined;
}

export const ICONS: Record<DisplayStatus, { id: string; color?: string }> = {
  finished: { id: 'pass', color: 'testing.iconPassed' },
  running: { id: 'loading~spin' },
  cancelled: { id: 'debug-pause', color: 'testing.iconQueued' },
  interrupted: { id: 'debug-pause', color: 'testing.iconQueued' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  damaged: { id: 'warning', color: 'problemsWarningIcon.foreground' },
};

const ROLE_NAMES: Record<RunRole, string> = { run: 'I-MLP', prior: 'prior', 'plain-mlp': 'plain MLP' };

export function displayStatus(summary: RunSummary, ctx: RunContext): DisplayStatus {
  if (summary.damaged) return 'damaged';
  const r = summary.record;
  if (r.status === 'running') return ctx.live?.(r.id) || ctx.isAlive(r) ? 'running' : 'interrupted';
  return r.status;
}

/** "42 s", "3 min 5 s", "1 h 2 min". */
export function duration(seconds: number | undefined): string | undefined {
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const accuracy = (r: RunRecord) => (r.result && Number.isFinite(r.result.testAccuracy) ? `${percent(r.result.testAccuracy)}%` : undefined);

/** "α = 0.1 · seed 0", "prior · seed 0", "plain MLP · seed 1", "seed 2". */
export function runWhat(r: RunRecord): string {
  const role = r.role ?? 'run';
  if (role !== 'run') return `${ROLE_NAMES[role]} · seed ${r.seed}`;
  return r.alpha === undefined ? `seed ${r.seed}` : `α = ${formatAlpha(r.alpha)} · seed ${r.seed}`;
}

export interface RunView {
  kind: 'run';
  id: string;
  root: string;
  status: DisplayStatus;
  record?: RunRecord;
  label: string;
  description: string;
  /** Markdown. */
  tooltip: string;
  icon: { id: string; color?: string };
  /** For menus: imlpRun.<status>, plus ".resumable" where Resume applies. */
  contextValue: string;
}

function statusText(r: RunRecord, status: DisplayStatus, live?: StepProgress): string {
  switch (status) {
    case 'finished': return `finished ${accuracy(r) ?? ''}`.trim();
    case 'running': {
      if (live) return `running epoch ${live.epoch + 1}/${live.epochs} · ${Math.floor((100 * live.globalStep) / Math.max(1, live.totalSteps))}%`;
      return `running epoch ${Math.min(r.progress.epoch + 1, r.config.training.epochs)}/${r.config.training.epochs}`;
    }
    case 'interrupted': return `interrupted at epoch ${r.progress.epoch + 1}/${r.config.training.epochs}`;
    default: return status;
  }
}

export function runView(summary: RunSummary, root: string, ctx: RunContext): RunView {
  const status = displayStatus(summary, ctx);
  if (summary.damaged) {
    return {
      kind: 'run', id: summary.id, root, status,
      label: `${summary.id} · damaged`,
      description: summary.reason.split('\n')[0]!.slice(0, 120),
      tooltip: `**Damaged run** \`${summary.id}\`\n\n${summary.reason}\n\nIts run.json is missing or unreadable: inspect the folder or delete the run.`,
      icon: ICONS.damaged, contextValue: 'imlpRun.damaged',
    };
  }
  const r = summary.record;
  const live = status === 'running' ? ctx.live?.(r.id) : undefined;
  const time = duration(r.timings.seconds);
  const description = [time, r.backend?.name, r.id].filter(Boolean).join(' · ');
  const lines = [
    `**${r.name}** — ${runWhat(r)}`,
    '',
    `- status: ${statusText(r, status, live)}${r.error ? ` — ${r.error}` : ''}`,
    ...(accuracy(r) ? [`- test accuracy: ${accuracy(r)}${r.result?.testAccuracyBeforeSync !== undefined ? ` (before the final sync ${percent(r.result.testAccuracyBeforeSync)}%)` : ''}`] : []),
    ...(r.alpha !== undefined ? [`- α: ${formatAlpha(r.alpha)}`] : []),
    `- seed: ${r.seed}`,
    `- role: ${ROLE_NAMES[r.role ?? 'run']}`,
    ...(time ? [`- duration: ${time}`] : []),
    `- progress: epoch ${r.progress.epoch}/${r.config.training.epochs}, step ${r.progress.globalStep}`,
    ...(r.backend ? [`- backend: ${r.backend.name} (${r.backend.reason})`] : []),
    `- dataset: ${r.config.dataset.name}`,
    `- started: ${r.createdAt}`,
    ...(r.sweepId ? [`- sweep: \`${r.sweepId}\``] : []),
    `- id: \`${r.id}\``,
  ];
  const resumable = status === 'cancelled' || status === 'failed' || status === 'interrupted';
  return {
    kind: 'run', id: r.id, root, status, record: r,
    label: `${runWhat(r)} · ${statusText(r, status, live)}`,
    description,
    tooltip: lines.join('\n'),
    icon: ICONS[status],
    contextValue: `imlpRun.${status}${resumable ? '.resumable' : ''}`,
  };
}

export type SweepKind = 'imlp' | 'plain' | 'prior' | 'single';

export interface SweepView {
  kind: 'sweep';
  key: string;
  root: string;
  sweepId: string | null;
  sweepKind: SweepKind;
  label: string;
  description: string;
  tooltip: string;
  icon: { id: string; color?: string };
  contextValue: string;
  runs: RunView[];
}

export interface ExperimentView {
  kind: 'experiment';
  key: string;
  root: string;
  label: string;
  /** The experiment file, when the runs record one. */
  file?: string;
  description: string;
  tooltip: string;
  sweeps: SweepView[];
  /** Newest run's creation time (ms), for sorting. */
  newest: number;
}

const created = (s: RunSummary): number => (s.damaged ? 0 : Date.parse(s.record.createdAt) || 0);
const ROLE_ORDER: Record<RunRole, number> = { prior: 0, 'plain-mlp': 1, run: 2 };

function compareRuns(a: RunView, b: RunView): number {
  const ra = a.record;
  const rb = b.record;
  if (!ra || !rb) return ra ? -1 : rb ? 1 : a.id < b.id ? -1 : 1;
  return ROLE_ORDER[ra.role ?? 'run'] - ROLE_ORDER[rb.role ?? 'run'] || (ra.alpha ?? -1) - (rb.alpha ?? -1) || ra.seed - rb.seed || (ra.createdAt < rb.createdAt ? -1 : 1);
}

/** The best α of a sweep, "92.39% ± 0.32 at α = 0.9", from its finished runs; undefined when none finished. */
export function bestOfSweep(records: readonly RunRecord[]): { text: string; finished: number; total: number } | undefined {
  const report = summarizeSweep(records);
  const total = report.runs.length;
  const finished = report.counts.finished;
  const best = [...report.byAlpha].sort((a, b) => b.stats.mean - a.stats.mean || a.alpha - b.alpha)[0];
  if (!best) return undefined;
  const half = best.stats.halfWidth === null ? '' : ` ± ${percent(best.stats.halfWidth)}`;
  return { text: `${percent(best.stats.mean)}%${half} at α = ${formatAlpha(best.alpha)}`, finished, total };
}

/** Mean (± 95% CI half-width) of the finished runs' accuracies: "96.23%", "96.23% ± 0.41 (3 seeds)". */
export function meanAccuracy(records: readonly RunRecord[]): string | undefined {
  const acc = records.filter((r) => r.status === 'finished' && r.result && Number.isFinite(r.result.testAccuracy)).map((r) => r.result!.testAccuracy);
  if (acc.length === 0) return undefined;
  const stats = seedStats(acc);
  const half = stats.halfWidth === null ? '' : ` ± ${percent(stats.halfWidth)}`;
  return `${percent(stats.mean)}%${half}${acc.length > 1 ? ` (${acc.length} seeds)` : ''}`;
}

export const isPriorGroup = (sweepId: string | null) => sweepId !== null && sweepId.startsWith('prior-');

function sweepView(root: string, expKey: string, sweepId: string | null, runs: RunView[], all: readonly RunRecord[]): SweepView {
  const records = runs.flatMap((r) => (r.record ? [r.record] : []));
  const imlp = records.some((r) => r.config.model.kind === 'imlp');
  const sweepKind: SweepKind = sweepId === null ? 'single' : isPriorGroup(sweepId) ? 'prior' : imlp ? 'imlp' : 'plain';
  const counts = (s: DisplayStatus) => runs.filter((r) => r.status === s).length;
  const running = counts('running');
  const resumable = runs.some((r) => r.contextValue.endsWith('.resumable'));
  const name = records[0]?.name ?? '';
  const shortId = sweepId && name && sweepId.startsWith(`${name}-`) ? sweepId.slice(name.length + 1) : sweepId;
  const label = sweepKind === 'single' ? (runs.some((r) => r.status === 'damaged') && records.length === 0 ? 'Damaged runs' : 'Single runs')
    : sweepKind === 'prior' ? 'Frozen prior'
      : sweepKind === 'imlp' ? `α sweep ${shortId}` : `Runs ${shortId}`;
  // A sweep counts its planned runs, so one that stopped early shows what is missing.
  const experimentConfig = records.find((r) => r.role !== 'prior')?.config;
  const planned = (sweepKind === 'imlp' || sweepKind === 'plain') && experimentConfig ? planSweep(experimentConfig).runs.length : 0;
  const parts: string[] = [`${counts('finished')}/${Math.max(planned, runs.length)} finished`];
  if (running) parts.push(`${running} running`);
  if (counts('failed')) parts.push(`${counts('failed')} failed`);
  if (sweepKind === 'imlp' && sweepId) {
    const best = bestOfSweep(sweepMembers([...all], sweepId));
    if (best) parts.push(`best ${best.text}`);
  } else {
    const mean = meanAccuracy(records);
    if (mean) parts.push(mean);
  }
  return {
    kind: 'sweep', key: `${expKey}|${sweepId ?? ''}`, root, sweepId, sweepKind, label,
    description: parts.join(' · '),
    tooltip: [`**${label}**${sweepId ? ` \`${sweepId}\`` : ''}`, '', ...parts.map((p) => `- ${p}`)].join('\n'),
    icon: sweepKind === 'imlp' || sweepKind === 'plain' ? (running ? ICONS.running : { id: 'beaker', ...(counts('failed') ? { color: 'testing.iconFailed' } : {}) }) : { id: sweepKind === 'prior' ? 'symbol-structure' : 'list-flat' },
    contextValue: `imlpSweep.${sweepKind}${running ? '.running' : ''}${resumable && !running && sweepId !== null && !isPriorGroup(sweepId) ? '.resumable' : ''}`,
    runs: runs.sort(compareRuns),
  };
}

/** The store's runs as experiments → sweeps → runs, newest first; damaged folders form their own group. */
export function groupRuns(summaries: readonly RunSummary[], root: string, ctx: RunContext): ExperimentView[] {
  const all = summaries.flatMap((s) => (s.damaged ? [] : [s.record]));
  const experiments = new Map<string, { label: string; file?: string; newest: number; sweeps: Map<string | null, RunView[]> }>();
  for (const s of summaries) {
    const r = s.damaged ? undefined : s.record;
    // Frozen priors are named "<experiment>-prior"; they are filed under the experiment that trained them.
    const key = r ? (r.experimentFile ?? `name:${r.name}`) : 'damaged';
    const label = r ? (isPriorGroup(r.sweepId ?? null) && r.name.endsWith('-prior') ? r.name.slice(0, -'-prior'.length) : r.name) : 'Damaged runs';
    let exp = experiments.get(key);
    if (!exp) {
      exp = { label, file: r?.experimentFile, newest: created(s), sweeps: new Map() };
      experiments.set(key, exp);
    }
    if (r && !isPriorGroup(r.sweepId ?? null)) exp.label = label;
    exp.newest = Math.max(exp.newest, created(s));
    const sweepKey = r?.sweepId ?? null;
    const list = exp.sweeps.get(sweepKey) ?? [];
    list.push(runView(s, root, ctx));
    exp.sweeps.set(sweepKey, list);
  }
  const views: ExperimentView[] = [];
  for (const [key, exp] of experiments) {
    const sweeps = [...exp.sweeps.entries()].map(([id, runs]) => sweepView(root, `${root}|${key}`, id, runs, all));
    const newestOf = (v: SweepView) => Math.max(...v.runs.map((r) => (r.record ? Date.parse(r.record.createdAt) || 0 : 0)));
    sweeps.sort((a, b) => (a.sweepKind === 'prior' ? 1 : 0) - (b.sweepKind === 'prior' ? 1 : 0) || newestOf(b) - newestOf(a));
    const runCount = sweeps.reduce((n, s) => n + s.runs.length, 0);
    views.push({
      kind: 'experiment', key: `${root}|${key}`, root, label: exp.label, ...(exp.file ? { file: exp.file } : {}),
      description: `${exp.file ? basename(exp.file) + ' · ' : ''}${runCount} run${runCount === 1 ? '' : 's'}`,
      tooltip: [`**${exp.label}**`, '', ...(exp.file ? [`- file: ${exp.file}`] : []), `- results: ${root}`, `- ${runCount} runs in ${sweeps.length} group${sweeps.length === 1 ? '' : 's'}`].join('\n'),
      sweeps, newest: exp.newest,
    });
  }
  return views.sort((a, b) => (a.key.endsWith('|damaged') ? 1 : 0) - (b.key.endsWith('|damaged') ? 1 : 0) || b.newest - a.newest);
}

/** A sweep as a quick-pick entry: its experiment's name, then its id and how many of its runs finished. */
export function sweepPickItem(records: readonly RunRecord[], id: string): { label: string; description: string; id: string } {
  const rs = records.filter((r) => r.sweepId === id);
  return { label: rs[0]?.name ?? id, description: `${id} · ${rs.filter((r) => r.status === 'finished').length}/${rs.length} finished`, id };
}

/**
 * Whether a record belongs to the experiment file: by path; by file and experiment name when the
 * results were moved with their workspace (the recorded path is absolute); by name for records without one.
 */
export function ofExperiment(r: RunRecord, file: string, name: string): boolean {
  if (r.experimentFile === undefined) return r.name === name;
  return samePath(r.experimentFile, file) || (r.name === name && samePath(basename(r.experimentFile), basename(file)));
}

function samePath(a: string, b: string): boolean {
  return process.platform === 'win32' || process.platform === 'darwin' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

export interface LastResult {
  title: string;
  tooltip: string;
  /** The sweep to open (null: a single run, see runId). */
  sweepId: string | null;
  runId?: string;
}

/**
 * The experiment's newest result for its code lens: "Best: 92.39% ± 0.32 at α = 0.9" for an α sweep,
 * "Last: 96.23%" (± CI over seeds) otherwise; undefined when it has no runs.
 */
export function lastResult(records: readonly RunRecord[], file: string, name: string, ctx?: RunContext): LastResult | undefined {
  const mine = records.filter((r) => ofExperiment(r, file, name) && !isPriorGroup(r.sweepId ?? null));
  if (mine.length === 0) return undefined;
  const newest = [...mine].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))[0]!;
  const sweepId = newest.sweepId ?? null;
  const group = sweepId === null ? [newest] : mine.filter((r) => r.sweepId === sweepId);
  const running = group.filter((r) => r.status === 'running' && (ctx ? ctx.live?.(r.id) || ctx.isAlive(r) : true)).length;
  const finished = group.filter((r) => r.status === 'finished').length;
  // Planned runs of the sweep (the frozen prior is shared and counted in its own group).
  const experimentConfig = group.find((r) => r.role !== 'prior')?.config;
  const total = Math.max(group.length, sweepId && experimentConfig ? planSweep(experimentConfig).runs.length : 0);
  const progress = running ? ` · ${finished}/${total} done, ${running} running` : finished < total ? ` · ${finished}/${total} finished` : '';
  const base = { sweepId, ...(group.length === 1 ? { runId: newest.id } : {}) };
  if (newest.config.model.kind === 'imlp' && sweepId) {
    const best = bestOfSweep(sweepMembers([...records], sweepId));
    if (best) return { ...base, title: `Best: ${best.text}${progress}`, tooltip: `Sweep ${sweepId}: best mean test accuracy over seeds (± 95% CI half-width). Click to open the sweep report.` };
  } else {
    const mean = meanAccuracy(group);
    if (mean) return { ...base, title: `Last: ${mean}${progress}`, tooltip: `${sweepId ? `Runs ${sweepId}` : `Run ${newest.id}`}: test accuracy${group.length > 1 ? ' (mean over seeds ± 95% CI half-width)' : ''}. Click to open the results.` };
  }
  const state = running ? 'running' : group.some((r) => r.status === 'failed') ? 'failed' : group.some((r) => r.status === 'cancelled') ? 'cancelled' : 'interrupted';
  return { ...base, title: `Last: ${state}${progress}`, tooltip: `${sweepId ? `Sweep ${sweepId}` : `Run ${newest.id}`}: no finished run yet. Click to open the results.` };
}
