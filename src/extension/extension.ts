// The VS Code extension: code lenses, diagnostics and commands on *.imlp.json, the Runs view, the
// status bar and the log. Training runs only in worker threads (dist/worker.js, next to this bundle);
// this bundle contains no TensorFlow.js (esbuild.mjs checks that).
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RunRecord } from '../core/results/types';
import { registerCluster } from './cluster';
import { ExperimentCodeLensProvider } from './codeLens';
import { COMMAND_IDS, Commands } from './commands';
import { DownloadDatasetActions, ExperimentDiagnostics } from './diagnostics';
import { RESULTS_SCHEME, ResultsDocuments } from './documents';
import { registerHovers } from './hover';
import { Panels } from './panel/panels';
import { Runner } from './runner';
import { trainingElsewhere } from './resultsLocations';
import { RunsIndex } from './runsIndex';
import type { RunContext } from './runsModel';
import { RunsTreeProvider } from './runsTree';
import { registerWalkthrough } from './walkthrough';

/** What activate returns (extensions.getExtension(...).exports), for tests and other extensions. */
export interface ImlpApi {
  commandIds: readonly string[];
  log: vscode.LogOutputChannel;
  index: RunsIndex;
  runner: Runner;
  tree: RunsTreeProvider;
  lenses: ExperimentCodeLensProvider;
  diagnostics: ExperimentDiagnostics;
  statusBar: vscode.StatusBarItem;
  panels: Panels;
}

const EXPERIMENT_FILES: vscode.DocumentSelector = [{ scheme: 'file', pattern: '**/*.imlp.json' }];

/** Whether the process that marked a run "running" is still alive (this host's runs: whether this window trains it). */
export function processAlive(record: RunRecord, trainsHere: (id: string) => boolean): boolean {
  if (record.pid === undefined) return false;
  if (record.pid === process.pid) return trainsHere(record.id);
  try {
    process.kill(record.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function activate(context: vscode.ExtensionContext): ImlpApi {
  const log = vscode.window.createOutputChannel('I-MLP Lab', { log: true });
  const version = (context.extension?.packageJSON as { version?: string } | undefined)?.version ?? '';
  log.info(`I-MLP Lab ${version} activated (VS Code ${vscode.version}, Node ${process.versions.node}, ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted: training and downloads are off'} workspace)`);

  const index = new RunsIndex(log);
  const statusBar = vscode.window.createStatusBarItem('imlp.training', vscode.StatusBarAlignment.Left, 10);
  statusBar.name = 'I-MLP training';
  const runner = new Runner(join(__dirname, 'worker.js'), log, statusBar, index);
  const runContext: RunContext = {
    // A shard training on a cluster node into a shared folder has no process here, but its metrics grow.
    isAlive: (r) => processAlive(r, (id) => runner.isActive(id)) || (r.pid !== process.pid && trainingElsewhere(index.rootOfRun(r.id), r.id)),
    live: (id) => runner.live(id),
  };

  const tree = new RunsTreeProvider(index, runContext, runner.onDidChange);
  const view = vscode.window.createTreeView('imlp.runs', { treeDataProvider: tree, showCollapseAll: true });
  const updateBadge = () => {
    const training = tree.runs().filter((r) => r.status === 'running').length;
    view.badge = training ? { value: training, tooltip: `${training} run${training === 1 ? '' : 's'} training` } : undefined;
  };

  const lenses = new ExperimentCodeLensProvider(index, runContext);
  const diagnostics = new ExperimentDiagnostics(log);
  const docs = new ResultsDocuments(index);
  const panels = new Panels(context.extensionUri, index, runner, runContext, log);
  const commands = new Commands({ context, log, index, runner, tree, diagnostics, runContext, panels });

  context.subscriptions.push(
    log, index, statusBar, runner, tree, view, lenses, diagnostics, docs, panels,
    vscode.languages.registerCodeLensProvider(EXPERIMENT_FILES, lenses),
    vscode.languages.registerCodeActionsProvider(EXPERIMENT_FILES, new DownloadDatasetActions(), { providedCodeActionKinds: DownloadDatasetActions.kinds }),
    vscode.workspace.registerTextDocumentContentProvider(RESULTS_SCHEME, docs),
    registerHovers(EXPERIMENT_FILES),
    ...registerWalkthrough(context, log),
    ...registerCluster({ log, index, cliPath: join(__dirname, 'cli.js'), version }, EXPERIMENT_FILES),
    ...commands.register(),
    index.onDidChange(updateBadge),
    runner.onDidChange(updateBadge),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('imlp.resultsDirectory')) {
        index.reset();
        tree.refresh();
      }
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      index.reset();
      tree.refresh();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => log.info('the workspace is now trusted: experiments can run')),
  );
  diagnostics.checkAll();

  return { commandIds: COMMAND_IDS, log, index, runner, tree, lenses, diagnostics, statusBar, panels };
}

export function deactivate(): void {
  // Disposing the runner (a subscription) cancels what trains; its workers save their checkpoints.
}
