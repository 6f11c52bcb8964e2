// imlp.resultsLocations: results folders shown beside the workspace's own, e.g. where the shards of a
// cluster sweep write (a mounted cluster file system, a folder synced from a cluster). The Runs view and
// the panel read them through RunsIndex, which keeps them fresh by polling, so runs appear and finish
// there as the shards progress.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { expandPath } from './settings';

export const RESULTS_LOCATIONS = 'resultsLocations';

/** The setting's folders, absolute: relative ones from `folder` (the workspace folder), "~" from home. */
export function resolveLocations(value: unknown, folder: string): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const v of value) {
    if (typeof v !== 'string' || !v.trim()) continue;
    const abs = expandPath(v.trim(), folder);
    if (!out.includes(abs)) out.push(abs);
  }
  return out;
}

/** Every configured location of every workspace folder (each folder's setting is relative to it). */
export function configuredLocations(): string[] {
  const out = new Set<string>();
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  for (const f of folders) {
    for (const l of resolveLocations(vscode.workspace.getConfiguration('imlp', f.uri).get(RESULTS_LOCATIONS), f.uri.fsPath)) out.add(l);
  }
  // No folder open: absolute entries of the user setting still apply.
  if (folders.length === 0) {
    for (const l of resolveLocations(vscode.workspace.getConfiguration('imlp').get(RESULTS_LOCATIONS), process.cwd())) out.add(l);
  }
  return [...out];
}

/** A run writes metrics.jsonl at least every half second while it trains (results/metrics.ts). */
export const TRAINING_ELSEWHERE_MS = 120_000;

/**
 * Whether a run marked running is training on another machine: its process is not one of this machine's,
 * but its metrics file grew recently. Without this, a shard training on a cluster node would show as
 * interrupted (and resumable) in an editor on the login node.
 */
export function trainingElsewhere(root: string | undefined, runId: string, now = Date.now()): boolean {
  if (!root) return false;
  try {
    return now - statSync(join(root, 'runs', runId, 'metrics.jsonl')).mtimeMs < TRAINING_ELSEWHERE_MS;
  } catch {
    return false;
  }
}
