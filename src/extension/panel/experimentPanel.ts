// One experiment panel: a webview showing an experiment's (or chosen sweeps') runs. The host reads the
// results store and the live worker events and sends the page plain data; the page draws. Messages
// from the page are checked against the protocol and dropped (and logged) when malformed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { lossCsv, lossSvg, scheduleCsv, scheduleSvg } from '../../core/report/curves';
import { reportCsv } from '../../core/report/csv';
import { reportSvg } from '../../core/report/svg';
import { ResultsStore } from '../../core/results/store';
import type { RunRecord, RunSummary } from '../../core/results/types';
import { type ChartId, type ExportFormat, type FromPanel, isFromPanel, type LossSeries, type PanelTarget, type PanelView, type ToPanel } from '../../shared/protocol';
import type { LiveTrainEvent } from '../runner';
import { ofExperiment } from '../runsModel';
import { appendEvent, buildView, emptySeries, seriesFromEvents } from './panelView';

export interface PanelServices {
  log: vscode.LogOutputChannel;
  /** The results store a target reads. */
  rootOf(target: PanelTarget): string;
  summaries(root: string): RunSummary[];
  /** The store holding a run: the target's, or an extra imlp.resultsLocations folder (a cluster's). */
  rootOfRun?(runId: string): string | undefined;
  /** Reads the store again now (a run this panel shows has started). */
  reread(root: string): void;
  isAlive(r: RunRecord): boolean;
  /** Whether this window's runner trains the run (its events then arrive live). */
  trainsHere(runId: string): boolean;
  /** Offers the store's sweeps to overlay; resolves to the chosen ids. */
  pickSweeps(root: string, shown: readonly string[]): Promise<string[]>;
}

/** Live points are batched: one message per this many ms however fast the worker steps. */
const APPEND_EVERY_MS = 200;
/** A run trained by another process (the CLI) is followed through its metrics file at this pace. */
const FOLLOW_EVERY_MS = 2000;
const PNG_TIMEOUT_MS = 15_000;

export class ExperimentPanel implements vscode.Disposable {
  private cachedRoot: string | undefined;
  private pendingReveal: ChartId | undefined;
  private experimentName = '';
  private overlays: string[] = [];
  private selected: string | null = null;
  private view: PanelView | null = null;
  private series: LossSeries | null = null;
  private stepsPerEpoch: number | null = null;
  private currentStep: number | null = null;
  private pending: LossSeries | null = null;
  private resend = false;
  private appendTimer?: NodeJS.Timeout;
  private readonly followTimer: NodeJS.Timeout;
  private lastFollowed = -1;
  /** Runs whose events were looked at, so each is checked once. */
  private readonly seen = new Set<string>();
  private ready = false;
  private requests = 0;
  private readonly pngWaiters = new Map<number, (v: { dataUrl: string | null; error?: string }) => void>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;

  constructor(readonly panel: vscode.WebviewPanel, readonly target: PanelTarget, html: string, private readonly s: PanelServices) {
    panel.webview.html = html;
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      panel.onDidDispose(() => this.dispose()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('imlp')) this.cachedRoot = undefined;
      }),
    );
    this.followTimer = setInterval(() => this.follow(), FOLLOW_EVERY_MS);
    this.followTimer.unref?.();
    void this.loadName().then(() => this.refresh());
  }

  /** The results store this panel reads: from the settings once (every training event asks), again after they change. */
  get root(): string {
    return (this.cachedRoot ??= this.s.rootOf(this.target));
  }

  private async loadName(): Promise<void> {
    if (this.target.kind !== 'experiment') return;
    try {
      const raw = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.file(this.target.file))).toString('utf8')) as { name?: unknown };
      if (typeof raw.name === 'string') this.experimentName = raw.name;
    } catch {
      // An unreadable or invalid file: its runs are matched by path alone.
    }
    this.experimentName ||= basename(this.target.file).replace(/\.imlp\.json$/, '');
  }

  /** Re-reads the store and sends a fresh view; reloads the loss series when the selected run changed. */
  refresh(): void {
    const build = () => buildView({
      target: this.target, experimentName: this.experimentName, summaries: this.s.summaries(this.root), overlays: this.overlays,
      selected: this.selected, isAlive: (r) => this.s.isAlive(r), stepsPerEpoch: this.stepsPerEpoch, currentStep: this.currentStep,
    });
    let view = build();
    const changedRun = view.selectedRunId !== (this.series?.runId ?? null);
    if (changedRun) {
      this.loadSeries(view.selectedRunId);
      // The schedule needs the run's steps per epoch, known once its series is read.
      view = build();
    }
    this.view = view;
    this.panel.title = `I-MLP: ${view.title}`;
    this.post({ type: 'view', view });
    if (changedRun && this.series) this.post({ type: 'series', series: this.series });
  }

  private loadSeries(runId: string | null): void {
    this.pending = null;
    this.resend = false;
    this.currentStep = null;
    this.stepsPerEpoch = null;
    if (!runId) {
      this.series = null;
      return;
    }
    try {
      this.readSeries(runId);
    } catch (err) {
      this.s.log.warn(`panel: cannot read the metrics of run ${runId}: ${(err as Error).message}`);
      this.series = emptySeries(runId);
    }
  }

  /** The run's curves as stored in its metrics.jsonl (steps per epoch kept once known). */
  private readSeries(runId: string): void {
    const read = this.storeOf(runId).readMetrics(runId);
    const { series, stepsPerEpoch } = seriesFromEvents(runId, read.events);
    this.series = series;
    this.stepsPerEpoch ??= stepsPerEpoch;
    this.currentStep = series.steps.length ? series.steps[series.steps.length - 1]! : null;
    this.lastFollowed = read.events.length;
  }

  /** A training event from this window's runner: the drawn run's points stream in; a new run of this panel is followed. */
  onTrainEvent(e: LiveTrainEvent): void {
    if (e.root !== this.root) return;
    if (e.runId !== this.series?.runId && this.selected === null && !this.seen.has(e.runId)) {
      this.seen.add(e.runId);
      // The store's watcher reports a new run a little later; a short run could be over by then.
      if (this.belongs(e.runId)) this.s.reread(this.root);
    }
    if (!this.series || e.runId !== this.series.runId) return;
    if (e.event.type === 'step') {
      this.currentStep = e.event.globalStep;
      if (this.stepsPerEpoch === null) {
        this.stepsPerEpoch = e.event.stepsPerEpoch;
        this.refresh();
      }
    }
    const last = this.series.steps.length ? this.series.steps[this.series.steps.length - 1]! : 0;
    // A step at or before the last one drawn (the metrics file was read ahead of the live events, or the
    // run resumed from an earlier checkpoint) rewrites the tail: the page then gets the whole series again.
    if (e.event.type === 'step' && e.event.globalStep <= last) this.resend = true;
    if (!appendEvent(this.series, e.event)) return;
    if (!this.resend) {
      this.pending ??= emptySeries(this.series.runId);
      appendEvent(this.pending, e.event);
    }
    this.appendTimer ??= setTimeout(() => this.flush(), APPEND_EVERY_MS);
  }

  private storeOf(runId: string): ResultsStore {
    return new ResultsStore(this.s.rootOfRun?.(runId) ?? this.root);
  }

  private belongs(runId: string): boolean {
    try {
      const r = this.storeOf(runId).openRun(runId).record;
      if (this.target.kind === 'experiment') return ofExperiment(r, this.target.file, this.experimentName);
      return r.sweepId !== undefined && this.target.sweepIds.includes(r.sweepId);
    } catch {
      return false;
    }
  }

  private flush(): void {
    this.appendTimer = undefined;
    if (this.series && this.resend) this.post({ type: 'series', series: this.series });
    else if (this.series && this.pending) this.post({ type: 'append', series: this.pending, currentStep: this.currentStep ?? 0 });
    this.pending = null;
    this.resend = false;
  }

  /** Follows a selected run that another process trains, through its metrics file. */
  private follow(): void {
    const id = this.series?.runId;
    if (!id || !this.ready || this.s.trainsHere(id)) return;
    const run = this.view?.runs.find((r) => r.id === id);
    if (run?.status !== 'running') return;
    try {
      const before = this.lastFollowed;
      this.readSeries(id);
      if (this.lastFollowed !== before) this.post({ type: 'series', series: this.series! });
    } catch {
      // The run folder went away; the next refresh drops the run.
    }
  }

  /** After a window reload: the run the user had chosen (null: the drawn run follows training, as on open). */
  restoreSelection(runId: string | null): void {
    this.selected = runId;
  }

  /** Scrolls the page to a chart, now or as soon as the page is ready. */
  reveal(chart: ChartId): void {
    if (this.ready) this.post({ type: 'reveal', chart });
    else this.pendingReveal = chart;
  }

  private post(m: ToPanel): void {
    if (!this.ready && m.type !== 'view') return;
    void this.panel.webview.postMessage(m);
  }

  private receive(m: unknown): void {
    if (!isFromPanel(m)) {
      this.s.log.warn(`panel: dropped a malformed message from the webview: ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    void this.handle(m).catch((err: Error) => {
      this.s.log.error(`panel: ${m.type} failed: ${err.message}`);
      void vscode.window.showErrorMessage(`I-MLP panel: ${err.message}`);
    });
  }

  private async handle(m: FromPanel): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.view) this.post({ type: 'view', view: this.view });
        if (this.series) this.post({ type: 'series', series: this.series });
        if (this.pendingReveal) this.post({ type: 'reveal', chart: this.pendingReveal });
        this.pendingReveal = undefined;
        return;
      case 'select':
        this.selected = m.runId;
        this.refresh();
        return;
      case 'action':
        return this.act(m.action, m.runId);
      case 'export': {
        const file = await this.export(m.chart, m.format, undefined, m.pngDataUrl);
        // A status-bar note, not a toast: exports come in series and a toast would cover the panel's buttons.
        if (file) vscode.window.setStatusBarMessage(`$(check) I-MLP: saved ${vscode.workspace.asRelativePath(file)}`, 8000);
        return;
      }
      case 'png':
        this.pngWaiters.get(m.requestId)?.({ dataUrl: m.dataUrl, ...(m.error ? { error: m.error } : {}) });
        this.pngWaiters.delete(m.requestId);
        return;
    }
  }

  private async act(action: Extract<FromPanel, { type: 'action' }>['action'], runId?: string): Promise<void> {
    const file = this.target.kind === 'experiment' ? vscode.Uri.file(this.target.file) : undefined;
    const run = runId ? { id: runId, root: this.storeOf(runId).root } : undefined;
    switch (action) {
      case 'run': return void (await vscode.commands.executeCommand('imlp.run', file));
      case 'sweep': return void (await vscode.commands.executeCommand('imlp.sweep', file));
      case 'cancel': return void (await vscode.commands.executeCommand('imlp.cancel', run));
      case 'resume':
        // A sweep continues as a whole (its finished runs are kept); a lone run resumes from its checkpoint.
        if (file && this.view?.sweeps.length) return void (await vscode.commands.executeCommand('imlp.sweep', file));
        return void (await vscode.commands.executeCommand('imlp.resume', run ?? (this.view?.selectedRunId ? { id: this.view.selectedRunId, root: this.storeOf(this.view.selectedRunId).root } : undefined)));
      case 'openFile':
        if (file) await vscode.window.showTextDocument(file, { viewColumn: vscode.ViewColumn.One });
        return;
      case 'showRun': return void (await vscode.commands.executeCommand('imlp.showRun', run));
      case 'openLogs': return void (await vscode.commands.executeCommand('imlp.openLogs'));
      case 'addSweep': {
        const added = await this.s.pickSweeps(this.root, this.view?.sweeps.map((r) => r.sweepId ?? '') ?? []);
        this.addSweeps(added);
        return;
      }
    }
  }

  /** Overlays more sweeps on the accuracy-vs-α chart (no cap on their number). */
  addSweeps(ids: readonly string[]): void {
    if (ids.length === 0) return;
    const list = this.target.kind === 'sweeps' ? this.target.sweepIds : this.overlays;
    list.push(...ids.filter((id) => !list.includes(id)));
    this.refresh();
  }

  /**
   * Writes one chart (SVG, PNG) or its data (CSV). SVG and CSV are built here from the data the page
   * draws; PNG is the page's own rendering. The default place is <results>/exports/.
   */
  async export(chart: ChartId, format: ExportFormat, target?: string, pngDataUrl?: string): Promise<string | undefined> {
    const view = this.view;
    if (!view) throw new Error('the panel has not loaded its runs yet');
    let content: string | Buffer;
    if (format === 'png') {
      const dataUrl = pngDataUrl ?? (await this.renderPng(chart));
      content = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
    } else if (chart === 'accuracy') {
      if (view.sweeps.length === 0) throw new Error('there is no α sweep to export yet: run "Sweep α" first');
      content = format === 'svg' ? reportSvg(view.sweeps) : reportCsv(view.sweeps);
    } else if (chart === 'loss') {
      if (!this.series || this.series.steps.length === 0) throw new Error('the selected run has no training steps recorded yet');
      content = format === 'svg' ? lossSvg(this.series, `Training of ${this.series.runId}`) : lossCsv(this.series);
    } else {
      if (!view.schedule) throw new Error('the selected run has no α schedule (it is not an I-MLP run, or has not started)');
      content = format === 'svg' ? scheduleSvg(view.schedule, `α schedule of ${view.schedule.runId}`) : scheduleCsv(view.schedule);
    }
    // Sweep ids come from run.json files, which a cloned workspace controls: "/" or ".." must not pick the folder.
    const subject = (chart === 'accuracy' ? view.sweeps.map((r) => r.sweepId).join('+') : view.selectedRunId ?? 'run').replace(/[^A-Za-z0-9._+-]+|\.{2,}/g, '-');
    const file = target ?? join(this.root, 'exports', `${subject}-${chart}.${format}`);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, content);
    this.s.log.info(`panel: exported the ${chart} chart as ${format.toUpperCase()} to ${file}`);
    return file;
  }

  private renderPng(chart: ChartId): Promise<string> {
    if (!this.ready) return Promise.reject(new Error('the panel is not showing yet; open it first'));
    const requestId = ++this.requests;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pngWaiters.delete(requestId);
        reject(new Error(`the panel did not render the ${chart} chart within ${PNG_TIMEOUT_MS / 1000} s (is it visible?)`));
      }, PNG_TIMEOUT_MS);
      this.pngWaiters.set(requestId, (r) => {
        clearTimeout(timer);
        if (r.dataUrl) resolve(r.dataUrl);
        else reject(new Error(r.error ?? `the ${chart} chart has nothing to draw yet`));
      });
      this.post({ type: 'renderPng', requestId, chart });
    });
  }

  dispose(): void {
    clearInterval(this.followTimer);
    clearTimeout(this.appendTimer);
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }
}
