// The `imlp` command: a thin shell around the engine in src/core.
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import pkg from '../../package.json';
import { diagnose } from '../core/backend/doctor';
import { datasetStatus, downloadDataset, loadDataset } from '../core/data';
import type { DatasetName } from '../core/experiment/types';
import { localExecutor, workerExecutor } from '../core/executor';
import { checkMemory, estimateMemory, memoryBudget, MemoryBudgetError } from '../core/method/memory';
import { MirrorError } from '../core/method/mirror';
import { LayerError } from '../core/models/layers';
import { reportCsv, reportSvg, reportText, summarizeSweeps } from '../core/report';
import { writeFileAtomic } from '../core/results/atomic';
import { sweepIds, sweepMembers } from '../core/sweep/plan';
import { type ExecuteJob, runSweep } from '../core/sweep/runSweep';
import type { TrainEvent } from '../core/train/events';
import type { RunJob } from '../shared/protocol';
import { ExperimentError, formatProblems, loadExperiment } from '../core/experiment/validate';
import type { BackendChoice, ExperimentConfig } from '../core/experiment/types';
import { ResultsStore } from '../core/results/store';
import type { RunRecord } from '../core/results/types';
import { type Reporter, downloadProgress, jsonReporter, plainReporter, ttyReporter } from './progress';

const EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;

const log = (line: string) => process.stderr.write(line + '\n');

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function positive(value: string): number {
  const n = int(value);
  if (n < 1) throw new InvalidArgumentError('expected a positive integer');
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

interface RunFlags { seed?: number[]; backend?: BackendChoice; dataDir?: string; results: string; resume?: string; json?: boolean; parallel?: number }

/** Applies command-line overrides to a config. */
function withFlags(config: ExperimentConfig, flags: RunFlags): ExperimentConfig {
  let c = config;
  if (flags.seed) c = { ...c, training: { ...c.training, seeds: flags.seed } };
  if (flags.backend) c = { ...c, backend: flags.backend };
  if (flags.dataDir) c = { ...c, dataset: { ...c.dataset, dataDir: resolve(flags.dataDir) } };
  return c;
}

/** Refuses an I-MLP whose dense matrices would not fit, before anything is trained. */
async function preflight(config: ExperimentConfig, flags: RunFlags): Promise<void> {
  if (config.model.kind !== 'imlp' || !config.prior || !config.interpolation) return;
  const progress = downloadProgress(log);
  const data = await loadDataset(config.dataset, { log: flags.json ? undefined : log, onProgress: flags.json ? undefined : progress.onProgress });
  progress.stop();
  const set = data.train;
  checkMemory(estimateMemory({
    priorLayers: config.prior.layers, inputShape: [set.height, set.width, set.channels], classes: set.numClasses,
    optimizer: config.training.optimizer, mode: config.interpolation.mode, source: config.prior.source,
  }), memoryBudget(config.backend === 'cpu' ? 'cpu' : 'wasm'));
}

function executorFor(flags: RunFlags): ExecuteJob {
  const parallel = flags.parallel ?? 1;
  if (parallel <= 1) return localExecutor(flags.json ? undefined : log, flags.json ? undefined : downloadProgress(log).onProgress);
  return workerExecutor(join(__dirname, 'worker.js'), log);
}

/** Runs jobs with progress output and Ctrl-C handling; returns the exit code. */
async function withProgress(epochs: number, flags: RunFlags, body: (execute: ExecuteJob, signal: AbortSignal, onEvent: (e: TrainEvent, runId: string) => void) => Promise<RunRecord[]>): Promise<number> {
  const controller = cancelOnSigint(Boolean(flags.json));
  const single = (flags.parallel ?? 1) <= 1;
  const reporter: Reporter = flags.json ? jsonReporter() : process.stderr.isTTY && single ? ttyReporter(log, epochs) : plainReporter(log);
  let records: RunRecord[];
  try {
    records = await body(executorFor(flags), controller.signal, (e, id) => reporter.event(e, id));
  } finally {
    reporter.stop();
  }
  if (!flags.json) {
    for (const r of records) {
      process.stdout.write(summaryLine(r) + '\n');
      if (r.status === 'failed') log(`run ${r.id} failed: ${r.error}`);
    }
    const cancelled = records.filter((r) => r.status === 'cancelled');
    const resultsFlag = flags.results === '.imlp' ? '' : ` --results ${flags.results}`;
    for (const r of cancelled) log(`resume with: imlp run --resume ${r.id}${resultsFlag}`);
  }
  if (records.some((r) => r.status === 'failed')) return EXIT.failed;
  if (controller.signal.aborted) return EXIT.cancelled;
  return EXIT.ok;
}

async function runCommand(file: string | undefined, flags: RunFlags): Promise<number> {
  const store = new ResultsStore(resolve(flags.results));
  if (flags.resume) {
    const record = store.openRun(flags.resume).record;
    if (record.status === 'finished') {
      log(`run ${flags.resume} already finished (test accuracy ${pct(record.result?.testAccuracy)}); nothing to resume`);
      return EXIT.ok;
    }
    const config = withFlags(record.config, { ...flags, seed: undefined });
    const job: RunJob = {
      resultsRoot: store.root, config, seed: record.seed, role: record.role ?? 'run', alpha: record.alpha, sweepId: record.sweepId,
      priorRunId: record.priorRunId, experimentFile: record.experimentFile, resumeId: record.id,
    };
    return withProgress(config.training.epochs, flags, async (execute, signal, onEvent) => [await execute(job, signal, onEvent)]);
  }
  if (!file) throw new InvalidArgumentError('give an experiment file (imlp run examples/quick.imlp.json) or --resume <run-id>');
  return sweepCommand(file, flags, true);
}

async function sweepCommand(file: string, flags: RunFlags, fresh: boolean): Promise<number> {
  const config = withFlags(await loadExperiment(file), flags);
  await preflight(config, flags);
  const store = new ResultsStore(resolve(flags.results));
  if (!flags.json && (flags.parallel ?? 1) > 1) log(`running ${flags.parallel} runs at a time, one worker thread each (${availableParallelism()} cores)`);
  let sweepId = '';
  const code = await withProgress(config.training.epochs, flags, async (execute, signal, onEvent) => {
    const outcome = await runSweep({
      config, experimentFile: resolve(file), store, execute, parallel: flags.parallel, fresh, signal, onEvent,
      log: flags.json ? undefined : log,
    });
    sweepId = outcome.sweepId;
    return outcome.records;
  });
  if (!flags.json && config.model.kind === 'imlp') {
    const report = summarizeSweeps(sweepMembers(store.listRuns().flatMap((s) => (s.damaged ? [] : [s.record])), sweepId));
    process.stdout.write('\n' + reportText(report) + '\n');
    log(`sweep ${sweepId}: imlp report ${sweepId} --svg plot.svg writes the accuracy-vs-α plot`);
  }
  return code;
}

interface ReportFlags { results: string; json?: boolean; svg?: string; csv?: string; title?: string }

function reportCommand(sweeps: string[], flags: ReportFlags): number {
  const all = new ResultsStore(resolve(flags.results)).listRuns();
  const records = all.flatMap((s) => (s.damaged ? [] : [s.record]));
  const known = sweepIds(records);
  for (const id of sweeps) if (!known.includes(id)) throw new InvalidArgumentError(`no sweep "${id}" in ${resolve(flags.results)}; known sweeps: ${known.join(', ') || 'none'}`);
  const chosen = sweeps.length > 0 ? sweeps : known;
  const damaged = all.filter((s) => s.damaged);
  if (chosen.length === 0) {
    log(`no sweeps in ${resolve(flags.results)}; run one with: imlp sweep examples/cnn-prior.imlp.json`);
    return EXIT.ok;
  }
  const reports = summarizeSweeps(chosen.flatMap((id) => sweepMembers(records, id)));
  if (damaged.length > 0) log(`${damaged.length} damaged run folder(s) not included: ${damaged.map((d) => d.id).join(', ')} (imlp list shows why)`);
  if (flags.svg) {
    writeFileAtomic(resolve(flags.svg), reportSvg(reports, flags.title ? { title: flags.title } : {}));
    log(`wrote ${resolve(flags.svg)}`);
  }
  if (flags.csv) {
    writeFileAtomic(resolve(flags.csv), reportCsv(reports));
    log(`wrote ${resolve(flags.csv)}`);
  }
  process.stdout.write(flags.json ? JSON.stringify(reports, null, 2) + '\n' : reportText(reports) + '\n');
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

async function downloadCommand(name: DatasetName, flags: { dataDir?: string; json?: boolean }): Promise<number> {
  const before = await datasetStatus(name, { dataDir: flags.dataDir });
  if (before.present) {
    process.stdout.write(flags.json ? JSON.stringify(before) + '\n' : `${before.message}\n`);
    return EXIT.ok;
  }
  if (!flags.json) log(before.message);
  const controller = cancelOnSigint(Boolean(flags.json));
  const progress = downloadProgress(log);
  try {
    const after = await downloadDataset(name, { signal: controller.signal, log: flags.json ? undefined : log, onProgress: progress.onProgress });
    progress.stop();
    process.stdout.write(flags.json ? JSON.stringify(after) + '\n' : `${after.message}\n`);
    return EXIT.ok;
  } catch (err) {
    progress.stop();
    if (controller.signal.aborted) {
      log('download cancelled; the partial file is kept and the next download resumes it');
      return EXIT.cancelled;
    }
    throw err;
  }
}

async function doctorCommand(flags: { json?: boolean }): Promise<number> {
  const d = await diagnose();
  if (flags.json) {
    process.stdout.write(JSON.stringify(d, null, 2) + '\n');
    return EXIT.ok;
  }
  const gflops = (x: number) => `${x.toFixed(x < 100 ? 1 : 0)} GFLOP/s`;
  const { size, wasm, blas } = d.matmul;
  const coreType = d.openblasCoreType;
  const lines = [
    `node         ${d.node} (${d.platform}), ${d.cpu}, ${d.cores} cores`,
    `tfjs         ${d.tfjs} (wasm backend ${d.tfjsBackendWasm})`,
    ...Object.entries(d.backends).map(([name, b]) => `backend      ${name}: ${b.available ? '' : 'unavailable, '}${b.detail}`),
    `accelerator  ${d.accelerator.name === 'openblas' ? `${d.accelerator.detail}, ${d.accelerator.addon}` : d.accelerator.detail}`,
    `OPENBLAS_CORETYPE  ${coreType.value ?? 'unset'}${coreType.recommended && coreType.recommended !== coreType.value ? ` (recommended here: ${coreType.recommended})` : ''}`,
    `matmul ${size}³  wasm ${gflops(wasm)}${blas === null ? '' : `, wasm + OpenBLAS ${gflops(blas)} (${(blas / wasm).toFixed(1)}×)`}`,
  ];
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

  /** Options shared by the commands that train. */
  const trainingOptions = (c: Command) => c
    .option('--seed <n...>', 'seeds to run instead of the file\'s', (v: string, prev: number[] | undefined) => [...(prev ?? []), int(v)])
    .addOption(new Option('--backend <name>', 'compute backend').choices(['auto', 'tensorflow', 'wasm', 'cpu']))
    .option('--data-dir <dir>', 'folder holding the dataset files')
    .addOption(new Option('--parallel <n>', `runs at a time, each in its own worker thread (this machine has ${availableParallelism()} cores)`).argParser(positive))
    .addOption(results())
    .addOption(json());

  const runCmd = cmd.command('run')
    .description('train the runs of an experiment file (one per seed), or resume a run')
    .argument('[file]', 'experiment file (*.imlp.json)')
    .option('--resume <run-id>', 'continue a cancelled or killed run from its last checkpoint');
  trainingOptions(runCmd)
    .action(async (file: string | undefined, flags: RunFlags) => { process.exitCode = await runCommand(file, flags); });

  const sweepCmd = cmd.command('sweep')
    .description('run an experiment\'s α × seed grid with its reference runs; re-running skips finished runs and resumes interrupted ones')
    .argument('<file>', 'experiment file (*.imlp.json)');
  trainingOptions(sweepCmd)
    .action(async (file: string, flags: RunFlags) => { process.exitCode = await sweepCommand(file, flags, false); });

  cmd.command('report')
    .description('summarise sweeps: accuracy per α with 95% CI, the two-sided log fit, references; SVG and CSV export')
    .argument('[sweeps...]', 'sweep ids (default: every sweep in the results folder)')
    .option('--svg <file>', 'write the accuracy-vs-α plot as SVG')
    .option('--csv <file>', 'write one row per run as CSV')
    .option('--title <text>', 'title of the plot')
    .addOption(results())
    .addOption(json())
    .action((sweeps: string[], flags: ReportFlags) => { process.exitCode = reportCommand(sweeps, flags); });

  cmd.command('download')
    .description('download a dataset into the cache (resumable, checksum-verified); mnist ships with the package')
    .addArgument(new Argument('<dataset>', 'dataset name').choices(['mnist', 'fashion-mnist', 'cifar10', 'cifar100']))
    .option('--data-dir <dir>', 'check this folder first')
    .addOption(json())
    .action(async (name: DatasetName, flags: { dataDir?: string; json?: boolean }) => { process.exitCode = await downloadCommand(name, flags); });

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

  cmd.command('doctor')
    .description('check the setup: versions, backends, the OpenBLAS accelerator (IMLP_BLAS), a quick matmul speed')
    .addOption(json())
    .action(async (flags: { json?: boolean }) => { process.exitCode = await doctorCommand(flags); });

  return cmd;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (err) {
    if (err instanceof ExperimentError) {
      log(formatProblems(err));
      process.exitCode = EXIT.usage;
    } else if (err instanceof MemoryBudgetError || err instanceof LayerError || err instanceof MirrorError) {
      log(err.message);
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
