// Every message that crosses a process or thread boundary, as discriminated unions. Both sides
// compile against this file and check what they receive with the guards below: a malformed
// message is dropped and logged, never acted on.
import type { ExperimentConfig } from '../core/experiment/types';
import type { RunRecord, RunRole } from '../core/results/types';
import type { ReportRun, SweepReport } from '../core/report/summary';
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

// ======================= host ↔ experiment panel (webview) =======================
// The host owns the data: it reads the results store and the live worker events and sends the panel
// plain JSON (sweep reports, table rows, loss series). The panel draws and asks; it never touches files.

/** What a panel shows: every sweep of one experiment file, or chosen sweeps of one results store (overlaid). */
export type PanelTarget =
  | { kind: 'experiment'; file: string }
  | { kind: 'sweeps'; root: string; sweepIds: string[] };

/** The panel's headline state, from its runs (spec of the panel: issue 6 §7). */
export type PanelState = 'empty' | 'running' | 'cancelled' | 'failed' | 'finished';

/** A row of the run table: the report's row plus where the run stands. */
export interface PanelRun extends ReportRun {
  sweepId?: string;
  epoch?: number;
  globalStep?: number;
  /** Steps in the whole run, once the run has reported its first step. */
  totalSteps?: number;
  error?: string;
  createdAt?: string;
}

/** The α schedule of one run over its steps (x is the global step in both forms). */
export interface ScheduleView {
  runId: string;
  mode: 'forward' | 'sync';
  /** E.g. "constant", "cosine", "exponential γ = 0.9". */
  schedule: string;
  alpha0: number;
  totalSteps: number;
  /** forward: α_t sampled over the run; sync: one point per planned sync, at its step. */
  steps: number[];
  alpha: number[];
  /** sync only: the total pull toward the prior after each sync, 1 − Π(1 − α_t); forward form has none. */
  cumulative: number[] | null;
}

/** Training curves of one run; `append` messages extend it in the same shape. */
export interface LossSeries {
  runId: string;
  /** Global step of each training-loss point (M). */
  steps: number[];
  loss: number[];
  /** The co-trained prior P's training loss at the same steps, when the run reports it. */
  priorLoss?: number[];
  evals: Array<{ step: number; accuracy: number; loss: number; priorAccuracy?: number }>;
  syncs: Array<{ step: number; alpha: number }>;
}

export interface PanelView {
  target: PanelTarget;
  title: string;
  state: PanelState;
  /** One line for the state banner: what happened and what to do (e.g. the error of a failed run). */
  message: string;
  /** Overlaid sweeps, each drawn as one curve on the accuracy-vs-α chart; no cap on their number. */
  sweeps: SweepReport[];
  runs: PanelRun[];
  /** The run whose loss and schedule are drawn (the training one, else the newest). */
  selectedRunId: string | null;
  schedule: ScheduleView | null;
  /** The newest step the selected run has reached (the live point on the schedule). */
  currentStep: number | null;
}

export const CHART_IDS = ['loss', 'schedule', 'accuracy'] as const;
export type ChartId = (typeof CHART_IDS)[number];
export const EXPORT_FORMATS = ['svg', 'png', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** Actions the panel's buttons ask the host to carry out (through the extension's own commands). */
export type PanelAction = 'run' | 'sweep' | 'cancel' | 'resume' | 'openFile' | 'showRun' | 'openLogs' | 'addSweep';

// ---- host → panel ----
export type ToPanel =
  | { type: 'view'; view: PanelView }
  /** The whole series of the selected run (after a selection or on open). */
  | { type: 'series'; series: LossSeries }
  /** New points of the selected run since the last message, batched by the host. */
  | { type: 'append'; series: LossSeries; currentStep: number }
  /** The host needs a chart as PNG (the export command): answer with `png`. */
  | { type: 'renderPng'; requestId: number; chart: ChartId }
  /** Scroll a chart into view (the walkthrough's "Show the Plot"). */
  | { type: 'reveal'; chart: ChartId };

// ---- panel → host ----
export type FromPanel =
  | { type: 'ready' }
  | { type: 'select'; runId: string }
  | { type: 'action'; action: PanelAction; runId?: string }
  /** A button: export a chart (PNG carries the rendered image as a data: URL). */
  | { type: 'export'; chart: ChartId; format: ExportFormat; pngDataUrl?: string }
  | { type: 'png'; requestId: number; dataUrl: string | null; error?: string };

/** A target restored from a page's saved state (after a reload): anything else is not ours to trust. */
export function isPanelTarget(v: unknown): v is PanelTarget {
  if (!isObject(v)) return false;
  if (v.kind === 'experiment') return typeof v.file === 'string' && v.file.length > 0;
  return v.kind === 'sweeps' && typeof v.root === 'string' && Array.isArray(v.sweepIds) && v.sweepIds.every((x) => typeof x === 'string');
}

const CHARTS: readonly string[] = CHART_IDS;
const FORMATS: readonly string[] = EXPORT_FORMATS;
const ACTIONS: readonly string[] = ['run', 'sweep', 'cancel', 'resume', 'openFile', 'showRun', 'openLogs', 'addSweep'];
const PNG_PREFIX = 'data:image/png;base64,';

export function isFromPanel(m: unknown): m is FromPanel {
  if (!isObject(m)) return false;
  switch (m.type) {
    case 'ready': return true;
    case 'select': return typeof m.runId === 'string';
    case 'action': return typeof m.action === 'string' && ACTIONS.includes(m.action) && (m.runId === undefined || typeof m.runId === 'string');
    case 'export': return typeof m.chart === 'string' && CHARTS.includes(m.chart) && typeof m.format === 'string' && FORMATS.includes(m.format)
      && (m.format !== 'png' || (typeof m.pngDataUrl === 'string' && m.pngDataUrl.startsWith(PNG_PREFIX)));
    case 'png': return typeof m.requestId === 'number' && (m.dataUrl === null || (typeof m.dataUrl === 'string' && m.dataUrl.startsWith(PNG_PREFIX)));
    default: return false;
  }
}

const isNumbers = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'number');
const isSeries = (s: unknown): boolean => isObject(s) && typeof s.runId === 'string' && isNumbers(s.steps) && isNumbers(s.loss)
  && Array.isArray(s.evals) && Array.isArray(s.syncs);

export function isToPanel(m: unknown): m is ToPanel {
  if (!isObject(m)) return false;
  switch (m.type) {
    case 'view': return isObject(m.view) && typeof m.view.state === 'string' && Array.isArray(m.view.sweeps) && Array.isArray(m.view.runs);
    case 'series': return isSeries(m.series);
    case 'append': return isSeries(m.series) && typeof m.currentStep === 'number';
    case 'renderPng': return typeof m.requestId === 'number' && typeof m.chart === 'string' && CHARTS.includes(m.chart);
    case 'reveal': return typeof m.chart === 'string' && CHARTS.includes(m.chart);
    default: return false;
  }
}
