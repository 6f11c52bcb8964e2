// The code lenses of an experiment file, as plain data (pure: codeLens.ts turns them into CodeLenses).
// At the top: ▶ Run · Sweep α (N runs) · Open results · the last result (resolved lazily); on each α
// written in interpolation.alpha: Run α = x.
import { formatAlpha } from '../core/report/format';
import { ExperimentError, parseExperiment } from '../core/experiment/validate';
import type { ExperimentConfig } from '../core/experiment/types';
import { planSweep } from '../core/sweep/plan';
import { type Span, alphaSpans, parseJsonTree } from './jsonPaths';

export type LensKind = 'run' | 'sweep' | 'panel' | 'results' | 'last' | 'alpha' | 'problems';

export interface LensSpec extends Span {
  kind: LensKind;
  /** Empty for 'last': filled in when the lens is resolved. */
  title: string;
  command?: string;
  /** Arguments after the experiment file (which the adapter puts first). */
  args: unknown[];
  tooltip?: string;
}

/** Runs a sweep of this config trains: the frozen prior (when it is trained) plus every planned run. */
export function plannedRuns(config: ExperimentConfig): number {
  const plan = planSweep(config);
  return plan.runs.length + (plan.prior ? 1 : 0);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export interface FileLenses {
  lenses: LensSpec[];
  /** The validated config, when the file is valid. */
  config?: ExperimentConfig;
  /** Problems of an invalid file. */
  problems: number;
}

export function experimentLenses(text: string, file: string): FileLenses {
  let config: ExperimentConfig | undefined;
  let problems = 0;
  try {
    config = parseExperiment(text, file);
  } catch (err) {
    if (!(err instanceof ExperimentError)) throw err;
    problems = err.problems.length;
  }
  // At the top of the file (the first line), so they are found in the same place in every file.
  const top: Span = { offset: 0, length: 0 };
  const lenses: LensSpec[] = [];
  lenses.push({ ...top, kind: 'run', title: '▶ Run', command: 'imlp.run', args: [], tooltip: 'Train every run of this experiment (a new set of runs) in a worker thread' });
  if (config) {
    const n = plannedRuns(config);
    lenses.push({
      ...top, kind: 'sweep', title: `Sweep α (${plural(n, 'run')})`, command: 'imlp.sweep', args: [],
      tooltip: config.interpolation
        ? `${config.interpolation.alphas.length} α × ${config.training.seeds.length} seeds plus the reference runs; finished runs are skipped, interrupted ones resumed`
        : `${plural(config.training.seeds.length, 'seed')}; finished runs are skipped, interrupted ones resumed`,
    });
  } else {
    lenses.push({ ...top, kind: 'problems', title: `$(warning) ${plural(problems, 'problem')}`, command: 'workbench.actions.view.problems', args: [], tooltip: 'Fix the problems to run this experiment' });
  }
  lenses.push({ ...top, kind: 'panel', title: 'Open panel', command: 'imlp.openPanel', args: [], tooltip: 'Live loss, the α schedule and accuracy versus α for this experiment' });
  lenses.push({ ...top, kind: 'results', title: 'Open results', command: 'imlp.openResults', args: [], tooltip: "Open this experiment's latest results" });
  lenses.push({ ...top, kind: 'last', title: '', args: [] });
  for (const a of alphaSpans(parseJsonTree(text))) {
    lenses.push({ offset: a.offset, length: a.length, kind: 'alpha', title: `Run α = ${formatAlpha(a.alpha)}`, command: 'imlp.runAlpha', args: [a.alpha], tooltip: `Train the seeds of α = ${formatAlpha(a.alpha)} in this experiment's sweep` });
  }
  return { lenses, ...(config ? { config } : {}), problems };
}
