// The `imlp` command: a thin shell around the engine in src/core.
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import pkg from '../../package.json';
import { diagnose } from '../core/backend/doctor';
import { MAX_WASM_THREADS } from '../core/backend/wasmThreads';
import { emitJob } from '../core/cluster/emit';
import { type ClusterKind, ClusterJobError, DEFAULTS, checkTime, clusterJob, defaultJobFile } from '../core/cluster/job';
import { coverageLine, sweepCoverage } from '../core/sweep/coverage';
import { mergeResults } from '../core/sweep/merge';
import { type Shard, ShardError, formatShard, parseShard } from '../core/sweep/shard';
import { datasetStatus, downloadDataset, loadDataset } from '../core/data';
import type { DatasetName } from '../core/experiment/types';
import { localExecutor, workerExecutor } from '../core/executor';
import { checkMemory, estimateMemory, memoryBudget, MemoryBudgetError } from '../core/method/memory';
import { MirrorError } from '../core/method/mirror';
import { LayerError } from '../core/models/layers';
import { reportCsv, reportSvg, reportText, summarizeSweeps } from '../core/report';
import { writeFileAtomic } from '../core/results/atomic';
import { chooseParallelism } from '../core/sweep/parallelism';
import { planSweep, sweepIds, sweepMembers } from '../core/sweep/plan';
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

interface RunFlags {
  seed?: number[]; backend?: BackendChoice; dataDir?: string; results: string; resume?: string; json?: boolean;
  /** Runs at a time ('auto': sweepParallelism decides); a number once decided. */
  parallel?: number | 'auto';
  /** Threads per run (the multithreaded wasm build when more than 1). */
  threads?: number;
}

/** `imlp sweep` also runs one shard of a sweep, or writes the cluster job that runs them all. */
interface SweepFlags extends RunFlags {
  shard?: Shard;
  emit?: ClusterKind;
  shards?: number; out?: string; force?: boolean; cpus?: number; mem?: string;
  time?: string; partition?: string; account?: string; logDir?: string; imlp?: string;
  image?: string; pvc?: string; namespace?: string;
}

function parallelArg(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : positive(value);
}

function threadsArg(value: string): number {
  const n = positive(value);
  if (n > MAX_WASM_THREADS) throw new InvalidArgumentError(`expected 1 to ${MAX_WASM_THREADS} (the multithreaded wasm build caps its pool at ${MAX_WASM_THREADS})`);
  return n;
}

function shardArg(value: string): Shard {
  try {
    return parseShard(value);
  } catch (err) {
    if (err instanceof ShardError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

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

/**
 * Decides runs at a time and threads per run for `runs` runs (chooseParallelism) and says so once, unless
 * the output is JSON; the flags then hold the numbers.
 */
function decideParallelism(flags: RunFlags, runs: number, byDefault: number | 'auto'): void {
  const p = chooseParallelism({ parallel: flags.parallel ?? byDefault, threads: flags.threads }, runs, availableParallelism());
  if (!flags.json && (p.parallel > 1 || p.threadsPerRun > 1 || p.oversubscribed)) log(p.line);
  flags.parallel = p.parallel;
  flags.threads = p.threadsPerRun;
}

function executorFor(flags: RunFlags): ExecuteJob {
  // Threads per run reach the backend through the environment it reads (wasmThreads.ts).
  const threads = flags.threads ?? 1;
  const env = threads > 1 ? { ...process.env, IMLP_WASM_THREADS: String(threads) } : undefined;
  if (parallelOf(flags) <= 1) {
    if (env) process.env.IMLP_WASM_THREADS = env.IMLP_WASM_THREADS;
    return localExecutor(flags.json ? undefined : log, flags.json ? undefined : downloadProgress(log).onProgress);
  }
  return workerExecutor(join(__dirname, 'worker.js'), log, env ? { env } : {});
}

const parallelOf = (flags: RunFlags) => (typeof flags.parallel === 'number' ? flags.parallel : 1);

/** Runs jobs with progress output and Ctrl-C handling; returns the exit code. */
async function withProgress(epochs: number, flags: RunFlags, body: (execute: ExecuteJob, signal: AbortSignal, onEvent: (e: TrainEvent, runId: string) => void) => Promise<RunRecord[]>): Promise<number> {
  const controller = cancelOnSigint(Boolean(flags.json));
  const single = parallelOf(flags) <= 1;
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

async function sweepCommand(file: string, flags: SweepFlags, fresh: boolean): Promise<number> {
  if (flags.emit) return emitCommand(file, flags);
  checkEmitOnly(flags);
  const config = withFlags(await loadExperiment(file), flags);
  await preflight(config, flags);
  const store = new ResultsStore(resolve(flags.results));
  const planned = planSweep(config).runs.length;
  // `imlp sweep` uses the machine (one run per core); `imlp run` trains its seeds one at a time unless asked.
  decideParallelism(flags, flags.shard ? Math.ceil(planned / flags.shard.count) : planned, fresh ? 1 : 'auto');
  let sweepId = '';
  const code = await withProgress(config.training.epochs, flags, async (execute, signal, onEvent) => {
    const outcome = await runSweep({
      config, experimentFile: resolve(file), store, execute, parallel: parallelOf(flags), fresh, signal, onEvent, shard: flags.shard,
      log: flags.json ? undefined : log,
    });
    sweepId = outcome.sweepId;
    if (flags.shard && !flags.json) log(`shard ${formatShard(flags.shard)} of sweep ${sweepId}: ${outcome.records.length} run${outcome.records.length === 1 ? '' : 's'} (${outcome.skipped} finished earlier)`);
    return outcome.records;
  });
  if (flags.shard && !flags.json) {
    // One shard's share is not the sweep: say how far the whole sweep is, the report shows it once all shards are done.
    const records = store.listRuns().flatMap((s) => (s.damaged ? [] : [s.record]));
    process.stdout.write(coverageLine(sweepCoverage(records, sweepId, flags.shard.count)) + '\n');
  } else if (!flags.json && config.model.kind === 'imlp') {
    const report = summarizeSweeps(sweepMembers(store.listRuns().flatMap((s) => (s.damaged ? [] : [s.record])), sweepId));
    process.stdout.write('\n' + reportText(report) + '\n');
    log(`sweep ${sweepId}: imlp report ${sweepId} --svg plot.svg writes the accuracy-vs-α plot`);
  }
  return code;
}

interface ReportFlags { results?: string[]; json?: boolean; svg?: string; csv?: string; title?: string; shards?: number }

function reportCommand(sweeps: string[], flags: ReportFlags): number {
  // Several --results folders are read as one (e.g. the shards of a sweep written on different clusters).
  const merged = mergeResults(flags.results ?? ['.imlp']);
  const where = merged.folders.map((f) => f.root).join(', ');
  const all = merged.runs;
  const records = all.flatMap((s) => (s.damaged ? [] : [s.record]));
  const known = sweepIds(records);
  for (const id of sweeps) if (!known.includes(id)) throw new InvalidArgumentError(`no sweep "${id}" in ${where}; known sweeps: ${known.join(', ') || 'none'}`);
  const chosen = sweeps.length > 0 ? sweeps : known;
  const damaged = all.filter((s) => s.damaged);
  if (chosen.length === 0) {
    log(`no sweeps in ${where}; run one with: imlp sweep examples/cnn-prior.imlp.json`);
    return EXIT.ok;
  }
  if (merged.folders.length > 1 && !flags.json) log(`merging ${merged.folders.length} results folders: ${merged.folders.map((f) => `${f.root} (${f.runs} run${f.runs === 1 ? '' : 's'})`).join(', ')}`);
  if (merged.duplicates.length > 0) log(`${merged.duplicates.length} run(s) found in more than one folder, counted once: ${merged.duplicates.join(', ')}`);
  const reports = summarizeSweeps(chosen.flatMap((id) => sweepMembers(records, id)));
  const coverage = new Map(chosen.map((id) => [id, sweepCoverage(records, id, flags.shards)]));
  if (damaged.length > 0) log(`${damaged.length} damaged run folder(s) not included: ${damaged.map((d) => d.id).join(', ')} (imlp list shows why)`);
  if (flags.svg) {
    writeFileAtomic(resolve(flags.svg), reportSvg(reports, flags.title ? { title: flags.title } : {}));
    log(`wrote ${resolve(flags.svg)}`);
  }
  if (flags.csv) {
    writeFileAtomic(resolve(flags.csv), reportCsv(reports));
    log(`wrote ${resolve(flags.csv)}`);
  }
  if (flags.json) {
    const withPlan = reports.map((r) => (r.sweepId !== null && coverage.has(r.sweepId) ? { ...r, plan: coverage.get(r.sweepId) } : r));
    process.stdout.write(JSON.stringify(withPlan, null, 2) + '\n');
  } else {
    process.stdout.write(reportText(reports) + '\n' + [...coverage.values()].map(coverageLine).join('\n') + '\n');
  }
  return EXIT.ok;
}

const SLURM_ONLY = ['time', 'partition', 'account', 'logDir', 'imlp'] as const;
const K8S_ONLY = ['image', 'pvc', 'namespace'] as const;
const EMIT_ONLY = ['shards', 'out', 'force', 'cpus', 'mem', ...SLURM_ONLY, ...K8S_ONLY] as const;
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The job-file options mean nothing without --emit: say so rather than ignore them. */
function checkEmitOnly(flags: SweepFlags): void {
  const given = EMIT_ONLY.filter((k) => flags[k] !== undefined);
  if (given.length) throw new InvalidArgumentError(`${given.map(flagName).join(', ')} ${given.length === 1 ? 'applies' : 'apply'} to --emit slurm or --emit k8s (writing a cluster job); to run one shard here, use --shard I/N`);
}

/** Writes the Slurm script or Kubernetes manifest that runs the sweep's shards; submits nothing. */
async function emitCommand(file: string, flags: SweepFlags): Promise<number> {
  const kind = flags.emit!;
  if (flags.shard) throw new InvalidArgumentError(`--shard runs one shard here; --emit ${kind} writes a job for all of them (--shards N): drop --shard`);
  const wrong = (kind === 'slurm' ? K8S_ONLY : SLURM_ONLY).filter((k) => flags[k] !== undefined);
  if (wrong.length) throw new InvalidArgumentError(`${wrong.map(flagName).join(', ')} ${wrong.length === 1 ? 'applies' : 'apply'} to --emit ${kind === 'slurm' ? 'k8s' : 'slurm'}, not --emit ${kind}`);
  if (kind === 'k8s' && flags.dataDir) throw new InvalidArgumentError(`--data-dir is a folder on this machine; the Kubernetes pods download datasets to the results volume (IMLP_DATA_DIR): drop --data-dir`);
  if (flags.json) throw new InvalidArgumentError('--json does not apply to --emit: the job file is the output');
  const experimentFile = resolve(file);
  const config = withFlags(await loadExperiment(file), flags);
  // The flags every shard repeats, so each computes the same plan (and sweep id) as this one.
  const sweepFlags = [
    ...(flags.seed ?? []).flatMap((s) => ['--seed', String(s)]),
    ...(flags.backend ? ['--backend', flags.backend] : []),
    ...(flags.dataDir ? ['--data-dir', resolve(flags.dataDir)] : []),
    ...(flags.parallel ? ['--parallel', String(flags.parallel)] : []),
    ...(flags.threads ? ['--threads', String(flags.threads)] : []),
  ];
  try {
    const job = clusterJob({ config, experimentFile, experimentText: readFileSync(experimentFile, 'utf8'), shards: flags.shards, sweepFlags, cpus: flags.cpus, mem: flags.mem });
    const results = resolve(flags.results);
    const out = resolve(flags.out ?? defaultJobFile(experimentFile, kind));
    const emitted = emitJob(job, kind === 'slurm'
      ? {
        kind, options: {
          results, workdir: process.cwd(), logDir: resolve(flags.logDir ?? join(results, 'slurm-logs')), time: checkTime(flags.time ?? DEFAULTS.time),
          imlp: flags.imlp ? flags.imlp.split(/\s+/).filter(Boolean) : [process.execPath, resolve(process.argv[1] ?? join(__dirname, 'cli.js'))],
          partition: flags.partition, account: flags.account,
        },
      }
      : { kind, options: { image: flags.image ?? `imlp-lab:${pkg.version}`, pvc: flags.pvc ?? DEFAULTS.pvc, namespace: flags.namespace } }, out, flags.force);
    log(`${emitted.changed ? 'wrote' : 'unchanged:'} ${emitted.file}: ${job.plannedRuns} planned runs of sweep ${job.sweepId} in ${job.shards} shard${job.shards === 1 ? '' : 's'}${config.prior?.source === 'frozen' && !config.prior.run ? ' (the frozen prior is trained once, by the first shard that needs it)' : ''}`);
    log(`review it, then submit it yourself: ${emitted.submit}`);
    process.stdout.write(emitted.file + '\n');
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ClusterJobError) throw new InvalidArgumentError(err.message);
    throw err;
  }
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
    .showHelpAfterError()
    // Usage errors (a bad flag value) exit 2 like every other bad input, not commander's 1; see main().
    .exitOverride();
  const results = () => new Option('--results <dir>', 'results folder').default('.imlp');
  const json = () => new Option('--json', 'machine-readable output on stdout');

  /** Options shared by the commands that train. */
  const trainingOptions = (c: Command) => c
    .option('--seed <n...>', 'seeds to run instead of the file\'s', (v: string, prev: number[] | undefined) => [...(prev ?? []), int(v)])
    .addOption(new Option('--backend <name>', 'compute backend').choices(['auto', 'tensorflow', 'wasm', 'cpu']))
    .option('--data-dir <dir>', 'folder holding the dataset files')
    .addOption(new Option('--parallel <n>', `runs at a time, each in its own worker thread: a number, or auto (cores ÷ threads per run; this machine has ${availableParallelism()} cores)`).argParser(parallelArg))
    .addOption(new Option('--threads <n>', `threads per run, 1–${MAX_WASM_THREADS} (more than 1: the multithreaded wasm build, see IMLP_WASM_THREADS)`).argParser(threadsArg))
    .addOption(results())
    .addOption(json());

  const runCmd = cmd.command('run')
    .description('train the runs of an experiment file (one per seed), or resume a run')
    .argument('[file]', 'experiment file (*.imlp.json)')
    .option('--resume <run-id>', 'continue a cancelled or killed run from its last checkpoint');
  trainingOptions(runCmd)
    .action(async (file: string | undefined, flags: RunFlags) => { process.exitCode = await runCommand(file, flags); });

  const sweepCmd = cmd.command('sweep')
    .description('run an experiment\'s α × seed grid with its reference runs; re-running skips finished runs and resumes interrupted ones. --shard runs one share of it; --emit writes a Slurm or Kubernetes job that runs every share (never submitted)')
    .argument('<file>', 'experiment file (*.imlp.json)')
    .addOption(new Option('--shard <i/n>', 'run only shard I of N (counted from 0) of the planned runs; shards sharing --results train the frozen prior once').argParser(shardArg))
    .addOption(new Option('--emit <kind>', 'write a cluster job file for review instead of training (nothing is submitted)').choices(['slurm', 'k8s']))
    .addOption(new Option('--shards <n>', 'with --emit: number of shards, one array task or pod each (default: one per planned run)').argParser(positive))
    .option('--out <file>', 'with --emit: the job file (default: beside the experiment, NAME.slurm.sh or NAME.k8s.yaml)')
    .option('--force', 'with --emit: replace an existing job file with other content')
    .addOption(new Option('--cpus <n>', `with --emit: CPUs per shard (default ${DEFAULTS.cpus})`).argParser(positive))
    .option('--mem <size>', `with --emit: memory per shard, e.g. 8G or 16000M (default ${DEFAULTS.mem})`)
    .option('--time <limit>', `with --emit slurm: time limit per task (default ${DEFAULTS.time})`)
    .option('--partition <name>', 'with --emit slurm: the partition')
    .option('--account <name>', 'with --emit slurm: the account to charge')
    .option('--log-dir <dir>', 'with --emit slurm: folder of the task logs (default RESULTS/slurm-logs)')
    .option('--imlp <command>', 'with --emit slurm: how compute nodes run imlp (default: this node and this CLI\'s path)')
    .option('--image <ref>', `with --emit k8s: the container image built from the Dockerfile (default imlp-lab:${pkg.version})`)
    .option('--pvc <name>', `with --emit k8s: PersistentVolumeClaim for results and datasets (default ${DEFAULTS.pvc})`)
    .option('--namespace <ns>', 'with --emit k8s: the namespace');
  trainingOptions(sweepCmd)
    .action(async (file: string, flags: SweepFlags) => { process.exitCode = await sweepCommand(file, flags, false); });

  cmd.command('report')
    .description('summarise sweeps: accuracy per α with 95% CI, the two-sided log fit, references; SVG and CSV export')
    .argument('[sweeps...]', 'sweep ids (default: every sweep in the results folder)')
    .option('--svg <file>', 'write the accuracy-vs-α plot as SVG')
    .option('--csv <file>', 'write one row per run as CSV')
    .option('--title <text>', 'title of the plot')
    .option('--results <dir>', 'results folder (default .imlp); repeat to merge several, e.g. the shards\' folders', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .addOption(new Option('--shards <n>', 'the shard count the sweep ran with: each missing run then names its shard').argParser(positive))
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
    // InvalidArgumentError (a CommanderError) thrown by a command is printed below; commander prints its own.
    if (err instanceof CommanderError && !(err instanceof InvalidArgumentError)) {
      // Commander has printed the message (and help); --help and --version end with 0.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else if (err instanceof ExperimentError) {
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
