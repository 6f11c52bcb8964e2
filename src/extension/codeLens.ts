// Code lenses on *.imlp.json: ▶ Run · Sweep α (N runs) · Open results · the last result, and
// "Run α = x" on each α. provideCodeLenses only parses the file (fast); the last result is looked
// up when the lens is resolved. imlp.codeLens.enabled turns them off.
import * as vscode from 'vscode';
import { experimentLenses, type LensSpec } from './lensModel';
import { settingsFor, resultsRootOf } from './config';
import type { RunsIndex } from './runsIndex';
import { type RunContext, lastResult, ofExperiment } from './runsModel';

class ExperimentLens extends vscode.CodeLens {
  constructor(range: vscode.Range, readonly spec: LensSpec, readonly uri: vscode.Uri, readonly name: string) {
    super(range, spec.command ? { title: spec.title, command: spec.command, arguments: [uri, ...spec.args], ...(spec.tooltip ? { tooltip: spec.tooltip } : {}) } : undefined);
  }
}

export class ExperimentCodeLensProvider implements vscode.CodeLensProvider<ExperimentLens>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly index: RunsIndex, private readonly ctx: RunContext) {
    this.subscriptions = [
      index.onDidChange(() => this.emitter.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('imlp')) this.emitter.fire();
      }),
    ];
  }

  refresh(): void {
    this.emitter.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): ExperimentLens[] {
    if (!settingsFor(document.uri).codeLensEnabled || document.uri.scheme !== 'file') return [];
    const file = document.uri.fsPath;
    const { lenses, config } = experimentLenses(document.getText(), file);
    const name = config?.name ?? '';
    const hasResults = config ? this.index.records(resultsRootOf(document.uri)).some((r) => ofExperiment(r, file, name)) : false;
    return lenses
      .filter((l) => l.kind !== 'last' || hasResults)
      .map((l) => new ExperimentLens(new vscode.Range(document.positionAt(l.offset), document.positionAt(l.offset + l.length)), l, document.uri, name));
  }

  resolveCodeLens(lens: ExperimentLens): ExperimentLens {
    if (lens.spec.kind !== 'last' || lens.command) return lens;
    const last = lastResult(this.index.records(resultsRootOf(lens.uri)), lens.uri.fsPath, lens.name, this.ctx);
    lens.command = last
      ? { title: last.title, tooltip: last.tooltip, command: 'imlp.openResults', arguments: [lens.uri] }
      : { title: 'No results yet', command: 'imlp.openResults', arguments: [lens.uri] };
    return lens;
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.emitter.dispose();
  }
}
