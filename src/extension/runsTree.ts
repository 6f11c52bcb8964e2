// The Runs view (imlp.runs): experiments → sweeps → runs of the workspace's results stores, with
// status icons, accuracy, α, seed and duration. It rebuilds from RunsIndex (file watchers) and from
// the runner's live progress.
import * as vscode from 'vscode';
import type { RunsIndex } from './runsIndex';
import { type ExperimentView, type RunContext, type RunView, type SweepView, groupRuns } from './runsModel';

export type RunsNode = ExperimentView | SweepView | RunView;

function icon(i: { id: string; color?: string }): vscode.ThemeIcon {
  return i.color ? new vscode.ThemeIcon(i.id, new vscode.ThemeColor(i.color)) : new vscode.ThemeIcon(i.id);
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private tree?: ExperimentView[];
  private readonly parents = new Map<RunsNode, RunsNode>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly index: RunsIndex, private readonly ctx: RunContext, onLive: vscode.Event<void>) {
    this.subscriptions = [index.onDidChange(() => this.refresh()), onLive(() => this.refresh())];
  }

  refresh(): void {
    this.tree = undefined;
    this.emitter.fire(undefined);
  }

  /** The current tree (built on demand from the index). */
  experiments(): ExperimentView[] {
    if (!this.tree) {
      this.parents.clear();
      this.tree = this.index.roots().flatMap((root) => groupRuns(this.index.get(root), root, this.ctx));
      for (const e of this.tree) {
        for (const s of e.sweeps) {
          this.parents.set(s, e);
          for (const r of s.runs) this.parents.set(r, s);
        }
      }
    }
    return this.tree;
  }

  /** Every run shown, for pickers. */
  runs(): RunView[] {
    return this.experiments().flatMap((e) => e.sweeps.flatMap((s) => s.runs));
  }

  sweeps(): SweepView[] {
    return this.experiments().flatMap((e) => e.sweeps);
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) return this.experiments();
    if (node.kind === 'experiment') return node.sweeps;
    if (node.kind === 'sweep') return node.runs;
    return [];
  }

  getParent(node: RunsNode): RunsNode | undefined {
    this.experiments();
    return this.parents.get(node);
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    if (node.kind === 'experiment') {
      const first = this.experiments()[0] === node;
      const item = new vscode.TreeItem(node.label, first ? C.Expanded : C.Collapsed);
      item.id = `exp:${node.key}`;
      item.description = node.description;
      item.tooltip = new vscode.MarkdownString(node.tooltip);
      item.iconPath = new vscode.ThemeIcon('beaker');
      item.contextValue = node.file ? 'imlpExperiment.file' : 'imlpExperiment';
      if (node.file) item.resourceUri = vscode.Uri.file(node.file);
      return item;
    }
    if (node.kind === 'sweep') {
      const parent = this.parents.get(node) as ExperimentView | undefined;
      const expanded = parent?.sweeps[0] === node || node.contextValue.includes('.running');
      const item = new vscode.TreeItem(node.label, expanded ? C.Expanded : C.Collapsed);
      item.id = `sweep:${node.key}`;
      item.description = node.description;
      item.tooltip = new vscode.MarkdownString(node.tooltip);
      item.iconPath = icon(node.icon);
      item.contextValue = node.contextValue;
      return item;
    }
    const item = new vscode.TreeItem(node.label, C.None);
    item.id = `run:${node.root}|${node.id}`;
    item.description = node.description;
    item.tooltip = new vscode.MarkdownString(node.tooltip);
    item.iconPath = icon(node.icon);
    item.contextValue = node.contextValue;
    item.command = node.status === 'damaged'
      ? { title: 'Reveal', command: 'imlp.revealRun', arguments: [node] }
      : { title: 'Show Run', command: 'imlp.showRun', arguments: [node] };
    return item;
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.emitter.dispose();
  }
}
