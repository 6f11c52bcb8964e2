// The results stores the window shows, read once and kept fresh by file-system watchers on
// runs/*/run.json, so runs written by the CLI (or another window) appear while they train.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import { ResultsStore } from '../core/results/store';
import type { RunRecord, RunSummary } from '../core/results/types';
import { workspaceRoots } from './config';
import { configuredLocations } from './resultsLocations';

const DEBOUNCE_MS = 250;
/**
 * VS Code's watcher reports only the top folder when a tree of folders appears at once (a first
 * `.imlp/runs/<id>/` made by the CLI), so the stores are also polled: a stat per run, cheap.
 */
const POLL_MS = 2000;

export class RunsIndex implements vscode.Disposable {
  private readonly cache = new Map<string, RunSummary[]>();
  private readonly watchers = new Map<string, vscode.Disposable[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly emitter = new vscode.EventEmitter<string>();
  /** Fires with the results root whose runs changed. */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** The workspace folders' stores and the extra imlp.resultsLocations (what the Runs view shows). */
  roots(): string[] {
    return [...new Set([...workspaceRoots().map((r) => r.root), ...this.locations()])];
  }

  private extra?: string[];
  /** imlp.resultsLocations, resolved; read once until reset() (a change of settings or workspace folders). */
  locations(): string[] {
    return (this.extra ??= configuredLocations());
  }

  /** A store's runs with those of the extra locations (the panel of an experiment whose shards ran elsewhere); a run id met twice counts once. */
  withLocations(root: string): RunSummary[] {
    const seen = new Set<string>();
    return [root, ...this.locations()].flatMap((r) => this.get(r).filter((s) => !seen.has(s.id) && seen.add(s.id)));
  }

  /** The runs of a store, newest first; read on first use, then kept up to date. */
  get(root: string): RunSummary[] {
    let runs = this.cache.get(root);
    if (!runs) {
      runs = this.read(root);
      this.cache.set(root, runs);
      this.watch(root);
    }
    return runs;
  }

  records(root: string): RunRecord[] {
    return this.get(root).flatMap((s) => (s.damaged ? [] : [s.record]));
  }

  /** The store holding a run, among the known ones. */
  rootOfRun(id: string): string | undefined {
    for (const root of new Set([...this.roots(), ...this.cache.keys()])) if (this.get(root).some((s) => s.id === id)) return root;
    return undefined;
  }

  /** Re-reads a store (all when none is given) after a short pause that gathers bursts of file events. */
  refresh(root?: string, now = false): void {
    const roots = root ? [root] : [...new Set([...this.cache.keys(), ...this.roots()])];
    for (const r of roots) {
      clearTimeout(this.timers.get(r));
      const run = () => {
        this.timers.delete(r);
        this.cache.set(r, this.read(r));
        this.watch(r);
        this.emitter.fire(r);
      };
      if (now) run();
      else this.timers.set(r, setTimeout(run, DEBOUNCE_MS));
    }
  }

  /** The settings changed: forget stores no longer shown and read the new ones. */
  reset(): void {
    this.extra = undefined;
    for (const d of this.watchers.values()) d.forEach((x) => x.dispose());
    this.watchers.clear();
    this.cache.clear();
    this.emitter.fire('');
  }

  private read(root: string): RunSummary[] {
    try {
      return new ResultsStore(root).listRuns();
    } catch (err) {
      this.log.warn(`could not list the runs in ${root}: ${(err as Error).message}`);
      return [];
    }
  }

  private watch(root: string): void {
    if (this.watchers.has(root)) return;
    const patterns: vscode.RelativePattern[] = [];
    // Inside a workspace folder, watch through the folder: the store may not exist yet.
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file' && isInside(root, f.uri.fsPath));
    const base = folder ? relative(folder.uri.fsPath, root).split(sep).join('/') : '';
    const prefix = base ? `${base}/` : '';
    for (const glob of ['runs/*/run.json', 'runs/*']) {
      patterns.push(new vscode.RelativePattern(folder ?? vscode.Uri.file(root), `${prefix}${glob}`));
    }
    const disposables: vscode.Disposable[] = [];
    for (const pattern of patterns) {
      try {
        const w = vscode.workspace.createFileSystemWatcher(pattern);
        const changed = () => this.refresh(root);
        disposables.push(w, w.onDidCreate(changed), w.onDidChange(changed), w.onDidDelete(changed));
      } catch (err) {
        this.log.warn(`cannot watch ${root} for new runs (${(err as Error).message}); the Runs view refreshes after runs started here`);
      }
    }
    let last = signature(root);
    const poll = setInterval(() => {
      const now = signature(root);
      if (now !== last) this.refresh(root);
      last = now;
    }, POLL_MS);
    poll.unref();
    disposables.push({ dispose: () => clearInterval(poll) });
    this.watchers.set(root, disposables);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.watchers.values()) d.forEach((x) => x.dispose());
    this.emitter.dispose();
  }
}

/** The run folders of a store and their run.json modification times. */
function signature(root: string): string {
  const runs = join(root, 'runs');
  try {
    return readdirSync(runs).map((id) => {
      try {
        return `${id}:${statSync(join(runs, id, 'run.json')).mtimeMs}`;
      } catch {
        return id;
      }
    }).join('|');
  } catch {
    return '';
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel));
}
