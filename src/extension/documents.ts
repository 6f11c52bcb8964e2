// Read-only documents generated from the results store: a run's details (Show Run), a sweep's report
// (Open Results on a sweep) and several sweeps side by side (Compare Runs). They update while open.
import * as vscode from 'vscode';
import { percent, formatAlpha } from '../core/report/format';
import { reportText, summarizeSweeps } from '../core/report';
import { ResultsStore } from '../core/results/store';
import type { RunRecord } from '../core/results/types';
import { sweepMembers } from '../core/sweep/plan';
import type { RunsIndex } from './runsIndex';
import { duration, meanAccuracy, runWhat } from './runsModel';

export const RESULTS_SCHEME = 'imlp-results';

export function runDocUri(root: string, id: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RESULTS_SCHEME, path: `/run/${id}.md`, query: new URLSearchParams({ root }).toString() });
}

export function sweepDocUri(root: string, sweepIds: string[]): vscode.Uri {
  const name = sweepIds.length === 1 ? sweepIds[0]! : `compare-${sweepIds.length}-sweeps`;
  return vscode.Uri.from({ scheme: RESULTS_SCHEME, path: `/sweep/${name}.txt`, query: new URLSearchParams({ root, sweeps: sweepIds.join(',') }).toString() });
}

/** A run's details, as `imlp show` prints them, in Markdown. */
export function runMarkdown(store: ResultsStore, id: string): string {
  let record: RunRecord;
  try {
    record = store.openRun(id).record;
  } catch (err) {
    return `# Run ${id}\n\n${(err as Error).message}\n`;
  }
  const c = record.config;
  const acc = record.result ? `${percent(record.result.testAccuracy)}%` : '-';
  const lines = [
    `# ${record.name} — ${runWhat(record)}`,
    '',
    `| | |`,
    `|---|---|`,
    `| status | ${record.status}${record.error ? ` — ${record.error.replace(/\|/g, '\\|').replace(/\n/g, ' ')}` : ''} |`,
    `| test accuracy | ${acc}${record.result?.testAccuracyBeforeSync !== undefined ? ` (before the final sync ${percent(record.result.testAccuracyBeforeSync)}%, after ${percent(record.result.testAccuracyAfterSync!)}%)` : ''} |`,
    ...(record.alpha !== undefined ? [`| α | ${formatAlpha(record.alpha)} |`] : []),
    `| seed | ${record.seed} |`,
    `| role | ${record.role ?? 'run'} |`,
    `| experiment | ${c.name}${record.experimentFile ? ` (${record.experimentFile})` : ''} |`,
    `| dataset | ${c.dataset.name}${record.dataset ? ` from ${record.dataset.source}` : ''} |`,
    `| model | \`${JSON.stringify(c.model)}\` |`,
    ...(c.prior ? [`| prior | ${c.prior.preset ?? 'custom layers'}, ${c.prior.source} |`] : []),
    ...(c.interpolation ? [`| interpolation | ${c.interpolation.mode}, sync every ${c.interpolation.syncEvery}, schedule ${c.interpolation.schedule.kind} |`] : []),
    `| training | ${c.training.epochs} epochs, batch ${c.training.batchSize}, ${c.training.optimizer.name} lr ${c.training.optimizer.lr} |`,
    `| backend | ${record.backend ? `${record.backend.name} (${record.backend.reason})` : '-'} |`,
    `| progress | epoch ${record.progress.epoch}, global step ${record.progress.globalStep} |`,
    `| time | ${duration(record.timings.seconds) ?? '-'} |`,
    `| started | ${record.createdAt} |`,
    ...(record.sweepId ? [`| sweep | \`${record.sweepId}\` |`] : []),
    `| versions | imlp ${record.versions.imlp}, tfjs ${record.versions.tfjs}, node ${record.versions.node} |`,
    `| id | \`${record.id}\` |`,
    `| folder | ${store.runsDir}/${record.id} |`,
  ];
  try {
    const metrics = store.readMetrics(id);
    const evals = metrics.events.filter((e) => e.type === 'eval');
    if (evals.length > 0) {
      lines.push('', '## Evaluations', '', '| epoch | step | test accuracy | test loss |', '|---:|---:|---:|---:|');
      for (const e of evals) if (e.type === 'eval') lines.push(`| ${e.epoch + 1} | ${e.globalStep} | ${percent(e.testAccuracy)}% | ${e.testLoss.toFixed(4)} |`);
    }
    if (metrics.truncatedLastLine) lines.push('', '_The last metrics line was cut off (the run was killed); it was skipped._');
  } catch {
    // no metrics file yet
  }
  return lines.join('\n') + '\n';
}

/** A sweep's report: for an α sweep the engine's report (per-α table, references, fits); else the runs with their mean. */
export function sweepText(records: readonly RunRecord[], sweepIds: readonly string[]): string {
  const members = sweepIds.flatMap((id) => sweepMembers(records as RunRecord[], id));
  if (members.some((r) => r.config.model.kind === 'imlp')) return reportText(summarizeSweeps(members));
  return sweepIds.map((id) => {
    const runs = records.filter((r) => r.sweepId === id).sort((a, b) => a.seed - b.seed);
    const rows = runs.map((r) => `  seed ${String(r.seed).padEnd(4)} ${r.status.padEnd(10)} ${r.result ? `${percent(r.result.testAccuracy)}%` : '-'}  ${duration(r.timings.seconds) ?? ''}  ${r.id}`);
    return [`${runs[0]?.name ?? id} · ${id}`, '', ...rows, '', `Mean test accuracy: ${meanAccuracy(runs) ?? 'no finished run'}`].join('\n');
  }).join('\n\n') + '\n';
}

export class ResultsDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly index: RunsIndex) {
    this.subscription = index.onDidChange(() => {
      for (const d of vscode.workspace.textDocuments) if (d.uri.scheme === RESULTS_SCHEME) this.emitter.fire(d.uri);
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const q = new URLSearchParams(uri.query);
    const root = q.get('root') ?? '';
    const m = /^\/(run|sweep)\/(.+)\.(md|txt)$/.exec(uri.path);
    if (!m) return `Unknown document ${uri.toString()}\n`;
    if (m[1] === 'run') return runMarkdown(new ResultsStore(root), m[2]!);
    const sweeps = (q.get('sweeps') ?? m[2]!).split(',').filter(Boolean);
    return sweepText(this.index.records(root), sweeps);
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
