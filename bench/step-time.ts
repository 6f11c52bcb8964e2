// Step-time benchmark: median ms per training step of three workloads on every TF.js backend the
// engine can start here, next to a tuned PyTorch peer run in alternation with them (notes:
// compute-backends.md §1, §7, §8, Addendum). Usage and how to read it: bench/README.md.
//   npm run bench -- [--quick] [--rounds N] [--only a,c,m] [--no-torch] [--cpu-all] [--backends wasm,cpu] [--peak G]
import * as tf from '@tensorflow/tfjs';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BackendInfo, type BackendName, initBackend } from '../src/core/backend';
import { loadTfjsNode } from '../src/core/backend/tfjsNode';
import { resolveExperiment } from '../src/core/experiment/resolve';
import type { ExperimentConfig } from '../src/core/experiment/types';
import { type Series, fmaPeak, formatTable, loadAverage, machineInfo, median, readCpuInfo, runBench, summarise } from './report';
import { type PeerResult, SYSTEM_PYTHON, ensureTorch, peerEnv, runPeer } from './torch-peer';
import {
  MATMUL_FLOPS, WORKLOAD_A, WORKLOAD_C, WORKLOAD_IDS, type Trainable, type WorkloadId, type WorkloadInfo,
  buildCnn, buildEngineCnn, buildMlp, timeMatmul, timeSteps, workloadM,
} from './workloads';

const SEED = 0;
const ALL_BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
type Runner = BackendName | 'torch';

interface Options {
  quick: boolean;
  rounds: number;
  only: WorkloadId[];
  torch: boolean;
  cpuAll: boolean;
  backends: BackendName[];
  peak?: number;
}

/** How much to time on one runner. */
interface Plan {
  warmup: number;
  steps: number;
  matmulReps: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      only: { type: 'string', default: WORKLOAD_IDS.join(',') },
      'no-torch': { type: 'boolean', default: false },
      'cpu-all': { type: 'boolean', default: false },
      backends: { type: 'string', default: ALL_BACKENDS.join(',') },
      peak: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('npm run bench -- [--quick] [--rounds N] [--only a,c,m] [--no-torch] [--cpu-all] [--backends tensorflow,wasm,cpu] [--peak GFLOPS]\nSee bench/README.md.');
    process.exit(0);
  }
  const rounds = values.rounds === undefined ? (values.quick ? 1 : 2) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number ≥ 1, got "${values.rounds}"`);
  const peak = values.peak === undefined ? undefined : Number(values.peak);
  if (peak !== undefined && !(peak > 0)) throw new Error(`--peak must be a positive GFLOP/s figure, got "${values.peak}"`);
  return {
    quick: values.quick!,
    rounds,
    only: listOption('--only', values.only!, WORKLOAD_IDS),
    torch: !values['no-torch'],
    cpuAll: values['cpu-all']!,
    backends: listOption('--backends', values.backends!, ALL_BACKENDS),
    peak,
  };
}

function listOption<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !allowed.includes(s as T));
  if (bad.length || !items.length) throw new Error(`${flag} takes a comma list of ${allowed.join(', ')}; got "${value}"`);
  return allowed.filter((a) => items.includes(a));
}

/** The cpu backend is ~35× slower than wasm (notes §5): few steps, and (c) only on request. */
function planFor(runner: string, quick: boolean): Plan {
  if (runner === 'cpu') return quick ? { warmup: 1, steps: 1, matmulReps: 1 } : { warmup: 1, steps: 3, matmulReps: 3 };
  return quick ? { warmup: 1, steps: 5, matmulReps: 3 } : { warmup: 3, steps: 20, matmulReps: 10 };
}

/** Labels a runner timed with fewer steps than the others (cpu), so its wider error is visible. */
function runnerLabel(runner: string, plan: Plan, quick: boolean): string {
  const few = planFor('wasm', quick).steps > plan.steps ? ` (${plan.steps} step${plan.steps === 1 ? '' : 's'})` : '';
  return `tfjs ${runner}${few}`;
}

/** Starts each requested backend once to see which this machine has; prints one line per backend. */
async function availableBackends(wanted: BackendName[]): Promise<Map<BackendName, BackendInfo>> {
  const ok = new Map<BackendName, BackendInfo>();
  for (const name of wanted) {
    if (name === 'tensorflow') {
      const node = loadTfjsNode();
      if (!node.loaded) {
        const why = node.installed ? 'is installed but fails to load' : 'is not installed';
        console.log(`backend tensorflow: skipped: @tensorflow/tfjs-node ${why} (its install downloads libtensorflow, which fails offline: notes §2)`);
        continue;
      }
    }
    try {
      const info = await initBackend(name);
      ok.set(name, info);
      console.log(`backend ${name}: ${info.reason}; patched kernels: ${info.patches.join(', ') || 'none'}`);
    } catch (err) {
      console.log(`backend ${name}: skipped: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return ok;
}

function builder(id: WorkloadId, config: ExperimentConfig): () => Trainable {
  const opt = config.training.optimizer;
  if (id === 'a') return () => buildMlp(SEED, opt);
  if (id === 'c') return () => buildCnn(SEED, opt);
  return () => buildEngineCnn(SEED, config);
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

  add(task: string, taskTitle: string, runner: string, label: string, flops: number, ms: number[]): void {
    const key = `${task}|${runner}`;
    const s = this.series.get(key) ?? { task, taskTitle, runner, runnerLabel: label, flops, rounds: [] };
    s.runnerLabel = label;
    s.rounds.push(ms);
    this.series.set(key, s);
  }
}

const MATMUL_TITLE = 'matmul 1024³ (ms per matmul)';

async function runTfjsBackend(round: number, name: BackendName, opts: Options, config: ExperimentConfig, infos: WorkloadInfo[], rec: Recorder): Promise<void> {
  await initBackend(name);
  const plan = planFor(name, opts.quick);
  const label = runnerLabel(name, plan, opts.quick);
  const mm = timeMatmul(plan.matmulReps, SEED);
  rec.add('matmul', MATMUL_TITLE, name, label, MATMUL_FLOPS, mm);
  progress(round, label, 'matmul', mm);
  for (const w of infos) {
    if (name === 'cpu' && w.id === 'c' && !opts.cpuAll) continue;
    try {
      const timing = measure(builder(w.id, config), plan);
      if (timing.leakPerStep !== 0) rec.leaks.push(`${name} ${w.id}: ${timing.leakPerStep} tensors per step`);
      rec.add(w.id, w.title, name, label, w.trainFlops, timing.ms);
      progress(round, label, `(${w.id})`, timing.ms);
    } catch (err) {
      console.log(`  round ${round}  ${label} (${w.id}): failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }
}

function runTorchRound(round: number, opts: Options, eps: number, lr: number, env: Record<string, string>, infos: WorkloadInfo[], rec: Recorder): PeerResult {
  const plan = planFor('torch', opts.quick);
  const r = runPeer({ only: opts.only, warmup: plan.warmup, steps: plan.steps, matmulReps: plan.matmulReps, lr, eps, seed: SEED }, env);
  const label = `torch ${r.debianPackage?.split('+')[0] ?? r.torch}`;
  rec.add('matmul', MATMUL_TITLE, 'torch', label, MATMUL_FLOPS, r.matmulMs);
  progress(round, label, 'matmul', r.matmulMs);
  for (const w of infos) {
    const ms = r.workloads[w.id];
    if (!ms) continue;
    rec.add(w.id, w.title, 'torch', label, w.trainFlops, ms);
    progress(round, label, `(${w.id})`, ms);
  }
  return r;
}

function progress(round: number, label: string, what: string, ms: number[]): void {
  console.log(`  round ${round}  ${label.padEnd(20)} ${what.padEnd(7)} median ${median(ms).toFixed(1)} ms of ${ms.length}`);
}

function resultPath(): string {
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  return join(dir, `step-time-${stamp}Z.json`);
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = new Date();
  const cpu = readCpuInfo();
  const machine = machineInfo(cpu);
  const peak = fmaPeak(machine.cpuFlags, machine.cores, opts.peak);
  const loadBefore = loadAverage();
  console.log(`step-time benchmark: ${machine.cpuModel} (family ${machine.cpuFamily ?? '?'} model ${machine.cpuModelNumber ?? '?'}), ${machine.cores} cores, Node ${machine.node}, tfjs ${tf.version.tfjs} (wasm ${version_wasm})`);
  console.log(`load average before: ${loadBefore.join(' ')}`);
  if (loadBefore[0]! > 1) console.log(`note: the machine is busy (1-min load ${loadBefore[0]} on ${machine.cores} cores): expect noisy, slower numbers (notes §1: ±25% even when quiet)`);
  console.log(`peak for "% peak": ${peak.gflops} GFLOP/s = ${peak.source}`);

  // The optimizer as the project resolves it for an experiment file that sets none, and (m)'s model as
  // `{"kind": "cnn", "preset": "cnn-small"}` resolves: the engine's defaults, not copies of them.
  const config = resolveExperiment({ name: 'step-time bench', model: { kind: 'cnn', preset: 'cnn-small' } }, join(__dirname, 'step-time.ts'));
  const opt = config.training.optimizer;
  if (opt.name !== 'adam' || opt.lr !== 1e-3) throw new Error(`the project's default optimizer is no longer Adam lr 1e-3 (${JSON.stringify(opt)}); update the benchmark`);
  const infos = [WORKLOAD_A, WORKLOAD_C, workloadM(config)].filter((w) => opts.only.includes(w.id));
  console.log(`workloads (batch 128, Adam lr ${opt.lr}, float32): ${infos.map((w) => `${w.title}: ${(w.trainFlops / 1e9).toFixed(3)} GFLOP/step (3 × forward; exact ${(w.exactTrainFlops / 1e9).toFixed(3)})`).join('; ')}`);

  const available = await availableBackends(opts.backends);
  const backends = [...available.keys()];
  let peerEnvironment: Record<string, string> | undefined;
  let peerSkipped: string | undefined;
  if (!opts.torch) peerSkipped = '--no-torch';
  else {
    const torch = ensureTorch((line) => console.log(line));
    if (torch.ok) {
      peerEnvironment = peerEnv(cpu.flags);
      console.log(`torch peer: ${SYSTEM_PYTHON} bench/torch_step.py, torch.set_num_threads(2), Adam lr ${opt.lr} eps ${opt.epsilon} (the project's epsilon); environment set in the peer's process only: ${Object.entries(peerEnvironment).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    } else {
      peerSkipped = torch.reason;
      console.log(`torch peer: skipped: ${torch.reason}`);
    }
  }
  if (!backends.length) throw new Error('no TF.js backend could be started');

  const rec = new Recorder();
  let peer: PeerResult | undefined;
  const peerErrors: string[] = [];
  // Per round: the fast TF.js backends, the peer, then cpu; reversed every other round (ABBA), so a
  // drifting machine favours neither side and the peer always runs next to the backends it is compared with.
  const order: Runner[] = [...backends.filter((b) => b !== 'cpu'), ...(peerEnvironment ? ['torch' as const] : []), ...backends.filter((b) => b === 'cpu')];
  for (let round = 1; round <= opts.rounds; round++) {
    console.log(`round ${round}/${opts.rounds}`);
    for (const runner of round % 2 === 1 ? order : [...order].reverse()) {
      if (runner !== 'torch') {
        await runTfjsBackend(round, runner, opts, config, infos, rec);
        continue;
      }
      try {
        peer = runTorchRound(round, opts, opt.epsilon, opt.lr, peerEnvironment!, infos, rec);
      } catch (err) {
        peerErrors.push((err as Error).message);
        console.log(`  round ${round}  torch peer failed: ${(err as Error).message}`);
      }
    }
  }
  const loadAfter = loadAverage();

  const series = [...rec.series.values()];
  const rows = summarise(series, peak.gflops);
  console.log('');
  console.log(formatTable(series, rows));
  console.log('');
  const cpuPlan = planFor('cpu', opts.quick);
  console.log(`median: of all timed steps pooled over ${opts.rounds} round(s); round medians: one per round, in time order. Steps: ${planFor('wasm', opts.quick).steps} timed after ${planFor('wasm', opts.quick).warmup} warm-up (cpu: ${cpuPlan.steps} after ${cpuPlan.warmup}, matmul ${cpuPlan.matmulReps} reps${opts.cpuAll ? '' : '; (c) skipped on cpu without --cpu-all'}).`);
  console.log(`GFLOP/s: 3 × forward matmul/conv FLOPs per step (matmul: 2·1024³) / median; % peak of ${peak.gflops} GFLOP/s. × torch: tfjs median / torch median from the same rounds.`);
  if (peer) console.log(`torch peer: torch ${peer.torch} (Debian python3-torch ${peer.debianPackage ?? '?'}), ${peer.threads} threads, BLAS ${peer.blas.join(', ') || 'not found in /proc/self/maps'}${peer.blas.some((p) => /openblas/i.test(p)) ? '' : ' (NOT OpenBLAS: the peer is slower than it could be; apt-get install libopenblas0-pthread)'}`);
  if (peerSkipped) console.log(`torch peer: skipped (${peerSkipped}); no × torch column`);
  if (rec.leaks.length) console.log(`tensor leaks: ${rec.leaks.join('; ')}`);
  console.log(`load average before: ${loadBefore.join(' ')}; after: ${loadAfter.join(' ')}`);

  const file = resultPath();
  writeFileSync(file, `${JSON.stringify({
    date: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    argv: process.argv.slice(2),
    options: opts,
    machine: { ...machine, tfjs: tf.version.tfjs, tfjsBackendWasm: version_wasm, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter, peak },
    plans: { default: planFor('wasm', opts.quick), cpu: cpuPlan, seed: SEED },
    optimizer: opt,
    workloads: infos,
    backends: Object.fromEntries([...available].map(([name, info]) => [name, { reason: info.reason, patches: info.patches }])),
    peer: peer ? { torch: peer.torch, debianPackage: peer.debianPackage, threads: peer.threads, blas: peer.blas, env: peer.env, python: SYSTEM_PYTHON, errors: peerErrors } : { skipped: peerSkipped ?? 'failed', errors: peerErrors },
    tensorLeaks: rec.leaks,
    summary: rows,
    series,
  }, null, 2)}\n`);
  console.log(`results: ${file}`);
}

runBench(main);
