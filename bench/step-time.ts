// The benchmark suite (`npm run bench`): median ms per training step of five workloads on every TF.js
// backend the engine can start here, next to a tuned PyTorch peer run in alternation with them (notes:
// compute-backends.md §1, §7, §8, Addendum); then the quick experiment end to end, a sweep's peak RSS and
// the extension host's event-loop delay. Writes docs/perf/bench.json, from which `npm run bench:readme`
// builds the README's table. Usage and how to read it: bench/README.md.
//   npm run bench -- [--quick] [--rounds N] [--only a,b,c,d,m] [--no-torch] [--cpu-all]
//                    [--backends wasm+blas,wasm] [--wasm-threads N] [--peak G] [--no-app] [--host | --no-host] [--out FILE]
import * as tf from '@tensorflow/tfjs';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { type BackendInfo, initBackend } from '../src/core/backend';
import { MAX_WASM_THREADS, wasmThreadsSetting } from '../src/core/backend/wasmThreads';
import { recommendedCoreType } from '../src/core/backend/openblasEnv';
import { loadTfjsNode } from '../src/core/backend/tfjsNode';
import { resolveExperiment } from '../src/core/experiment/resolve';
import type { ExperimentConfig } from '../src/core/experiment/types';
import { type AppFigures, QUICK_EXPERIMENT, SWEEP_EXPERIMENT, buildDist, eventLoop, hostBenchAvailable, runCli } from './app';
import {
  type BenchResult, type Series, type StepPlan as Plan, type TargetClass, evaluateTargets, fmaPeak, formatTable, loadAverage, machineInfo, median, readCpuInfo, runBench, summarise,
} from './report';
import { type PeerResult, SYSTEM_PYTHON, ensureTorch, peerEnv, runPeer } from './torch-peer';
import {
  IMLP_PRIORS, MATMUL_FLOPS, WORKLOAD_A, WORKLOAD_C, WORKLOAD_IDS, type ImlpId, type Trainable, type WorkloadId, type WorkloadInfo,
  buildCnn, buildEngineCnn, buildImlp, buildMlp, imlpExperiment, imlpPeerSpec, timeMatmul, timeSteps, workloadImlp, workloadM,
} from './workloads';

const SEED = 0;
const PROJECT = join(__dirname, '..');
const DEFAULT_OUT = join(PROJECT, 'docs/perf/bench.json');

/** A TF.js backend to time. */
interface BackendEntry {
  name: string;
  start: (opts: Options) => Promise<BackendInfo>;
  /** Why it cannot start here, when that is known without trying. */
  missing?: () => string | undefined;
  /** The issue target it answers for (report.ts evaluateTargets). */
  target?: TargetClass;
  /** About 35× slower than wasm (notes §5): few steps, and (b), (c), (d) only with --cpu-all. */
  slow?: boolean;
  /** The opt-in multithreaded wasm build: timed only with --wasm-threads N, and answers for no target. */
  threaded?: boolean;
}

/**
 * One line per backend; a new backend or accelerator is one more line. 'wasm' is the plain wasm backend
 * (single-threaded, the OpenBLAS accelerator switched off), 'wasm+blas' the same with its matmuls on the
 * native OpenBLAS addon (`npm run build:native`; skipped, saying why, when it is not built). The '-mt'
 * lines are the same with the opt-in multithreaded wasm build (IMLP_WASM_THREADS), next to their
 * single-threaded twins so that the ABBA order times each pair back to back.
 */
const BACKENDS: readonly BackendEntry[] = [
  { name: 'tensorflow', start: () => initBackend('tensorflow'), missing: tfjsNodeMissing, target: 'native' },
  { name: 'wasm+blas', start: () => initBackend('wasm', undefined, { blas: 'on', wasmThreads: 1 }), target: 'native' },
  { name: 'wasm+blas-mt', start: (o) => initBackend('wasm', undefined, { blas: 'on', wasmThreads: o.wasmThreads }), threaded: true },
  { name: 'wasm-mt', start: (o) => initBackend('wasm', undefined, { blas: 'off', wasmThreads: o.wasmThreads }), threaded: true },
  { name: 'wasm', start: () => initBackend('wasm', undefined, { blas: 'off', wasmThreads: 1 }), target: 'wasm' },
  { name: 'cpu', start: () => initBackend('cpu'), slow: true },
];
const SLOW_SKIPS: readonly WorkloadId[] = ['b', 'c', 'd'];

/**
 * OpenBLAS reads OPENBLAS_CORETYPE once, when it loads: the engine's addon (here and in the CLI runs
 * started below) and the peer get the same value, the one the engine recommends for this CPU, even where
 * the environment says otherwise (on AVX-512 machines Haswell kernels run sgemm at about 60% of SkylakeX's
 * speed, notes §6). Returns what is in force and what it replaced.
 */
function sameCoreType(): { value?: string; inherited?: string } {
  const inherited = process.env.OPENBLAS_CORETYPE;
  const value = recommendedCoreType() ?? inherited;
  if (value !== undefined) process.env.OPENBLAS_CORETYPE = value;
  const note = inherited !== undefined && inherited !== value ? ` (the environment had ${inherited})` : '';
  console.log(`OPENBLAS_CORETYPE=${value ?? '(unset: OpenBLAS detects the CPU)'} for the OpenBLAS addon, the CLI runs and the PyTorch peer alike${note}`);
  return { value, inherited };
}

function tfjsNodeMissing(): string | undefined {
  const node = loadTfjsNode();
  if (node.loaded) return undefined;
  return `@tensorflow/tfjs-node ${node.installed ? 'is installed but fails to load' : 'is not installed'} (its install downloads libtensorflow, which fails offline: notes §2)`;
}

interface Options {
  quick: boolean;
  rounds: number;
  only: WorkloadId[];
  torch: boolean;
  cpuAll: boolean;
  backends: string[];
  /** Threads of the '-mt' backends (--wasm-threads, else IMLP_WASM_THREADS when ≥ 2); undefined: none timed. */
  wasmThreads?: number;
  peak?: number;
  app: boolean;
  /** Run bench/event-loop.ts now (else its last result is read). */
  host: boolean;
  out: string;
}

const USAGE = `npm run bench -- [--quick] [--rounds N] [--only a,b,c,d,m] [--no-torch] [--cpu-all] [--backends ${BACKENDS.map((b) => b.name).join(',')}] [--wasm-threads N] [--peak GFLOPS] [--no-app] [--host | --no-host] [--out FILE]\nSee bench/README.md.`;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      only: { type: 'string', default: WORKLOAD_IDS.join(',') },
      'no-torch': { type: 'boolean', default: false },
      'cpu-all': { type: 'boolean', default: false },
      backends: { type: 'string' },
      'wasm-threads': { type: 'string' },
      peak: { type: 'string' },
      'no-app': { type: 'boolean', default: false },
      host: { type: 'boolean' },
      'no-host': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const rounds = values.rounds === undefined ? (values.quick ? 1 : 2) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number ≥ 1, got "${values.rounds}"`);
  const peak = values.peak === undefined ? undefined : Number(values.peak);
  if (peak !== undefined && !(peak > 0)) throw new Error(`--peak must be a positive GFLOP/s figure, got "${values.peak}"`);
  if (values.host && values['no-host']) throw new Error('--host and --no-host exclude each other');
  const wasmThreads = wasmThreadsOption(values['wasm-threads']);
  const backends = values.backends === undefined
    ? BACKENDS.filter((b) => !b.threaded || wasmThreads !== undefined).map((b) => b.name)
    : listOption('--backends', values.backends, BACKENDS.map((b) => b.name));
  const needThreads = backends.filter((name) => BACKENDS.find((b) => b.name === name)?.threaded);
  if (needThreads.length && wasmThreads === undefined) throw new Error(`--backends ${needThreads.join(',')} needs --wasm-threads N (2–${MAX_WASM_THREADS}) or IMLP_WASM_THREADS`);
  // A smoke run must not overwrite the committed full run.
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  const out = values.out ?? (values.quick ? join(__dirname, 'results', `bench-${stamp}Z.json`) : DEFAULT_OUT);
  return {
    quick: values.quick!,
    rounds,
    only: listOption('--only', values.only!, WORKLOAD_IDS),
    torch: !values['no-torch'],
    cpuAll: values['cpu-all']!,
    backends,
    wasmThreads,
    peak,
    app: !values['no-app'],
    host: values.host ?? (!values['no-host'] && !values.quick && hostBenchAvailable()),
    out,
  };
}

/** --wasm-threads N (2–8), else IMLP_WASM_THREADS when it asks for threads, else undefined (no '-mt' backends). */
function wasmThreadsOption(value: string | undefined): number | undefined {
  if (value === undefined) {
    const fromEnv = wasmThreadsSetting();
    return fromEnv > 1 ? fromEnv : undefined;
  }
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 2 || n > MAX_WASM_THREADS) throw new Error(`--wasm-threads takes a thread count from 2 to ${MAX_WASM_THREADS}, got "${value}"`);
  return n;
}

function listOption<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !allowed.includes(s as T));
  if (bad.length || !items.length) throw new Error(`${flag} takes a comma list of ${allowed.join(', ')}; got "${value}"`);
  return allowed.filter((a) => items.includes(a));
}

function planFor(slow: boolean, quick: boolean): Plan {
  if (slow) return quick ? { warmup: 1, steps: 1, matmulReps: 1 } : { warmup: 1, steps: 3, matmulReps: 3 };
  return quick ? { warmup: 1, steps: 5, matmulReps: 3 } : { warmup: 3, steps: 20, matmulReps: 10 };
}

/** Labels a runner timed with fewer steps than the others (cpu), so its wider error is visible. */
function runnerLabel(name: string, plan: Plan, quick: boolean): string {
  const few = planFor(false, quick).steps > plan.steps ? ` (${plan.steps} step${plan.steps === 1 ? '' : 's'})` : '';
  return `tfjs ${name}${few}`;
}

/** Starts each requested backend once to see which this machine has; prints one line per backend. */
async function availableBackends(opts: Options): Promise<Map<BackendEntry, BackendInfo>> {
  const ok = new Map<BackendEntry, BackendInfo>();
  for (const entry of BACKENDS.filter((b) => opts.backends.includes(b.name))) {
    const missing = entry.missing?.();
    if (missing) {
      console.log(`backend ${entry.name}: skipped: ${missing}`);
      continue;
    }
    try {
      const info = await entry.start(opts);
      ok.set(entry, info);
      console.log(`backend ${entry.name}: ${info.reason}; patched kernels: ${info.patches.join(', ') || 'none'}`);
    } catch (err) {
      console.log(`backend ${entry.name}: skipped: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return ok;
}

/** The resolved experiments the workloads are built from: the engine's defaults, not copies of them. */
interface Configs {
  /** (m)'s model as `{"kind": "cnn", "preset": "cnn-small"}` resolves, with the default optimizer of every workload. */
  cnn: ExperimentConfig;
  imlp: Record<ImlpId, ExperimentConfig>;
}

/** `backend` is the engine's backend name (the I-MLP's memory budget depends on it). */
function builder(id: WorkloadId, configs: Configs, backend: string): () => Trainable {
  const opt = configs.cnn.training.optimizer;
  switch (id) {
    case 'a': return () => buildMlp(SEED, opt);
    case 'c': return () => buildCnn(SEED, opt);
    case 'm': return () => buildEngineCnn(SEED, configs.cnn);
    default: return () => buildImlp(SEED, configs.imlp[id], backend);
  }
}

/** Builds a workload, times it and frees it (also when a step throws). */
function measure(build: () => Trainable, plan: Plan) {
  const t = build();
  try {
    return timeSteps(t, plan.warmup, plan.steps);
  } finally {
    t.dispose();
  }
}

/** Collects each (task, runner) series across rounds. */
class Recorder {
  readonly series = new Map<string, Series>();
  readonly leaks: string[] = [];

  add(task: string, taskTitle: string, runner: string, label: string, flops: number, ms: number[], phases?: Record<string, number[]>): void {
    const key = `${task}|${runner}`;
    const s = this.series.get(key) ?? { task, taskTitle, runner, runnerLabel: label, flops, rounds: [] };
    s.runnerLabel = label;
    s.rounds.push(ms);
    for (const [name, v] of Object.entries(phases ?? {})) ((s.phases ??= {})[name] ??= []).push(...v);
    this.series.set(key, s);
  }
}

const MATMUL_TITLE = 'matmul 1024³ (ms per matmul)';

async function runTfjsBackend(round: number, entry: BackendEntry, opts: Options, configs: Configs, infos: WorkloadInfo[], rec: Recorder): Promise<void> {
  const info = await entry.start(opts);
  const plan = planFor(entry.slow ?? false, opts.quick);
  const label = runnerLabel(entry.name, plan, opts.quick);
  const mm = timeMatmul(plan.matmulReps, SEED);
  rec.add('matmul', MATMUL_TITLE, entry.name, label, MATMUL_FLOPS, mm);
  progress(round, label, 'matmul', mm);
  for (const w of infos) {
    if (entry.slow && SLOW_SKIPS.includes(w.id) && !opts.cpuAll) continue;
    try {
      const timing = measure(builder(w.id, configs, info.name), plan);
      if (timing.leakPerStep !== 0) rec.leaks.push(`${entry.name} ${w.id}: ${timing.leakPerStep} tensors per step`);
      rec.add(w.id, w.title, entry.name, label, w.trainFlops, timing.ms, timing.phases);
      progress(round, label, `(${w.id})`, timing.ms);
    } catch (err) {
      console.log(`  round ${round}  ${label} (${w.id}): failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }
}

/** The peer's settings that are the same in every round. */
interface PeerSettings { threads: number; lr: number; epsilon: number; env: Record<string, string> }

function runTorchRound(round: number, opts: Options, configs: Configs, peerSettings: PeerSettings, infos: WorkloadInfo[], rec: Recorder): PeerResult {
  const plan = planFor(false, opts.quick);
  const { threads, lr, epsilon, env } = peerSettings;
  const imlp = Object.fromEntries(opts.only.filter((id): id is ImlpId => id in IMLP_PRIORS).map((id) => [id, imlpPeerSpec(configs.imlp[id])]));
  const r = runPeer({ only: opts.only, imlp, threads, warmup: plan.warmup, steps: plan.steps, matmulReps: plan.matmulReps, lr, eps: epsilon, seed: SEED }, env);
  const label = `torch ${r.debianPackage?.split('+')[0] ?? r.torch}`;
  rec.add('matmul', MATMUL_TITLE, 'torch', label, MATMUL_FLOPS, r.matmulMs);
  progress(round, label, 'matmul', r.matmulMs);
  for (const w of infos) {
    const ms = r.workloads[w.id];
    if (!ms) continue;
    rec.add(w.id, w.title, 'torch', label, w.trainFlops, ms, r.phases[w.id]);
    progress(round, label, `(${w.id})`, ms);
  }
  return r;
}

function progress(round: number, label: string, what: string, ms: number[]): void {
  console.log(`  round ${round}  ${label.padEnd(20)} ${what.padEnd(7)} median ${median(ms).toFixed(1)} ms of ${ms.length}`);
}

/** The quick experiment end to end, the sweep's peak RSS and the event-loop figure; a failure is recorded, not fatal. */
async function appFigures(opts: Options): Promise<AppFigures> {
  const out: AppFigures = { errors: [] };
  const attempt = async (what: string, f: () => Promise<void> | void) => {
    try {
      await f();
    } catch (err) {
      out.errors.push(`${what}: ${(err as Error).message}`);
      console.log(`  ${what}: failed: ${(err as Error).message}`);
    }
  };
  console.log('application figures: building dist/ (node esbuild.mjs)');
  await attempt('build', buildDist);
  await attempt('quick experiment', async () => {
    out.quickExperiment = await runCli(['run', QUICK_EXPERIMENT]);
    console.log(`  ${out.quickExperiment.command}: ${out.quickExperiment.seconds.toFixed(1)} s end to end, peak RSS ${out.quickExperiment.peakRssMiB} MiB`);
  });
  await attempt('sweep', async () => {
    out.sweep = await runCli(['sweep', SWEEP_EXPERIMENT, '--parallel', '1']);
    console.log(`  ${out.sweep.command}: peak RSS ${out.sweep.peakRssMiB} MiB, ${out.sweep.seconds.toFixed(1)} s`);
  });
  await attempt('event loop', () => {
    console.log(opts.host ? '  event loop: running npm run bench:host (code-server, two 30 s windows)' : '  event loop: not re-measured (--quick, --no-host, or code-server not installed); reading docs/perf/event-loop.json');
    out.eventLoop = eventLoop(opts.host);
    if ('remeasureFailed' in out.eventLoop && out.eventLoop.remeasureFailed) {
      out.errors.push(`event loop: ${out.eventLoop.remeasureFailed}`);
      console.log(`  event loop: ${out.eventLoop.remeasureFailed}; using the last result in docs/perf/event-loop.json`);
    }
  });
  return out;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = new Date();
  const machine = machineInfo(readCpuInfo());
  const peak = fmaPeak(machine.cpuFlags, machine.cores, opts.peak);
  const loadBefore = loadAverage();
  console.log(`benchmark suite: ${machine.cpuModel} (family ${machine.cpuFamily ?? '?'} model ${machine.cpuModelNumber ?? '?'}), ${machine.cores} cores, Node ${machine.node}, tfjs ${tf.version.tfjs} (wasm ${version_wasm})`);
  console.log(`load average before: ${loadBefore.join(' ')}`);
  if (loadBefore[0]! > 1) console.log(`note: the machine is busy (1-min load ${loadBefore[0]} on ${machine.cores} cores): expect noisy, slower numbers (notes §1: ±25% even when quiet)`);
  console.log(`peak for "% peak": ${peak.gflops} GFLOP/s = ${peak.source}`);
  const coreType = sameCoreType();
  // The same thread count on both sides: the peer runs on every core, and so does the OpenBLAS addon here
  // (training itself uses one BLAS thread, openblasEnv.ts: its results must not depend on where it runs).
  if (process.env.OPENBLAS_NUM_THREADS === undefined) {
    process.env.OPENBLAS_NUM_THREADS = String(machine.cores);
    process.env.IMLP_BENCH_SET_BLAS_THREADS = '1'; // bench/app.ts removes it again for the CLI it times
  }

  const configs: Configs = {
    cnn: resolveExperiment({ name: 'step-time bench', model: { kind: 'cnn', preset: 'cnn-small' } }, join(__dirname, 'step-time.ts')),
    imlp: { b: imlpExperiment('b'), d: imlpExperiment('d') },
  };
  const opt = configs.cnn.training.optimizer;
  if (opt.name !== 'adam' || opt.lr !== 1e-3) throw new Error(`the project's default optimizer is no longer Adam lr 1e-3 (${JSON.stringify(opt)}); update the benchmark`);
  const infos = [WORKLOAD_A, workloadImlp('b', configs.imlp.b), WORKLOAD_C, workloadImlp('d', configs.imlp.d), workloadM(configs.cnn)].filter((w) => opts.only.includes(w.id));
  console.log(`workloads (batch 128, Adam lr ${opt.lr}, float32), GFLOP per step (3 × forward; exact in brackets):`);
  for (const w of infos) console.log(`  ${w.title}: ${(w.trainFlops / 1e9).toFixed(3)} (${(w.exactTrainFlops / 1e9).toFixed(3)})`);

  const available = await availableBackends(opts);
  if (!available.size) throw new Error('no TF.js backend could be started');
  const threads = machine.cores;
  let peerSettings: PeerSettings | undefined;
  let peerSkipped: string | undefined;
  if (!opts.torch) peerSkipped = '--no-torch';
  else {
    const torch = ensureTorch((line) => console.log(line));
    if (torch.ok) {
      peerSettings = { threads, lr: opt.lr, epsilon: opt.epsilon, env: peerEnv(coreType.value) };
      console.log(`torch peer: ${SYSTEM_PYTHON} bench/torch_step.py, torch.set_num_threads(${threads}), Adam lr ${opt.lr} eps ${opt.epsilon} (the project's epsilon); environment set in the peer's process only: ${Object.entries(peerSettings.env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    } else {
      peerSkipped = torch.reason;
      console.log(`torch peer: skipped: ${torch.reason}`);
    }
  }

  const rec = new Recorder();
  let peer: PeerResult | undefined;
  const peerErrors: string[] = [];
  // Per round: the fast TF.js backends, the peer, then the slow ones; reversed every other round (ABBA),
  // so a drifting machine favours neither side and the peer always runs next to the backends it is compared with.
  const entries = [...available.keys()];
  const order: (BackendEntry | 'torch')[] = [...entries.filter((b) => !b.slow), ...(peerSettings ? ['torch' as const] : []), ...entries.filter((b) => b.slow)];
  for (let round = 1; round <= opts.rounds; round++) {
    console.log(`round ${round}/${opts.rounds}`);
    for (const runner of round % 2 === 1 ? order : [...order].reverse()) {
      if (runner !== 'torch') {
        await runTfjsBackend(round, runner, opts, configs, infos, rec);
        continue;
      }
      try {
        peer = runTorchRound(round, opts, configs, peerSettings!, infos, rec);
      } catch (err) {
        peerErrors.push((err as Error).message);
        console.log(`  round ${round}  torch peer failed: ${(err as Error).message}`);
      }
    }
  }
  const loadAfterSteps = loadAverage();
  const app = opts.app ? await appFigures(opts) : undefined;
  const loadAfter = loadAverage();

  const series = [...rec.series.values()];
  const rows = summarise(series, peak.gflops);
  const eventLoopP99 = app?.eventLoop && 'training' in app.eventLoop ? app.eventLoop.training.p99Ms : undefined;
  const targets = evaluateTargets(rows, Object.fromEntries(entries.map((b) => [b.name, b.target])), eventLoopP99);
  console.log('');
  console.log(formatTable(series, rows));
  console.log('');
  const fast = planFor(false, opts.quick);
  const slow = planFor(true, opts.quick);
  console.log(`median: of all timed steps pooled over ${opts.rounds} round(s); round medians: one per round, in time order. Steps: ${fast.steps} timed after ${fast.warmup} warm-up (cpu: ${slow.steps} after ${slow.warmup}, matmul ${slow.matmulReps} reps${opts.cpuAll ? '' : `; ${SLOW_SKIPS.join(', ')} skipped on cpu without --cpu-all`}).`);
  console.log(`GFLOP/s: 3 × forward matmul/conv FLOPs per step (matmul: 2·1024³) / median; % peak of ${peak.gflops} GFLOP/s. × torch: tfjs median / torch median from the same rounds.`);
  console.log('(b), (d): one step = P\'s Adam step + M\'s Adam step + the sync (dense(P) rebuilt, W ← (1 − α)·W + α·dense(P)); GFLOP/s counts P\'s and M\'s matmuls and convs only. Median ms of the two parts:');
  for (const r of rows.filter((x) => x.phaseMedians)) console.log(`  (${r.task}) ${r.runnerLabel.padEnd(20)} P and M steps ${r.phaseMedians!.steps!.toFixed(0)}, sync ${r.phaseMedians!.sync!.toFixed(0)}`);
  if (peer) console.log(`torch peer: torch ${peer.torch} (Debian python3-torch ${peer.debianPackage ?? '?'}), ${peer.threads} threads, BLAS ${peer.blas.join(', ') || 'not found in /proc/self/maps'}${peer.blas.some((p) => /openblas/i.test(p)) ? '' : ' (NOT OpenBLAS: the peer is slower than it could be; apt-get install libopenblas0-pthread)'}`);
  if (peerSkipped) console.log(`torch peer: skipped (${peerSkipped}); no × torch column`);
  if (rec.leaks.length) console.log(`tensor leaks: ${rec.leaks.join('; ')}`);
  if (app) {
    console.log('');
    if (app.quickExperiment) console.log(`quick experiment end to end: ${app.quickExperiment.seconds.toFixed(1)} s (${app.quickExperiment.command})`);
    if (app.sweep) console.log(`sweep peak RSS: ${app.sweep.peakRssMiB} MiB (${app.sweep.command}, ${app.sweep.seconds.toFixed(1)} s)`);
    const el = app.eventLoop;
    if (el && 'training' in el) console.log(`extension host event-loop delay while training: p50 ${el.training.p50Ms} ms, p99 ${el.training.p99Ms} ms (idle: ${el.idle.p50Ms}, ${el.idle.p99Ms}); ${el.source}, ${el.command}`);
    else if (el) console.log(`extension host event loop: ${el.missing}`);
  }
  console.log('');
  for (const t of targets) console.log(`target ${t.status === 'met' ? 'met    ' : t.status === 'missed' ? 'MISSED ' : 'not run'}  ${t.target}: ${t.measured}`);
  console.log(`load average before: ${loadBefore.join(' ')}; after the step timings: ${loadAfterSteps.join(' ')}; at the end: ${loadAfter.join(' ')}`);

  mkdirSync(dirname(opts.out), { recursive: true });
  const result: BenchResult = {
    date: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    options: { ...opts, out: relative(PROJECT, opts.out) },
    machine: { ...machine, tfjs: tf.version.tfjs, tfjsBackendWasm: version_wasm, loadAverageBefore: loadBefore, loadAverageAfterSteps: loadAfterSteps, loadAverageAfter: loadAfter, peak },
    plans: { default: fast, slow, seed: SEED },
    optimizer: opt,
    workloads: infos,
    openblasCoreType: coreType,
    backends: Object.fromEntries([...available].map(([b, info]) => [b.name, { reason: info.reason, patches: info.patches, accelerator: info.accelerator, target: b.target ?? null, slow: b.slow ?? false, ...(b.threaded ? { detail: info.detail } : {}) }])),
    peer: peer ? { torch: peer.torch, debianPackage: peer.debianPackage, threads: peer.threads, blas: peer.blas, env: peer.env, python: SYSTEM_PYTHON, errors: peerErrors } : { skipped: peerSkipped ?? 'failed', errors: peerErrors },
    tensorLeaks: rec.leaks,
    summary: rows,
    app: app ?? null,
    targets,
    series,
  };
  writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`results: ${relative(PROJECT, opts.out)}${opts.out === DEFAULT_OUT ? ' (the README table: npm run bench:readme)' : ''}`);
}

runBench(main);
