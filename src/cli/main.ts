// The `imlp` command: a thin shell around the engine in src/core.
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import pkg from '../../package.json';
import { initBackend } from '../core/backend';
import { loadDataset } from '../core/data';
import { ExperimentError, formatProblems, loadExperiment } from '../core/experiment/validate';
import type { BackendChoice, ExperimentConfig } from '../core/experiment/types';
import { executeRun } from '../core/run';
import { ResultsStore } from '../core/results/store';
import type { RunRecord } from '../core/results/types';
import { type Reporter, jsonReporter, plainReporter, ttyReporter } from './progress';

const EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;

const log = (line: string) => process.stderr.write(line + '\n');

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

const pct = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(2)}%`);

function summaryLine(r: RunRecord): string {
  const acc = r.result ? ` test accuracy ${pct(r.result.testAccuracy)}` : '';
  return `${r.id}  ${r.status}${acc}  seed ${r.seed}${r.alpha === undefined ? '' : `  α ${r.alpha}`}`;
}

/** Turns Ctrl-C into a cancel at the next step boundary; a second Ctrl-C quits at once. */
function cancelOnSigint(quiet: boolean): AbortController {
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(EXIT.cancelled);
    if (!quiet) log('\ncancelling at the next step (the run keeps what it has done; Ctrl-C again quits now)…');
    controller.abort();
  });
  return controller;
}

interface RunFlags { seed?: number[]; backend?: BackendChoice; dataDir?: string; results: string; resume?: string; json?: boolean }

async function runCommand(file: string | undefined, flags: RunFlags): Promise<number> {
  const store = new ResultsStore(resolve(flags.results));
  let config: ExperimentConfig;
  let seeds: number[];
  let resumeRecord: RunRecord | undefined;
  if (flags.resume) {
    resumeRecord = store.openRun(flags.resume).record;
    if (resumeRecord.status === 'finished') {
      log(`run ${flags.resume} already finished (test accuracy ${pct(resumeRecord.result?.testAccuracy)}); nothing to resume`);
      return EXIT.ok;
    }
    config = resumeRecord.config;
    seeds = [resumeRecord.seed];
  } else {
    if (!file) throw new InvalidArgumentError('give an experiment file (imlp run examples/quick.imlp.json) or --resume <run-id>');
    config = await loadExperiment(file);
    seeds = flags.seed ?? config.training.seeds;
  }
  if (flags.backend) config = { ...config, backend: flags.backend };
  if (flags.dataDir) config = { ...config, dataset: { ...config.dataset, dataDir: resolve(flags.dataDir) } };

  const backend = await initBackend(config.backend, flags.json ? undefined : log);
  const data = await loadDataset(config.dataset, { log: flags.json ? undefined : log });

  const controller = cancelOnSigint(Boolean(flags.json));
  const reporter: Reporter = flags.json ? jsonReporter() : process.stderr.isTTY ? ttyReporter(log, config.training.epochs) : plainReporter(log);
  const records: RunRecord[] = [];
  try {
    for (const seed of seeds) {
      if (controller.signal.aborted) break;
      const record = await executeRun({
        store, config, seed, data, backend, experimentFile: file ? resolve(file) : resumeRecord?.experimentFile,
        resumeId: resumeRecord?.id, signal: controller.signal, onEvent: (e, r) => reporter.event(e, r.id),
      });
      records.push(record);
    }
  } finally {
    reporter.stop();
  }
  if (!flags.json) {
    for (const r of records) {
      process.stdout.write(summaryLine(r) + '\n');
      if (r.status === 'cancelled') log(`resume with: imlp run --resume ${r.id}${flags.results === '.imlp' ? '' : ` --results ${flags.results}`}`);
      if (r.status === 'failed') log(`run ${r.id} failed: ${r.error}`);
    }
  }
  if (records.some((r) => r.status === 'failed')) return EXIT.failed;
  if (controller.signal.aborted) return EXIT.cancelled;
  return EXIT.ok;
}

async function validateCommand(files: string[], flags: { json?: boolean }): Promise<number> {
  let bad = 0;
  const results: Array<{ file: string; ok: boolean; problems?: unknown }> = [];
  for (const file of files) {
    try {
      await loadExperiment(file);
      results.push({ file, ok: true });
      if (!flags.json) process.stdout.write(`${file}: ok\n`);
    } catch (err) {
      if (!(err instanceof ExperimentError)) throw err;
      bad++;
      results.push({ file, ok: false, problems: err.problems });
      if (!flags.json) process.stdout.write(formatProblems(err) + '\n');
    }
  }
  if (flags.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  return bad ? EXIT.usage : EXIT.ok;
}

function listCommand(flags: { results: string; json?: boolean }): number {
  const runs = new ResultsStore(resolve(flags.results)).listRuns();
  if (flags.json) {
    process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
    return EXIT.ok;
  }
  if (runs.length === 0) log(`no runs in ${resolve(flags.results)}; start one with: imlp run examples/quick.imlp.json`);
  for (const r of runs) process.stdout.write(r.damaged ? `${r.id}  damaged: ${r.reason}\n` : summaryLine(r.record) + '\n');
  return EXIT.ok;
}

function showCommand(id: string, flags: { results: string; json?: boolean }): number {
  const store = new ResultsStore(resolve(flags.results));
  const record = store.openRun(id).record;
  const metrics = store.readMetrics(id);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ record, metrics: { events: metrics.events.length, truncatedLastLine: metrics.truncatedLastLine, badLines: metrics.badLines } }, null, 2) + '\n');
    return EXIT.ok;
  }
  const c = record.config;
  const lines = [
    summaryLine(record),
    `experiment  ${c.name}${record.experimentFile ? ` (${record.experimentFile})` : ''}`,
    `dataset     ${c.dataset.name}${record.dataset ? ` from ${record.dataset.source}` : ''}`,
    `model       ${JSON.stringify(c.model)}`,
    `training    ${c.training.epochs} epochs, batch ${c.training.batchSize}, ${c.training.optimizer.name} lr ${c.training.optimizer.lr}`,
    `backend     ${record.backend ? `${record.backend.name} (${record.backend.reason})` : '-'}`,
    `progress    epoch ${record.progress.epoch}, global step ${record.progress.globalStep}`,
    `time        ${record.timings.seconds?.toFixed(1) ?? '-'} s`,
    `versions    imlp ${record.versions.imlp}, tfjs ${record.versions.tfjs}, node ${record.versions.node}`,
  ];
  for (const e of metrics.events) if (e.type === 'eval') lines.push(`  epoch ${e.epoch + 1} step ${e.globalStep}: test accuracy ${pct(e.testAccuracy)}, loss ${e.testLoss.toFixed(4)}`);
  if (record.error) lines.push(`error       ${record.error}`);
  if (metrics.truncatedLastLine) lines.push('note        the last metrics line was cut off (the run was killed); it was skipped');
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT.ok;
}

export function program(): Command {
  const cmd = new Command('imlp')
    .description('I-MLP Lab: Interpolated-MLP inductive-bias experiments (train, sweep α, report)')
    .version(pkg.version)
    .showHelpAfterError();
  const results = () => new Option('--results <dir>', 'results folder').default('.imlp');
  const json = () => new Option('--json', 'machine-readable output on stdout');

  cmd.command('run')
    .description('train the runs of an experiment file (one per seed), or resume a run')
    .argument('[file]', 'experiment file (*.imlp.json)')
    .option('--seed <n...>', 'seeds to run instead of the file\'s', (v: string, prev: number[] | undefined) => [...(prev ?? []), int(v)])
    .addOption(new Option('--backend <name>', 'compute backend').choices(['auto', 'tensorflow', 'wasm', 'cpu']))
    .option('--data-dir <dir>', 'folder holding the dataset files')
    .option('--resume <run-id>', 'continue a cancelled or killed run from its last checkpoint')
    .addOption(results())
    .addOption(json())
    .action(async (file: string | undefined, flags: RunFlags) => { process.exitCode = await runCommand(file, flags); });

  cmd.command('validate')
    .description('check experiment files against the schema and report every problem')
    .argument('<files...>')
    .addOption(json())
    .action(async (files: string[], flags: { json?: boolean }) => { process.exitCode = await validateCommand(files, flags); });

  cmd.command('list')
    .description('list runs in the results folder, newest first')
    .addOption(results())
    .addOption(json())
    .action((flags: { results: string; json?: boolean }) => { process.exitCode = listCommand(flags); });

  cmd.command('show')
    .description('show one run: config, progress, evaluations')
    .argument('<run-id>')
    .addOption(results())
    .addOption(json())
    .action((id: string, flags: { results: string; json?: boolean }) => { process.exitCode = showCommand(id, flags); });

  return cmd;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (err) {
    if (err instanceof ExperimentError) {
      log(formatProblems(err));
      process.exitCode = EXIT.usage;
    } else if (err instanceof InvalidArgumentError) {
      log(`error: ${err.message}`);
      process.exitCode = EXIT.usage;
    } else {
      log(`error: ${err instanceof Error ? err.message : String(err)}`);
      if (process.env.IMLP_DEBUG) log(String((err as Error).stack));
      process.exitCode = EXIT.failed;
    }
  }
}

if (require.main === module) void main(process.argv);
