// Several results folders read as one: the shards of a sweep may have written to different folders
// (one per cluster, or copied back from nodes without a shared file system). Run ids are unique, so the
// same run met twice (a folder given twice, or copied into two places) is counted once.
import { resolve } from 'node:path';
import { ResultsStore } from '../results/store';
import type { RunSummary } from '../results/types';

export interface MergedResults {
  /** Every run folder, the first folder's copy of a run kept. */
  runs: RunSummary[];
  /** Runs per folder (after dropping duplicates), in the order given. */
  folders: { root: string; runs: number }[];
  /** Ids met in more than one folder. */
  duplicates: string[];
  /** The folder each kept run was read from. */
  rootOf: Map<string, string>;
}

export function mergeResults(roots: readonly string[]): MergedResults {
  const unique = [...new Set(roots.map((r) => resolve(r)))];
  const rootOf = new Map<string, string>();
  const runs: RunSummary[] = [];
  const duplicates = new Set<string>();
  const folders = unique.map((root) => {
    let n = 0;
    for (const s of new ResultsStore(root).listRuns()) {
      if (rootOf.has(s.id)) {
        duplicates.add(s.id);
        continue;
      }
      rootOf.set(s.id, root);
      runs.push(s);
      n++;
    }
    return { root, runs: n };
  });
  return { runs, folders, duplicates: [...duplicates].sort(), rootOf };
}
