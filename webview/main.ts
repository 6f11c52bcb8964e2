// The experiment panel's browser side. The host owns the data and sends it as typed messages
// (src/shared/protocol.ts); this page draws them and posts the user's clicks back. Many messages
// per frame (a fast training run) are coalesced into one redraw per chart per animation frame.
import type { ChartId, ExportFormat, FromPanel, PanelAction, PanelTarget, PanelView, ToPanel } from '../src/shared/protocol';
import { isToPanel } from '../src/shared/protocol';
import { AccuracyChart } from './accuracyChart';
import { Banner } from './banner';
import { button, exportButtons } from './controls';
import { LossChart } from './lossChart';
import { RunTable } from './runTable';
import { ScheduleChart } from './scheduleChart';
import { readTheme, watchTheme, type Theme } from './theme';

interface VsCodeApi {
  postMessage(message: FromPanel): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}
/** What the host's serializer reads to restore the panel after a window reload. */
interface PanelState {
  target: PanelTarget;
  selectedRunId: string | null;
  /** The run the user chose in the table, chosen again after a reload (else the drawn run follows training). */
  picked?: string | null;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface Chart {
  draw(): void;
  png(): string | null;
  setTheme(theme: Theme): void;
}

const vscode = acquireVsCodeApi();
const post = (message: FromPanel): void => vscode.postMessage(message);
const act = (action: PanelAction, runId?: string): void =>
  post(runId === undefined ? { type: 'action', action } : { type: 'action', action, runId });

function make<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

// ---- layout: every element a test or a message handler needs is made here, once
const app = document.getElementById('app')!;
const title = make('h1', { id: 'title', textContent: 'I-MLP experiment' });
const openFile = button('action-open-file', 'Open experiment file', () => act('openFile'), true);
const bannerEl = make('section', { id: 'banner', className: 'banner' });
bannerEl.setAttribute('role', 'status');
const lossEl = make('div', { id: 'loss-chart', className: 'chart' });
const lossNote = make('p', { className: 'note', textContent: 'No training curve yet: select a run in the table, or start one.' });
const scheduleEl = make('div', { id: 'schedule-chart', className: 'chart' });
const scheduleNote = make('p', { className: 'note', textContent: 'No α schedule: the selected run does not interpolate toward a prior, or no run is selected.' });
const accuracyEl = make('div', { id: 'accuracy-chart', className: 'chart' });
const accuracyLegend = make('div', { className: 'legend' });
const accuracyNote = make('p', { className: 'note', textContent: 'No finished α runs yet: sweep α, and each run appears here as it finishes.' });
const tableEl = make('table', { id: 'run-table', className: 'runs' });

let theme = readTheme();
const loss = new LossChart(lossEl, lossNote, theme);
const schedule = new ScheduleChart(scheduleEl, scheduleNote, theme);
const accuracy = new AccuracyChart(accuracyEl, accuracyLegend, accuracyNote, theme, (runId) => act('showRun', runId));
const charts: Record<ChartId, Chart> = { loss, schedule, accuracy };
const chartEls: Record<ChartId, HTMLElement> = { loss: lossEl, schedule: scheduleEl, accuracy: accuracyEl };
const banner = new Banner(bannerEl, act);
let picked = vscode.getState()?.picked ?? null;
const table = new RunTable(tableEl, (runId) => {
  picked = runId;
  post({ type: 'select', runId });
}, (runId) => act('showRun', runId));

function card(chart: ChartId, heading: string, extra: Node[], ...body: Node[]): HTMLElement {
  const head = make('div', { className: 'card-head' }, make('h2', { textContent: heading }), ...extra, exportButtons(chart, (f) => exportChart(chart, f)));
  return make('section', { className: `card ${chart}` }, head, ...body);
}

app.append(
  make('header', { className: 'header' }, title, openFile),
  bannerEl,
  make('div', { className: 'charts' },
    card('loss', 'Training loss and test accuracy', [], lossEl, lossNote),
    card('schedule', 'α schedule', [], scheduleEl, scheduleNote),
    card('accuracy', 'Test accuracy versus α', [button('action-add-sweep', 'Add sweep…', () => act('addSweep'), true)], accuracyEl, accuracyLegend, accuracyNote)),
  make('section', { className: 'card table' }, make('div', { className: 'card-head' }, make('h2', { textContent: 'Runs' })), make('div', { className: 'table-wrap' }, tableEl)),
);

// ---- redraws: at most one per chart per animation frame
const dirty = new Set<Chart>();
let frameRequested = false;

function redraw(...which: Chart[]): void {
  for (const c of which) dirty.add(c);
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(flush);
  }
}

function flush(): void {
  frameRequested = false;
  const todo = [...dirty];
  dirty.clear();
  for (const c of todo) c.draw();
}

/** A chart as PNG, drawn first if a redraw is pending so the image shows the latest data. */
function png(chart: ChartId): string | null {
  if (dirty.delete(charts[chart])) charts[chart].draw();
  return charts[chart].png();
}

function exportChart(chart: ChartId, format: ExportFormat): void {
  if (format !== 'png') return post({ type: 'export', chart, format });
  const dataUrl = png(chart);
  // An empty chart has no image; its note already says why.
  if (dataUrl) post({ type: 'export', chart, format, pngDataUrl: dataUrl });
}

// ---- messages from the host
function showView(view: PanelView): void {
  vscode.setState({ target: view.target, selectedRunId: view.selectedRunId, picked });
  title.textContent = view.title;
  // Only an experiment file can be opened; a panel of chosen sweeps has none.
  openFile.hidden = view.target.kind !== 'experiment';
  banner.render(view);
  table.render(view.runs, view.selectedRunId);
  accuracy.setSweeps(view.sweeps);
  schedule.setSchedule(view.schedule, view.currentStep);
  // Another run selected: its points come in a `series`; until then, late points of the old run are dropped.
  if (view.selectedRunId !== loss.buffer.runId) {
    loss.clear(view.selectedRunId);
    redraw(loss);
  }
  redraw(accuracy, schedule);
}

function handle(m: ToPanel): void {
  switch (m.type) {
    case 'view':
      return showView(m.view);
    case 'series':
      loss.reset(m.series);
      return redraw(loss);
    case 'append':
      if (!loss.append(m.series)) return;
      schedule.setCurrentStep(m.series.runId, m.currentStep);
      banner.setStep(m.series.runId, m.currentStep);
      return redraw(loss, schedule);
    case 'renderPng': {
      const dataUrl = png(m.chart);
      return post(dataUrl ? { type: 'png', requestId: m.requestId, dataUrl } : { type: 'png', requestId: m.requestId, dataUrl: null, error: `the ${m.chart} chart is empty` });
    }
    case 'reveal':
      return chartEls[m.chart].closest('section')!.scrollIntoView({ block: 'start' });
  }
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  if (isToPanel(e.data)) handle(e.data);
  else console.warn('I-MLP panel: dropped a malformed message', e.data);
});

watchTheme(() => {
  theme = readTheme();
  for (const c of Object.values(charts)) c.setTheme(theme);
  redraw(...Object.values(charts));
});

redraw(...Object.values(charts));
post({ type: 'ready' });
