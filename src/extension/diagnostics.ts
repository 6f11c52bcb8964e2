// Diagnostics for *.imlp.json (collection "imlp"): the validator's problems placed on their fields,
// plus what the schema cannot see (a dataset not on this machine, with a quick fix that downloads
// it; a prior whose I-MLP does not fit in the memory budget). Checked on open, on save, and while
// typing (debounced). Read-only, so it works in untrusted workspaces too.
import * as vscode from 'vscode';
import { REGISTRY } from '../core/data/registry';
import type { DatasetName } from '../core/experiment/types';
import { type FileProblem, fileProblems } from './checks';
import { folderOf, isExperimentPath, settingsFor } from './config';
import { dataCacheDir, effectiveConfig, runMemoryBudget } from './settings';
import type { ExperimentConfig } from '../core/experiment/types';

const DEBOUNCE_MS = 400;
export const DIAGNOSTIC_SOURCE = 'I-MLP';

const SEVERITY: Record<FileProblem['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** A diagnostic that remembers which dataset its quick fix downloads. */
export class ImlpDiagnostic extends vscode.Diagnostic {
  dataset?: DatasetName;
}

export function isExperimentDocument(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === 'file' && isExperimentPath(doc.uri.path);
}

export class ExperimentDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('imlp');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((d) => this.check(d, 0)),
      vscode.workspace.onDidSaveTextDocument((d) => this.check(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.check(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        clearTimeout(this.timers.get(d.uri.toString()));
        this.collection.delete(d.uri);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('imlp')) this.checkAll();
      }),
    ];
  }

  /** Re-checks every open experiment file (after a download, a settings change). */
  checkAll(): void {
    for (const d of vscode.workspace.textDocuments) this.check(d, 0);
  }

  check(doc: vscode.TextDocument, delay: number): void {
    if (!isExperimentDocument(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.update(doc);
    }, delay));
  }

  /** Computes and publishes the diagnostics of one document; returns them (tests await this). */
  async update(doc: vscode.TextDocument): Promise<vscode.Diagnostic[]> {
    const version = doc.version;
    const settings = settingsFor(doc.uri);
    const folder = folderOf(doc.uri);
    const budgetBytes = (config: ExperimentConfig): number | undefined => {
      try {
        return runMemoryBudget(settings, effectiveConfig(config, settings).backend);
      } catch (err) {
        this.log.warn(`${(err as Error).message} The memory check of ${doc.uri.fsPath} is skipped.`);
        return undefined;
      }
    };
    let problems: FileProblem[];
    try {
      problems = await fileProblems(doc.getText(), doc.uri.fsPath, { budgetBytes, cacheDir: dataCacheDir(settings, folder) });
    } catch (err) {
      this.log.error(`checking ${doc.uri.fsPath} failed: ${(err as Error).stack ?? err}`);
      return [];
    }
    if (doc.isClosed || doc.version !== version) return [];
    const diagnostics = problems.map((p) => {
      const d = new ImlpDiagnostic(new vscode.Range(doc.positionAt(p.offset), doc.positionAt(p.offset + p.length)), p.message, SEVERITY[p.severity]);
      d.source = DIAGNOSTIC_SOURCE;
      d.code = p.code;
      if (p.dataset) d.dataset = p.dataset;
      return d;
    });
    this.collection.set(doc.uri, diagnostics);
    return diagnostics;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.subscriptions.forEach((s) => s.dispose());
    this.collection.dispose();
  }
}

/** The quick fix of a missing dataset: download it (imlp.downloadDataset). */
export class DownloadDatasetActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (d.source !== DIAGNOSTIC_SOURCE || d.code !== 'dataset-missing') continue;
      const name = (d as ImlpDiagnostic).dataset ?? datasetFromMessage(d.message);
      if (!name) continue;
      const action = new vscode.CodeAction(`Download ${REGISTRY[name].title}`, vscode.CodeActionKind.QuickFix);
      action.command = { title: action.title, command: 'imlp.downloadDataset', arguments: [name, document.uri] };
      action.diagnostics = [d];
      action.isPreferred = true;
      out.push(action);
    }
    return out;
  }
}

/** Diagnostics can come back as plain objects (e.g. from another window); find the dataset by its title. */
function datasetFromMessage(message: string): DatasetName | undefined {
  return (Object.keys(REGISTRY) as DatasetName[]).find((n) => message.startsWith(REGISTRY[n].title));
}
