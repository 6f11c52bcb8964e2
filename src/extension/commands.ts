// Every I-MLP command. Each works from the palette (asking for what it needs: the active experiment
// file or a pick), from the code lenses and the Runs view (given the file, α, run or sweep), and from
// other extensions and tests (executeCommand with arguments, returning a useful value, never
// waiting on a notification).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { type DatasetStatus, datasetStatus, downloadDataset } from '../core/data';
import { DatasetError } from '../core/data/errors';
import { REGISTRY } from '../core/data/registry';
import { ExperimentError, formatProblems, loadExperiment } from '../core/experiment/validate';
import type { BackendChoice, DatasetName, ExperimentConfig } from '../core/experiment/types';
import { MemoryBudgetError } from '../core/method/memory';
import { reportCsv, reportSvg, summarizeSweeps, type SweepReport } from '../core/report';
import { formatAlpha } from '../core/report/format';
import { ResultsStore } from '../core/results/store';
import type { RunRecord } from '../core/results/types';
import { planSweep, sweepIds as sweepIdsOf, sweepMembers } from '../core/sweep/plan';
import { CHART_IDS, type ChartId, EXPORT_FORMATS, type ExportFormat, type RunJob } from '../shared/protocol';
import { memoryProblem } from './checks';
import { folderOf, isExperimentPath, resultsRootOf, settingsFor, workspaceRoots } from './config';
import type { ExperimentDiagnostics } from './diagnostics';
import { runDocUri, sweepDocUri } from './documents';
import { EXPERIMENT_PRESETS, PRETRAINED_PRESET, type PriorRunInfo, presetText, withPriorRun } from './presets';
import { type RunMode, type RunOutcome, type Runner, summarize } from './runner';
import type { RunsIndex } from './runsIndex';
import { type ExperimentView, type RunView, type SweepView, type RunContext, displayStatus, lastResult, runWhat, sweepPickItem } from './runsModel';
import type { RunsTreeProvider } from './runsTree';
import type { ExperimentPanel } from './panel/experimentPanel';
import type { Panels } from './panel/panels';
import { type ImlpSettings, type RunSetup, dataCacheDir, runMemoryBudget, runSetup } from './settings';

export interface Services {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  index: RunsIndex;
  runner: Runner;
  tree: RunsTreeProvider;
  diagnostics: ExperimentDiagnostics;
  runContext: RunContext;
  panels: Panels;
}

/** Every command id this extension registers (the manifest contributes the same list). */
export const COMMAND_IDS = [
  'imlp.run', 'imlp.sweep', 'imlp.runAlpha', 'imlp.cancel', 'imlp.resume', 'imlp.showRun', 'imlp.compareRuns',
  'imlp.exportResults', 'imlp.selectBackend', 'imlp.downloadDataset', 'imlp.openLogs', 'imlp.newExperiment',
  'imlp.deleteRun', 'imlp.revealRun', 'imlp.openResults', 'imlp.refreshRuns', 'imlp.openPanel', 'imlp.exportChart',
] as const;

const BACKENDS: { value: BackendChoice; detail: string }[] = [
  { value: 'auto', detail: "Use each experiment file's \"backend\" (auto there: native TensorFlow when @tensorflow/tfjs-node is installed, else WebAssembly)" },
  { value: 'wasm', detail: 'WebAssembly (TF.js wasm backend): the default, works everywhere' },
  { value: 'tensorflow', detail: 'Native TensorFlow through @tensorflow/tfjs-node (must be installed next to the extension)' },
  { value: 'cpu', detail: 'Plain JavaScript: slow, a fallback for debugging' },
];

type RunRef = { id: string; root: string };

export class Commands {
  constructor(private readonly s: Services) {}

  register(): vscode.Disposable[] {
    const handlers: Record<(typeof COMMAND_IDS)[number], (...args: any[]) => unknown> = {
      'imlp.run': (arg?: unknown) => this.runExperiment(arg, { kind: 'sweep', fresh: true }),
      'imlp.sweep': (arg?: unknown) => this.runExperiment(arg, { kind: 'sweep', fresh: false }),
      'imlp.runAlpha': (arg?: unknown, alpha?: unknown) => this.runAlpha(arg, alpha),
      'imlp.cancel': (arg?: unknown) => this.cancel(arg),
      'imlp.resume': (arg?: unknown) => this.resume(arg),
      'imlp.showRun': (arg?: unknown) => this.showRun(arg),
      'imlp.compareRuns': (arg?: unknown) => this.compareRuns(arg),
      'imlp.exportResults': (arg?: unknown, opts?: unknown) => this.exportResults(arg, opts),
      'imlp.selectBackend': (arg?: unknown) => this.selectBackend(arg),
      'imlp.downloadDataset': (name?: unknown, scope?: unknown) => this.downloadDataset(name, scope),
      'imlp.openLogs': () => this.s.log.show(true),
      'imlp.newExperiment': (presetId?: unknown, target?: unknown) => this.newExperiment(presetId, target),
      'imlp.deleteRun': (arg?: unknown, opts?: unknown) => this.deleteRun(arg, opts),
      'imlp.revealRun': (arg?: unknown) => this.revealRun(arg),
      'imlp.openResults': (arg?: unknown) => this.openResults(arg),
      'imlp.refreshRuns': () => this.s.index.refresh(undefined, true),
      'imlp.openPanel': (arg?: unknown) => this.openPanel(arg),
      'imlp.exportChart': (arg?: unknown) => this.exportChart(arg),
    };
    return Object.entries(handlers).map(([id, fn]) => vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        this.s.log.error(`${id} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        void this.error(`I-MLP: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    }));
  }

  // ---- messages (never awaited by a command: a test or a user may leave them open) ----

  private info(message: string, ...actions: { title: string; run: () => unknown }[]): void {
    void vscode.window.showInformationMessage(message, ...actions.map((a) => a.title)).then((t) => actions.find((a) => a.title === t)?.run());
  }

  private error(message: string, ...actions: { title: string; run: () => unknown }[]): void {
    void vscode.window.showErrorMessage(message, ...actions.map((a) => a.title)).then((t) => actions.find((a) => a.title === t)?.run());
  }

  private readonly openLogsAction = { title: 'Open Logs', run: () => this.s.log.show(true) };

  /** Training and downloads run only in trusted workspaces (experiment files make the extension compute and write). */
  private trusted(action: string): boolean {
    if (vscode.workspace.isTrusted) return true;
    const message = `I-MLP Lab does not ${action} in an untrusted workspace: an experiment file makes the extension train models, ` +
      'download datasets and write files. Trust this workspace to run experiments; results and diagnostics stay available read-only.';
    this.s.log.warn(message);
    void vscode.window.showWarningMessage(message, 'Manage Workspace Trust').then((c) => c && vscode.commands.executeCommand('workbench.trust.manage'));
    return false;
  }

  // ---- experiment files ----

  /** The experiment file a command is about: its argument, the active editor's, or a pick. */
  async experimentUri(arg: unknown): Promise<vscode.Uri | undefined> {
    if (arg instanceof vscode.Uri) return arg;
    if (typeof arg === 'string' && arg) return vscode.Uri.file(arg);
    if (isNode(arg, 'experiment') && arg.file) return vscode.Uri.file(arg.file);
    const active = vscode.window.activeTextEditor?.document;
    if (active && active.uri.scheme === 'file' && isExperimentPath(active.uri.path)) return active.uri;
    const files = await vscode.workspace.findFiles('**/*.imlp.json', '**/node_modules/**', 500);
    if (files.length === 0) {
      this.info('No experiment file (*.imlp.json) in this workspace.', { title: 'New Experiment', run: () => vscode.commands.executeCommand('imlp.newExperiment') });
      return undefined;
    }
    const items = files
      .sort((a, b) => a.fsPath.localeCompare(b.fsPath))
      .map((uri) => ({ label: basename(uri.fsPath), description: vscode.workspace.asRelativePath(dirname(uri.fsPath)), uri }));
    return (await vscode.window.showQuickPick(items, { title: 'I-MLP: choose an experiment file', matchOnDescription: true }))?.uri;
  }

  /** The validated experiment (saving it first if it has unsaved changes); undefined after telling the user what is wrong. */
  private async loadConfig(uri: vscode.Uri): Promise<ExperimentConfig | undefined> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc?.isDirty) await doc.save();
    try {
      return await loadExperiment(uri.fsPath);
    } catch (err) {
      if (!(err instanceof ExperimentError)) throw err;
      this.s.log.error(formatProblems(err));
      const first = err.problems[0]!;
      const more = err.problems.length > 1 ? ` (and ${err.problems.length - 1} more problem${err.problems.length > 2 ? 's' : ''})` : '';
      this.error(`${basename(uri.fsPath)}: ${first.path ? `${first.path}: ` : ''}${first.message} — ${first.fix}${more}`,
        { title: 'Open File', run: () => vscode.window.showTextDocument(uri) }, { title: 'Show Problems', run: () => vscode.commands.executeCommand('workbench.actions.view.problems') });
      return undefined;
    }
  }

  private setupFor(uri: vscode.Uri, config: ExperimentConfig): { setup: RunSetup; settings: ImlpSettings } | undefined {
    const settings = settingsFor(uri);
    try {
      return { setup: runSetup(config, settings, folderOf(uri)), settings };
    } catch (err) {
      if (!(err instanceof MemoryBudgetError)) throw err;
      this.error(err.message, { title: 'Open Settings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'imlp.memoryBudget') });
      return undefined;
    }
  }

  /** Before a run: the dataset is here (downloaded now, with progress, if it can be) and the I-MLP fits in memory. */
  private async preflight(config: ExperimentConfig, setup: RunSetup, settings: ImlpSettings, scope: vscode.Uri | undefined): Promise<boolean> {
    const status = await datasetStatus(config.dataset.name, { dataDir: config.dataset.dataDir, ...(setup.cacheDir ? { cacheDir: setup.cacheDir } : {}) });
    if (!status.present) {
      if (!status.downloadable) {
        this.s.log.error(status.message);
        this.error(status.message, this.openLogsAction);
        return false;
      }
      this.s.log.info(`${config.name}: ${status.message}; downloading it first`);
      const after = await this.downloadDataset(config.dataset.name, scope);
      if (!after?.present) return false;
    }
    const budget = runMemoryBudget(settings, config.backend, setup.env);
    const memory = memoryProblem(config, budget);
    if (memory) {
      this.s.log.error(memory.message);
      this.error(memory.message.split('\n')[0]! + ' The numbers are in the log.', this.openLogsAction);
      return false;
    }
    return true;
  }

  /** Runs a request and tells the user how it went; returns the records, or undefined when it could not run. */
  private async execute(title: string, config: ExperimentConfig, setup: RunSetup, mode: RunMode, experimentFile?: string): Promise<RunRecord[] | undefined> {
    let outcome: RunOutcome;
    try {
      outcome = await this.s.runner.start({ title, config, setup, mode, ...(experimentFile ? { experimentFile } : {}) });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.s.log.error(`${title}: ${message}`);
      this.error(`I-MLP: ${title} could not run: ${message}`, this.openLogsAction);
      return undefined;
    }
    const { records, cancelled } = outcome;
    const failed = records.filter((r) => r.status === 'failed');
    const showResults = { title: 'Show Results', run: () => this.openResults(experimentFile ? vscode.Uri.file(experimentFile) : records[0] ? { id: records[0].id, root: setup.resultsRoot } : undefined) };
    if (failed.length > 0) {
      this.error(`I-MLP: ${title}: ${failed.length} run${failed.length === 1 ? '' : 's'} failed: ${failed[0]!.error ?? 'see the log'}`, this.openLogsAction, showResults);
    } else if (cancelled) {
      const kept = records.filter((r) => r.status === 'finished').length;
      this.info(`I-MLP: ${title} cancelled. ${kept} finished run${kept === 1 ? ' is' : 's are'} kept; "Sweep α" or Resume in the Runs view continues where it stopped.`, showResults);
    } else {
      this.info(`I-MLP: ${title}: ${summarize(records)}`, showResults, this.openLogsAction);
    }
    return records;
  }

  // ---- run, sweep, one α, resume, cancel ----

  async runExperiment(arg: unknown, mode: Extract<RunMode, { kind: 'sweep' }>, title?: (c: ExperimentConfig) => string): Promise<RunRecord[] | undefined> {
    if (!this.trusted('train models')) return undefined;
    const uri = await this.experimentUri(arg);
    if (!uri) return undefined;
    const config = await this.loadConfig(uri);
    if (!config) return undefined;
    const prepared = this.setupFor(uri, config);
    if (!prepared) return undefined;
    const { setup, settings } = prepared;
    if (!mode.fresh && this.sweepBusy(setup, mode.sweepId)) return undefined;
    if (!(await this.preflight(setup.config, setup, settings, uri))) return undefined;
    if (settings.openPanelOnRun) this.s.panels.show({ kind: 'experiment', file: uri.fsPath }, vscode.ViewColumn.Beside, true);
    return this.execute(title?.(config) ?? config.name, setup.config, setup, mode, uri.fsPath);
  }

  async runAlpha(arg: unknown, alphaArg: unknown): Promise<RunRecord[] | undefined> {
    if (!this.trusted('train models')) return undefined;
    const uri = await this.experimentUri(arg);
    if (!uri) return undefined;
    const config = await this.loadConfig(uri);
    if (!config) return undefined;
    if (config.model.kind !== 'imlp' || !config.interpolation) {
      this.error(`${basename(uri.fsPath)} is not an I-MLP experiment ("model": {"kind": "imlp"}), so it has no α to run.`);
      return undefined;
    }
    let alpha = typeof alphaArg === 'number' ? alphaArg : typeof alphaArg === 'string' ? Number(alphaArg) : undefined;
    if (alpha === undefined) {
      const pick = await vscode.window.showQuickPick(config.interpolation.alphas.map((a) => ({ label: `α = ${formatAlpha(a)}`, alpha: a })), { title: 'I-MLP: run one α' });
      alpha = pick?.alpha;
    }
    if (alpha === undefined) return undefined;
    if (!config.interpolation.alphas.includes(alpha)) {
      this.error(`α = ${alpha} is not among the experiment's α values (${config.interpolation.alphas.map(formatAlpha).join(', ')}).`);
      return undefined;
    }
    const a = alpha;
    return this.runExperiment(uri, { kind: 'sweep', fresh: false, only: (r) => r.role === 'run' && r.alpha === a }, (c) => `${c.name} α = ${formatAlpha(a)}`);
  }

  /** A sweep already training here, or a run of it still alive in another process: say so rather than train it twice. */
  private sweepBusy(setup: RunSetup, sweepId?: string): boolean {
    const id = sweepId ?? planSweep(setup.config).sweepId;
    const live = this.s.index.records(setup.resultsRoot).filter((r) => r.sweepId === id && displayStatus({ id: r.id, damaged: false, record: r }, this.s.runContext) === 'running');
    if (live.length === 0) return false;
    const here = live.some((r) => this.s.runner.isActive(r.id));
    this.info(here
      ? `I-MLP: sweep ${id} is already training in this window.`
      : `I-MLP: run ${live[0]!.id} of sweep ${id} is still training in another process (pid ${live[0]!.pid}); wait for it or stop it there.`);
    return true;
  }

  async resume(arg: unknown): Promise<RunRecord[] | undefined> {
    if (!this.trusted('resume runs')) return undefined;
    let target: RunRef | SweepView | undefined = isNode(arg, 'sweep') ? arg : this.runRef(arg);
    if (!target && arg === undefined) target = await this.pickResumable();
    if (!target) {
      if (arg !== undefined) this.error('I-MLP: no such run to resume.');
      return undefined;
    }
    if ('kind' in target && target.kind === 'sweep') return this.resumeSweep(target);
    const ref = target as RunRef;
    const store = new ResultsStore(ref.root);
    const record = store.openRun(ref.id).record;
    const status = displayStatus({ id: record.id, damaged: false, record }, this.s.runContext);
    if (status === 'finished') {
      this.info(`I-MLP: run ${record.id} already finished; nothing to resume.`);
      return [record];
    }
    if (status === 'running') {
      this.info(`I-MLP: run ${record.id} is still training${this.s.runner.isActive(record.id) ? ' in this window' : ` in another process (pid ${record.pid})`}.`);
      return undefined;
    }
    const scope = record.experimentFile ? vscode.Uri.file(record.experimentFile) : vscode.workspace.workspaceFolders?.[0]?.uri;
    const settings = settingsFor(scope);
    const folder = scope ? folderOf(scope) : dirname(ref.root);
    let setup: RunSetup;
    try {
      setup = { ...runSetup(record.config, settings, folder), resultsRoot: ref.root };
    } catch (err) {
      if (err instanceof MemoryBudgetError) return void this.error(err.message);
      throw err;
    }
    if (!(await this.preflight(setup.config, setup, settings, scope))) return undefined;
    const job: RunJob = {
      resultsRoot: ref.root, config: setup.config, seed: record.seed, role: record.role ?? 'run', alpha: record.alpha, sweepId: record.sweepId,
      priorRunId: record.priorRunId, experimentFile: record.experimentFile, resumeId: record.id,
    };
    return this.execute(`${record.name} · ${runWhat(record)} (resumed)`, setup.config, setup, { kind: 'resume', job }, record.experimentFile);
  }

  private async resumeSweep(sweep: SweepView): Promise<RunRecord[] | undefined> {
    if (!sweep.sweepId || sweep.sweepKind === 'prior' || sweep.sweepKind === 'single') {
      const first = sweep.runs.find((r) => r.contextValue.endsWith('.resumable'));
      return first ? this.resume({ id: first.id, root: first.root }) : undefined;
    }
    // The experiment's own config: the α runs and plain-MLP references carry it (a co-trained prior's reference does not).
    const source = sweep.runs.map((r) => r.record).find((r): r is RunRecord => !!r && r.role !== 'prior');
    if (!source) return void this.error(`I-MLP: sweep ${sweep.sweepId} has no run that records its experiment.`);
    const scope = source.experimentFile ? vscode.Uri.file(source.experimentFile) : vscode.workspace.workspaceFolders?.[0]?.uri;
    const settings = settingsFor(scope);
    let setup: RunSetup;
    try {
      setup = { ...runSetup(source.config, settings, scope ? folderOf(scope) : dirname(sweep.root)), resultsRoot: sweep.root };
    } catch (err) {
      if (err instanceof MemoryBudgetError) return void this.error(err.message);
      throw err;
    }
    if (this.sweepBusy(setup, sweep.sweepId)) return undefined;
    if (!(await this.preflight(setup.config, setup, settings, scope))) return undefined;
    return this.execute(`${source.name} (resumed)`, setup.config, setup, { kind: 'sweep', fresh: false, sweepId: sweep.sweepId }, source.experimentFile);
  }

  private async pickResumable(): Promise<RunRef | SweepView | undefined> {
    const sweeps = this.s.tree.sweeps().filter((s) => s.contextValue.endsWith('.resumable'));
    const runs = this.s.tree.runs().filter((r) => r.contextValue.endsWith('.resumable'));
    if (sweeps.length + runs.length === 0) {
      this.info('I-MLP: nothing to resume: no cancelled, failed or interrupted run.');
      return undefined;
    }
    const items = [
      ...sweeps.map((s) => ({ label: `$(beaker) ${s.label}`, description: s.description, target: s as RunRef | SweepView })),
      ...runs.map((r) => ({ label: `$(debug-pause) ${r.label}`, description: r.id, target: { id: r.id, root: r.root } as RunRef | SweepView })),
    ];
    return (await vscode.window.showQuickPick(items, { title: 'I-MLP: resume a sweep or a run', matchOnDescription: true }))?.target;
  }

  async cancel(arg: unknown): Promise<number> {
    if (!this.s.runner.busy()) {
      const ref = this.runRef(arg);
      const rec = ref ? this.s.index.get(ref.root).find((s) => s.id === ref.id) : undefined;
      if (rec && !rec.damaged && displayStatus(rec, this.s.runContext) === 'running') {
        this.info(`I-MLP: run ${rec.id} is trained by another process (pid ${rec.record.pid}); stop it there (Ctrl-C in its terminal).`);
      } else {
        this.info('I-MLP: nothing is training in this window.');
      }
      return 0;
    }
    if (isObject(arg) && arg.confirm === true) {
      const titles = this.s.runner.activeTitles().join(', ');
      const choice = await vscode.window.showQuickPick([
        { label: '$(debug-stop) Cancel training', detail: `Stop ${titles} at the next step. Finished runs are kept and the sweep can be resumed.`, action: 'cancel' },
        { label: '$(output) Show the log', detail: 'Keep training and open the I-MLP Lab log.', action: 'log' },
      ], { title: `I-MLP: training ${titles}` });
      if (choice?.action === 'log') this.s.log.show(true);
      if (choice?.action !== 'cancel') return 0;
      return this.s.runner.cancel();
    }
    if (isNode(arg, 'sweep') && arg.sweepId) return this.s.runner.cancel({ sweepId: arg.sweepId });
    const ref = this.runRef(arg);
    if (ref) {
      const n = this.s.runner.cancel({ runId: ref.id });
      if (n === 0) this.info(`I-MLP: run ${ref.id} is not training in this window.`);
      return n;
    }
    return this.s.runner.cancel();
  }

  // ---- results ----

  /** A run given as a tree item, { id, root } or an id (looked up in the workspace's stores). */
  private runRef(arg: unknown): RunRef | undefined {
    if (isNode(arg, 'run')) return { id: arg.id, root: arg.root };
    if (isObject(arg) && typeof arg.id === 'string') {
      const root = typeof arg.root === 'string' ? arg.root : this.s.index.rootOfRun(arg.id);
      return root ? { id: arg.id, root } : undefined;
    }
    if (typeof arg === 'string' && !isExperimentPath(arg)) {
      const root = this.s.index.rootOfRun(arg);
      return root ? { id: arg, root } : undefined;
    }
    return undefined;
  }

  private async pickRun(title: string, filter: (r: RunView) => boolean = () => true): Promise<RunRef | undefined> {
    const runs = this.s.tree.runs().filter(filter).sort((a, b) => ((a.record?.createdAt ?? '') < (b.record?.createdAt ?? '') ? 1 : -1));
    if (runs.length === 0) {
      this.info('I-MLP: no runs yet in this workspace\'s results folder.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(runs.map((r) => ({ label: r.record ? `${r.record.name} · ${r.label}` : r.label, description: r.id, ref: { id: r.id, root: r.root } })), { title, matchOnDescription: true });
    return pick?.ref;
  }

  async showRun(arg: unknown): Promise<RunRecord | undefined> {
    const ref = this.runRef(arg) ?? (arg === undefined ? await this.pickRun('I-MLP: show a run', (r) => r.status !== 'damaged') : undefined);
    if (!ref) return undefined;
    const uri = runDocUri(ref.root, ref.id);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true });
    try {
      return new ResultsStore(ref.root).openRun(ref.id).record;
    } catch {
      return undefined;
    }
  }

  private async pickSweeps(title: string, many: boolean): Promise<{ root: string; ids: string[] } | undefined> {
    const items: { label: string; description: string; root: string; id: string }[] = [];
    for (const root of this.s.index.roots()) {
      const records = this.s.index.records(root);
      for (const id of sweepIdsOf(records)) items.push({ ...sweepPickItem(records, id), root });
    }
    if (items.length === 0) {
      this.info('I-MLP: no α sweeps yet. Run an I-MLP experiment ("Sweep α") first.');
      return undefined;
    }
    if (!many || items.length === 1) {
      const one = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { title, matchOnDescription: true });
      return one ? { root: one.root, ids: [one.id] } : undefined;
    }
    const picked = await vscode.window.showQuickPick(items, { title, canPickMany: true, matchOnDescription: true });
    if (!picked || picked.length === 0) return undefined;
    const root = picked[0]!.root;
    return { root, ids: picked.filter((p) => p.root === root).map((p) => p.id) };
  }

  private sweepArg(arg: unknown): { root: string; ids: string[] } | undefined {
    if (isNode(arg, 'sweep') && arg.sweepId) return { root: arg.root, ids: [arg.sweepId] };
    const ids = Array.isArray(arg) ? arg.filter((x): x is string => typeof x === 'string') : isObject(arg) && Array.isArray(arg.sweepIds) ? (arg.sweepIds as unknown[]).filter((x): x is string => typeof x === 'string') : [];
    if (ids.length === 0) return undefined;
    const root = (isObject(arg) && typeof arg.root === 'string' ? arg.root : undefined)
      ?? this.s.index.roots().find((r) => this.s.index.records(r).some((rec) => rec.sweepId === ids[0]));
    return root ? { root, ids } : undefined;
  }

  private reports(root: string, ids: string[]): SweepReport[] {
    const records = this.s.index.records(root);
    return summarizeSweeps(ids.flatMap((id) => sweepMembers(records, id)));
  }

  async compareRuns(arg: unknown): Promise<SweepReport[] | undefined> {
    const chosen = this.sweepArg(arg) ?? (await this.pickSweeps('I-MLP: compare sweeps (pick one or more)', true));
    if (!chosen) return undefined;
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(sweepDocUri(chosen.root, chosen.ids)), { preview: false });
    return this.reports(chosen.root, chosen.ids);
  }

  async exportResults(arg: unknown, optsArg?: unknown): Promise<vscode.Uri[] | undefined> {
    const opts = isObject(optsArg) ? optsArg : isObject(arg) && !isNode(arg, 'sweep') ? arg : {};
    const chosen = this.sweepArg(arg) ?? (await this.pickSweeps('I-MLP: export sweeps', true));
    if (!chosen) return undefined;
    const reports = this.reports(chosen.root, chosen.ids);
    let format = typeof opts.format === 'string' ? opts.format : undefined;
    if (!format) {
      format = (await vscode.window.showQuickPick([
        { label: 'CSV', description: 'one row per run', value: 'csv' },
        { label: 'SVG', description: 'accuracy versus α on the two-sided log axis, with 95% CIs and the fits', value: 'svg' },
      ], { title: 'I-MLP: export as' }))?.value;
    }
    if (format !== 'csv' && format !== 'svg') return undefined;
    let target = opts.target instanceof vscode.Uri ? opts.target : typeof opts.target === 'string' ? vscode.Uri.file(opts.target) : undefined;
    if (!target) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(dirname(chosen.root));
      const name = `${chosen.ids.length === 1 ? chosen.ids[0] : 'sweeps'}.${format}`;
      target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(folder, name), filters: format === 'csv' ? { CSV: ['csv'] } : { SVG: ['svg'] }, title: 'I-MLP: export results' });
    }
    if (!target) return undefined;
    const text = format === 'csv' ? reportCsv(reports) : reportSvg(reports);
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    this.s.log.info(`exported ${chosen.ids.join(', ')} to ${target.fsPath}`);
    if (optsArg === undefined && !isObject(arg)) this.info(`I-MLP: exported to ${vscode.workspace.asRelativePath(target)}`, { title: 'Open', run: () => vscode.commands.executeCommand('vscode.open', target) });
    return [target];
  }

  /** The experiment panel of a file (lens, editor, palette) or of sweeps (Runs view, or {root, sweepIds}). */
  async openPanel(arg: unknown): Promise<ExperimentPanel | undefined> {
    if (isNode(arg, 'sweep') && arg.sweepId) return this.s.panels.show({ kind: 'sweeps', root: arg.root, sweepIds: [arg.sweepId] });
    if (isNode(arg, 'experiment') && !arg.file) {
      const ids = arg.sweeps.flatMap((sw) => (sw.sweepId && sw.sweepKind === 'imlp' ? [sw.sweepId] : []));
      if (ids.length) return this.s.panels.show({ kind: 'sweeps', root: arg.root, sweepIds: ids.slice(0, 1) });
    }
    const sweeps = isNode(arg, 'experiment') || isNode(arg, 'sweep') ? undefined : this.sweepArg(arg);
    if (sweeps) return this.s.panels.show({ kind: 'sweeps', root: sweeps.root, sweepIds: sweeps.ids });
    const uri = await this.experimentUri(isNode(arg, 'sweep') ? undefined : arg);
    return uri ? this.s.panels.show({ kind: 'experiment', file: uri.fsPath }) : undefined;
  }

  /** Exports a chart of the focused panel: {chart: loss|schedule|accuracy, format: svg|png|csv, target?: path}; asks for what is missing. */
  async exportChart(arg: unknown): Promise<string | undefined> {
    const opts = isObject(arg) ? arg : {};
    const chart = CHART_IDS.includes(opts.chart as ChartId) ? (opts.chart as ChartId)
      : (await vscode.window.showQuickPick(CHART_IDS.map((c) => ({ label: c })), { title: 'I-MLP: export which chart?' }))?.label;
    if (!chart) return undefined;
    const format = EXPORT_FORMATS.includes(opts.format as ExportFormat) ? (opts.format as ExportFormat)
      : (await vscode.window.showQuickPick(EXPORT_FORMATS.map((f) => ({ label: f })), { title: `I-MLP: export the ${chart} chart as` }))?.label;
    if (!format) return undefined;
    const target = typeof opts.target === 'string' ? opts.target : opts.target instanceof vscode.Uri ? opts.target.fsPath : undefined;
    try {
      const file = await this.s.panels.exportChart(chart, format, target);
      if (file && !isObject(arg)) this.info(`I-MLP: saved ${vscode.workspace.asRelativePath(file)}`, { title: 'Open', run: () => vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file)) });
      return file;
    } catch (err) {
      this.error(`I-MLP: cannot export the ${chart} chart: ${(err as Error).message}`);
      return undefined;
    }
  }

  async openResults(arg: unknown): Promise<vscode.Uri | undefined> {
    if (isNode(arg, 'sweep')) {
      if (arg.sweepId && (arg.sweepKind === 'imlp' || arg.sweepKind === 'plain')) return this.openDoc(sweepDocUri(arg.root, [arg.sweepId]));
      const first = arg.runs[0];
      return first ? this.openResults({ id: first.id, root: first.root }) : undefined;
    }
    if (isNode(arg, 'experiment')) {
      const sweep = arg.sweeps.find((s) => s.sweepKind !== 'prior') ?? arg.sweeps[0];
      return sweep ? this.openResults(sweep) : undefined;
    }
    const ref = this.runRef(arg);
    if (ref) {
      const summary = this.s.index.get(ref.root).find((s) => s.id === ref.id);
      if (summary?.damaged) return this.revealRun(ref);
      return this.openDoc(vscode.Uri.file(join(ref.root, 'runs', ref.id, 'run.json')));
    }
    const uri = await this.experimentUri(arg);
    if (!uri) return undefined;
    const root = resultsRootOf(uri);
    let name = '';
    try {
      name = (await loadExperiment(uri.fsPath)).name;
    } catch {
      // an invalid file: match its runs by path only
    }
    const last = lastResult(this.s.index.records(root), uri.fsPath, name, this.s.runContext);
    if (!last) {
      this.info(`I-MLP: no results yet for ${basename(uri.fsPath)}. Press ▶ Run to train it.`);
      return undefined;
    }
    if (last.runId && last.sweepId === null) return this.openResults({ id: last.runId, root });
    return last.sweepId ? this.openDoc(sweepDocUri(root, [last.sweepId])) : undefined;
  }

  private async openDoc(uri: vscode.Uri): Promise<vscode.Uri> {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
    return uri;
  }

  async deleteRun(arg: unknown, optsArg?: unknown): Promise<boolean> {
    const confirm = !(isObject(optsArg) && optsArg.confirm === false);
    let refs: RunRef[];
    let what: string;
    if (isNode(arg, 'sweep')) {
      refs = arg.runs.map((r) => ({ id: r.id, root: r.root }));
      what = `the ${refs.length} run${refs.length === 1 ? '' : 's'} of ${arg.label}${arg.sweepId ? ` (${arg.sweepId})` : ''}`;
    } else {
      const ref = this.runRef(arg) ?? (arg === undefined ? await this.pickRun('I-MLP: delete a run') : undefined);
      if (!ref) return false;
      refs = [ref];
      what = `run ${ref.id}`;
    }
    if (refs.length === 0) return false;
    const busy = refs.filter((r) => {
      const summary = this.s.index.get(r.root).find((x) => x.id === r.id);
      return this.s.runner.isActive(r.id) || (summary !== undefined && displayStatus(summary, this.s.runContext) === 'running');
    });
    if (busy.length > 0) {
      this.info(`I-MLP: run ${busy[0]!.id} is training${this.s.runner.isActive(busy[0]!.id) ? '' : ' in another process'}; cancel it before deleting.`);
      return false;
    }
    if (confirm) {
      const ok = await vscode.window.showWarningMessage(`Delete ${what}? The run folder${refs.length === 1 ? '' : 's'} in ${refs[0]!.root} (run.json, metrics, checkpoint) will be removed.`, { modal: true }, 'Delete');
      if (ok !== 'Delete') return false;
    }
    for (const r of refs) new ResultsStore(r.root).deleteRun(r.id);
    this.s.log.info(`deleted ${refs.map((r) => r.id).join(', ')}`);
    for (const root of new Set(refs.map((r) => r.root))) this.s.index.refresh(root, true);
    return true;
  }

  async revealRun(arg: unknown): Promise<vscode.Uri | undefined> {
    const node = isNode(arg, 'sweep') ? arg.runs[0] : undefined;
    const ref = node ? { id: node.id, root: node.root } : this.runRef(arg) ?? (arg === undefined ? await this.pickRun('I-MLP: reveal a run folder') : undefined);
    if (!ref) return undefined;
    const uri = vscode.Uri.file(join(ref.root, 'runs', ref.id));
    const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
    // In the browser (code-server) there is no OS file manager: the Explorer shows folders of the workspace.
    if (inWorkspace) await vscode.commands.executeCommand('revealInExplorer', uri);
    else if (vscode.env.uiKind === vscode.UIKind.Desktop) await vscode.commands.executeCommand('revealFileInOS', uri);
    else this.info(`I-MLP: the run folder is ${uri.fsPath}`);
    return uri;
  }

  // ---- backend, datasets, new experiments ----

  async selectBackend(arg: unknown): Promise<BackendChoice | undefined> {
    let value = typeof arg === 'string' && BACKENDS.some((b) => b.value === arg) ? (arg as BackendChoice) : undefined;
    if (!value) {
      const current = settingsFor().backend;
      const native = this.tfjsNodeInstalled();
      const pick = await vscode.window.showQuickPick(BACKENDS.map((b) => ({
        label: b.value, detail: b.detail,
        description: [b.value === current ? 'current' : '', b.value === 'tensorflow' ? (native ? 'installed' : 'not installed') : ''].filter(Boolean).join(' · '),
        value: b.value,
      })), { title: 'I-MLP: backend for runs started in VS Code' });
      value = pick?.value;
    }
    if (!value) return undefined;
    const target = vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration('imlp').update('backend', value, target);
    this.s.log.info(`backend for runs started in VS Code: ${value}${value === 'auto' ? " (each experiment file's own)" : ''}`);
    if (value === 'tensorflow' && !this.tfjsNodeInstalled()) {
      this.info('I-MLP: @tensorflow/tfjs-node is not installed next to the extension, so runs will fail to start on the tensorflow backend. Install it (npm install @tensorflow/tfjs-node) or choose wasm.');
    }
    return value;
  }

  private tfjsNodeInstalled(): boolean {
    try {
      createRequire(join(this.s.context.extensionPath, 'package.json')).resolve('@tensorflow/tfjs-node');
      return true;
    } catch {
      return false;
    }
  }

  async downloadDataset(nameArg: unknown, scopeArg: unknown): Promise<DatasetStatus | undefined> {
    if (!this.trusted('download datasets')) return undefined;
    const scope = scopeArg instanceof vscode.Uri ? scopeArg : vscode.window.activeTextEditor?.document.uri.scheme === 'file' ? vscode.window.activeTextEditor.document.uri : vscode.workspace.workspaceFolders?.[0]?.uri;
    const folder = scope ? folderOf(scope) : undefined;
    const cacheDir = folder ? dataCacheDir(settingsFor(scope), folder) : undefined;
    const opts = cacheDir ? { cacheDir } : {};
    let name = typeof nameArg === 'string' && nameArg in REGISTRY ? (nameArg as DatasetName) : undefined;
    if (!name) {
      const items = await Promise.all((Object.keys(REGISTRY) as DatasetName[]).map(async (n) => {
        const st = await datasetStatus(n, opts);
        return { label: REGISTRY[n].title, description: st.present ? 'present' : st.downloadable ? `${((st.downloadBytes ?? 0) / 1e6).toFixed(0)} MB to download` : 'not downloadable', detail: st.message, name: n };
      }));
      name = (await vscode.window.showQuickPick(items, { title: 'I-MLP: download a dataset' }))?.name;
    }
    if (!name) return undefined;
    const title = REGISTRY[name].title;
    const before = await datasetStatus(name, opts);
    if (before.present) {
      this.info(`I-MLP: ${before.message}.`);
      return before;
    }
    if (!before.downloadable) {
      this.error(`I-MLP: ${before.message}`);
      return before;
    }
    const ds = name;
    try {
      const status = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `I-MLP: downloading ${title}`, cancellable: true }, async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        // One share of the bar per file (four IDX files, or one CIFAR archive).
        const files = REGISTRY[ds].kind === 'idx' ? 4 : 1;
        let current = '';
        let reported = 0;
        try {
          return await downloadDataset(ds, {
            ...opts, signal: controller.signal, log: (m) => this.s.log.info(`${title}: ${m}`),
            onProgress: ({ file, received, total }) => {
              if (file !== current) {
                current = file;
                reported = 0;
              }
              const pct = total > 0 ? Math.floor((100 * received) / total) : 0;
              const increment = Math.max(0, pct - reported) / files;
              reported = Math.max(reported, pct);
              progress.report({ message: `${basename(file)}: ${(received / 1e6).toFixed(1)}${total > 0 ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB`, ...(increment ? { increment } : {}) });
            },
          });
        } finally {
          sub.dispose();
        }
      });
      this.s.log.info(status.message);
      this.s.diagnostics.checkAll();
      if (scopeArg === undefined) this.info(`I-MLP: ${status.message}.`);
      return status;
    } catch (err) {
      if (err instanceof DatasetError && err.code === 'aborted') {
        this.s.log.info(err.message);
        this.info(`I-MLP: download of ${title} cancelled. ${err.fix}.`);
        return undefined;
      }
      const message = err instanceof DatasetError ? `${err.problem}. ${err.fix}` : (err as Error).message;
      this.s.log.error(`${title}: ${message}`);
      this.error(`I-MLP: download of ${title} failed: ${message}`, this.openLogsAction);
      return undefined;
    }
  }

  async newExperiment(presetArg: unknown, targetArg: unknown): Promise<vscode.Uri | undefined> {
    let preset = typeof presetArg === 'string' ? EXPERIMENT_PRESETS.find((p) => p.id === presetArg) : undefined;
    if (typeof presetArg === 'string' && !preset) {
      this.error(`I-MLP: no experiment preset "${presetArg}"; the presets are ${EXPERIMENT_PRESETS.map((p) => p.id).join(', ')}.`);
      return undefined;
    }
    if (!preset) {
      preset = (await vscode.window.showQuickPick(EXPERIMENT_PRESETS.map((p) => ({ label: p.label, description: p.id, detail: p.detail, preset: p })), { title: 'I-MLP: new experiment from a preset', matchOnDetail: true }))?.preset;
    }
    if (!preset) return undefined;
    if (preset.id === PRETRAINED_PRESET) {
      const prior = await this.pickPriorRun(typeof presetArg === 'string');
      if (!prior) return undefined;
      preset = withPriorRun(preset, prior);
    }
    let target = targetArg instanceof vscode.Uri ? targetArg : typeof targetArg === 'string' && targetArg ? vscode.Uri.file(targetArg) : undefined;
    const programmatic = target !== undefined;
    if (!target) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      target = await vscode.window.showSaveDialog({
        title: 'I-MLP: save the new experiment as',
        filters: { 'I-MLP experiment': ['imlp.json'] },
        ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `${preset.id}.imlp.json`) } : {}),
      });
      if (!target) return undefined;
    }
    if (!isExperimentPath(target.path)) target = target.with({ path: target.path.replace(/(\.imlp)?(\.json)?$/, '') + '.imlp.json' });
    if (programmatic && existsSync(target.fsPath)) {
      this.error(`I-MLP: ${target.fsPath} already exists; choose another name.`);
      return undefined;
    }
    await vscode.workspace.fs.writeFile(target, Buffer.from(presetText(preset, target.fsPath), 'utf8'));
    await vscode.window.showTextDocument(target);
    this.s.log.info(`created ${target.fsPath} from the preset ${preset.id}`);
    return target;
  }

  /** A finished prior run of the workspace's results for the pre-trained-prior preset: the newest when called with arguments, else picked. */
  private async pickPriorRun(programmatic: boolean): Promise<PriorRunInfo | undefined> {
    // Read now: the prior may have been trained a moment ago (e.g. by the CLI), before the watcher's refresh.
    const roots = workspaceRoots().map((r) => r.root);
    for (const root of roots) this.s.index.refresh(root, true);
    const priors = roots.flatMap((root) => this.s.index.records(root))
      .filter((r) => r.role === 'prior' && r.status === 'finished' && r.config.model.kind === 'cnn')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    if (priors.length === 0) {
      this.error('I-MLP: no trained prior in this workspace\'s results yet. Sweep an experiment with a frozen prior first (e.g. the preset "demo" or "cnn-prior"), then choose this preset again.',
        { title: 'New Demo Experiment', run: () => vscode.commands.executeCommand('imlp.newExperiment', 'demo') });
      return undefined;
    }
    const info = (r: RunRecord): PriorRunInfo => {
      const model = r.config.model as Extract<ExperimentConfig['model'], { kind: 'cnn' }>;
      const { augment, ...rest } = r.config.dataset;
      const dataset = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)); // written as JSON
      return { id: r.id, model: { ...(model.preset ? { preset: model.preset } : {}), layers: model.layers }, dataset: { ...dataset, ...(augment.crop || augment.flip ? { augment } : {}) } };
    };
    if (programmatic || priors.length === 1) return info(priors[0]!);
    const pick = await vscode.window.showQuickPick(priors.map((r) => ({
      label: `${(r.config.model as { preset?: string }).preset ?? 'custom prior'} on ${r.config.dataset.name}`,
      description: r.result ? `${(100 * r.result.testAccuracy).toFixed(2)}%` : '',
      detail: `${r.id} · ${r.config.training.epochs} epoch${r.config.training.epochs === 1 ? '' : 's'}${r.config.dataset.trainSubset ? ` on ${r.config.dataset.trainSubset} images` : ''}`,
      record: r,
    })), { title: 'I-MLP: the trained prior to interpolate toward', matchOnDetail: true });
    return pick ? info(pick.record) : undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof vscode.Uri);
}

function isNode<K extends 'experiment' | 'sweep' | 'run'>(v: unknown, kind: K): v is K extends 'experiment' ? ExperimentView : K extends 'sweep' ? SweepView : RunView {
  return isObject(v) && v.kind === kind;
}

