// The open experiment panels: one per target, revealed rather than duplicated, restored after a window
// reload by a serializer (the page keeps its target with setState; no retainContextWhenHidden), and
// fed by the results store's changes and this window's training events.
import * as vscode from 'vscode';
import { sweepIds } from '../../core/sweep/plan';
import { type ChartId, type ExportFormat, isPanelTarget, type PanelTarget } from '../../shared/protocol';
import { resultsRootOf } from '../config';
import type { Runner } from '../runner';
import type { RunsIndex } from '../runsIndex';
import { type RunContext, sweepPickItem } from '../runsModel';
import { ExperimentPanel } from './experimentPanel';
import { panelHtml } from './panelHtml';
import { targetKey } from './panelView';

export const PANEL_VIEW_TYPE = 'imlp.panel';

export class Panels implements vscode.Disposable {
  private readonly panels = new Map<string, ExperimentPanel>();
  private lastActive?: ExperimentPanel;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly index: RunsIndex,
    private readonly runner: Runner,
    private readonly runContext: RunContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables = [
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const { target, picked } = (state ?? {}) as { target?: unknown; picked?: unknown };
          if (!isPanelTarget(target)) {
            this.log.warn('panel: a restored panel had no valid target in its saved state; closing it');
            panel.dispose();
            return;
          }
          // The run the user had chosen in the table is chosen again (if it still exists).
          this.attach(panel, target).restoreSelection(typeof picked === 'string' ? picked : null);
        },
      }),
      index.onDidChange((root) => {
        // The extra imlp.resultsLocations feed every panel (a cluster's shards of the panel's sweep).
        const extra = root !== '' && this.index.locations().includes(root);
        for (const p of this.panels.values()) if (root === '' || root === p.root || extra) p.refresh();
      }),
      runner.onDidTrainEvent((e) => {
        for (const p of this.panels.values()) p.onTrainEvent(e);
      }),
    ];
  }

  private get assetsRoot(): vscode.Uri {
    return vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
  }

  /** Shows the target's panel, creating it when none is open. */
  show(target: PanelTarget, column: vscode.ViewColumn = vscode.ViewColumn.Active, preserveFocus = false): ExperimentPanel {
    const open = this.panels.get(targetKey(target));
    if (open) {
      open.panel.reveal(column, preserveFocus);
      return open;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'I-MLP', { viewColumn: column, preserveFocus }, {
      enableScripts: true,
      localResourceRoots: [this.assetsRoot],
    });
    return this.attach(panel, target);
  }

  private attach(panel: vscode.WebviewPanel, target: PanelTarget): ExperimentPanel {
    panel.webview.options = { enableScripts: true, localResourceRoots: [this.assetsRoot] };
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'imlp.svg');
    const asset = (name: string) => panel.webview.asWebviewUri(vscode.Uri.joinPath(this.assetsRoot, name)).toString();
    const html = panelHtml({ cspSource: panel.webview.cspSource, script: asset('main.js'), styles: [asset('uPlot.min.css'), asset('panel.css')] }, 'I-MLP');
    const p = new ExperimentPanel(panel, target, html, {
      log: this.log,
      rootOf: (t) => (t.kind === 'experiment' ? resultsRootOf(vscode.Uri.file(t.file)) : t.root),
      summaries: (root) => this.index.withLocations(root),
      rootOfRun: (id) => this.index.rootOfRun(id),
      reread: (root) => this.index.refresh(root, true),
      isAlive: (r) => this.runContext.isAlive(r),
      trainsHere: (id) => this.runner.isActive(id),
      pickSweeps: (root, shown) => this.pickSweeps(root, shown),
    });
    const key = targetKey(target);
    this.panels.get(key)?.dispose();
    this.panels.set(key, p);
    this.lastActive = p;
    panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) this.lastActive = p;
    });
    p.onDidDispose(() => {
      if (this.panels.get(key) === p) this.panels.delete(key);
      if (this.lastActive === p) this.lastActive = undefined;
    });
    return p;
  }

  /** The panel the export command works on: the focused one, else the last one focused. */
  active(): ExperimentPanel | undefined {
    for (const p of this.panels.values()) if (p.panel.active) return p;
    return this.lastActive ?? [...this.panels.values()][0];
  }

  async exportChart(chart: ChartId, format: ExportFormat, target?: string): Promise<string | undefined> {
    const p = this.active();
    if (!p) throw new Error('no experiment panel is open: open one with "I-MLP: Open Panel"');
    return p.export(chart, format, target);
  }

  private async pickSweeps(root: string, shown: readonly string[]): Promise<string[]> {
    const records = this.index.records(root);
    const items = sweepIds(records).filter((id) => !shown.includes(id)).map((id) => sweepPickItem(records, id));
    if (items.length === 0) {
      void vscode.window.showInformationMessage('I-MLP: no other α sweep in this results store to compare with.');
      return [];
    }
    const picked = await vscode.window.showQuickPick(items, { title: 'I-MLP: overlay sweeps on accuracy versus α', canPickMany: true, matchOnDescription: true });
    return picked?.map((p) => p.id) ?? [];
  }

  dispose(): void {
    for (const p of this.panels.values()) p.dispose();
    this.panels.clear();
    for (const d of this.disposables) d.dispose();
  }
}
