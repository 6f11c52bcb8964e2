// Summaries of the step-time benchmark: pooled medians, FLOP rates, ratios to the PyTorch peer, the
// printed table and the machine description stored with the JSON.
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Accelerator } from '../src/core/backend';
import type { OptimizerConfig } from '../src/core/experiment/types';
import type { AppFigures } from './app';
import type { WorkloadInfo } from './workloads';

/** One measured series: a workload (or the matmul probe) on one runner, with the times of every round. */
export interface Series {
  /** 'matmul' or a workload id. */
  task: string;
  taskTitle: string;
  /** A TF.js backend's name ('wasm', 'cpu', …) or 'torch'. */
  runner: string;
  runnerLabel: string;
  /** FLOPs of one timed unit (a training step, or one matmul). */
  flops: number;
  /** Timed milliseconds of each round. */
  rounds: number[][];
  /** Where a step has phases (the I-MLP's "steps" and "sync"): each phase's ms of every timed step, all rounds. */
  phases?: Record<string, number[]>;
}

/** How much to time on one runner. */
export interface StepPlan {
  warmup: number;
  steps: number;
  matmulReps: number;
}

export interface Summary {
  task: string;
  runner: string;
  runnerLabel: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  roundMedians: number[];
  timedUnits: number;
  gflops: number;
  percentOfPeak: number;
  /** This median / the peer's median for the same task, both pooled over the same rounds. */
  ratioToTorch: number | null;
  /** Median ms of each phase, where the step has phases. */
  phaseMedians?: Record<string, number>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarise(all: Series[], peakGflops: number): Summary[] {
  const torchMedian = new Map<string, number>();
  for (const s of all) if (s.runner === 'torch') torchMedian.set(s.task, median(s.rounds.flat()));
  return all.map((s) => {
    const ms = s.rounds.flat();
    const med = median(ms);
    const gflops = s.flops / med / 1e6;
    const peer = torchMedian.get(s.task);
    return {
      task: s.task,
      runner: s.runner,
      runnerLabel: s.runnerLabel,
      medianMs: med,
      minMs: Math.min(...ms),
      maxMs: Math.max(...ms),
      roundMedians: s.rounds.map(median),
      timedUnits: ms.length,
      gflops,
      percentOfPeak: (100 * gflops) / peakGflops,
      ratioToTorch: s.runner === 'torch' || peer === undefined ? null : med / peer,
      ...(s.phases ? { phaseMedians: Object.fromEntries(Object.entries(s.phases).map(([name, v]) => [name, median(v)])) } : {}),
    };
  });
}

const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const fmtRate = (x: number) => (x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2));

/** The table: tasks in order, runners in measured order, torch last within a task. */
export function formatTable(series: Series[], rows: Summary[]): string {
  const header = ['workload', 'backend', 'median ms', 'min–max ms', 'round medians', 'GFLOP/s', '% peak', '× torch'];
  const titles = new Map(series.map((s) => [s.task, s.taskTitle]));
  const ordered = [...rows].sort((a, b) => taskOrder(a.task) - taskOrder(b.task) || Number(a.runner === 'torch') - Number(b.runner === 'torch'));
  let lastTask = '';
  const body = ordered.map((r) => {
    const title = r.task === lastTask ? '' : titles.get(r.task) ?? r.task;
    lastTask = r.task;
    return [
      title,
      r.runnerLabel,
      fmtMs(r.medianMs),
      `${fmtMs(r.minMs)}–${fmtMs(r.maxMs)}`,
      r.roundMedians.map(fmtMs).join(' / '),
      fmtRate(r.gflops),
      `${fmtRate(r.percentOfPeak)}%`,
      r.ratioToTorch === null ? '' : `${r.ratioToTorch.toFixed(r.ratioToTorch >= 10 ? 0 : 2)}×`,
    ];
  });
  const table = [header, ...body];
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const leftAligned = new Set([0, 1, 4]);
  const line = (row: string[]) => row.map((cell, c) => (leftAligned.has(c) ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function taskOrder(task: string): number {
  return ['matmul', 'a', 'b', 'c', 'd', 'm'].indexOf(task);
}

export interface MachineInfo {
  cpuModel: string;
  cpuFamily?: string;
  cpuModelNumber?: string;
  cores: number;
  cpuFlags: { avx512f: boolean; avx2: boolean; fma: boolean };
  memoryGiB: number;
  node: string;
  platform: string;
}

/** CPU model and flags from /proc/cpuinfo (os.cpus() says only "AMD EPYC" or similar on some VMs too). */
export function readCpuInfo(): { model: string; family?: string; modelNumber?: string; flags: Set<string> } {
  let text = '';
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // not Linux: fall back to os.cpus()
  }
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  return {
    model: field('model name') ?? cpus()[0]?.model ?? 'unknown',
    // VMs often show a bare "AMD EPYC": family and model number still identify the generation.
    family: field('cpu family'),
    modelNumber: field('model'),
    flags: new Set((field('flags') ?? '').split(/\s+/)),
  };
}

export function machineInfo(cpu: ReturnType<typeof readCpuInfo>): MachineInfo {
  return {
    cpuModel: cpu.model,
    cpuFamily: cpu.family,
    cpuModelNumber: cpu.modelNumber,
    cores: cpus().length,
    cpuFlags: { avx512f: cpu.flags.has('avx512f'), avx2: cpu.flags.has('avx2'), fma: cpu.flags.has('fma') },
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export const loadAverage = () => loadavg().map((x) => Math.round(x * 100) / 100);

/**
 * The FMA peak the % column divides by, from the notes' microbenchmark (compute-backends.md §7):
 * 157 GFLOP/s per core with AVX-512, 306 on 2 cores; 76 per core and 152 on 2 cores with AVX2.
 * Scaled by the core count. Machines without AVX-512 get the AVX2 figure: they cannot reach 306.
 */
export function fmaPeak(flags: MachineInfo['cpuFlags'], cores: number, override?: number): { gflops: number; source: string } {
  if (override !== undefined) return { gflops: override, source: `--peak ${override}` };
  const perCore = flags.avx512f ? 306 / 2 : 152 / 2;
  const isa = flags.avx512f ? 'AVX-512' : 'AVX2';
  const note = flags.avx512f ? '' : ' (no avx512f in /proc/cpuinfo, so the 306 GFLOP/s AVX-512 figure does not apply)';
  return {
    gflops: perCore * cores,
    source: `${cores}-core ${isa} FMA peak, ${perCore} GFLOP/s per core, measured by the FMA microbenchmark in notes/compute-backends.md §7${note}`,
  };
}

/**
 * Runs a benchmark's main and exits explicitly: pthread pools or handles of a backend may keep the
 * loop alive (notes §6). Bad flags print only the message; anything else, the stack.
 */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      const usage = (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') || /^--/.test((err as Error).message);
      console.error(`bench failed: ${err instanceof Error ? (usage ? err.message : err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}

/** Which of the targets a backend answers for: native compute (native BLAS) or plain wasm. */
export type TargetClass = 'native' | 'wasm';

export interface TargetResult {
  target: string;
  status: 'met' | 'missed' | 'not measured';
  measured: string;
}

/**
 * The targets (issue 7): the I-MLP step (b) within 1.5× of PyTorch on native BLAS and within 4×
 * on plain wasm; (a) at least half PyTorch's FLOP rate (the same FLOPs, so torch ms / tfjs ms ≥ 0.5) on
 * the best TF.js backend; the extension host's event-loop p99 under 20 ms while a run trains.
 */
export function evaluateTargets(rows: Summary[], classes: Record<string, TargetClass | undefined>, eventLoopP99?: number): TargetResult[] {
  const ratio = (task: string, cls?: TargetClass) => rows
    .filter((r) => r.task === task && r.ratioToTorch !== null && (cls === undefined || classes[r.runner] === cls))
    .sort((x, y) => x.ratioToTorch! - y.ratioToTorch!)[0];
  const within = (target: string, task: string, cls: TargetClass, limit: number, none: string): TargetResult => {
    const r = ratio(task, cls);
    if (!r) return { target, status: 'not measured', measured: none };
    return { target, status: r.ratioToTorch! <= limit ? 'met' : 'missed', measured: `${r.runnerLabel}: ${r.ratioToTorch!.toFixed(2)}× PyTorch's time` };
  };
  const a = ratio('a');
  return [
    within('(b) on native BLAS within 1.5× of PyTorch', 'b', 'native', 1.5, 'no native-BLAS backend ran (none is available in this build)'),
    within('(b) on plain wasm within 4× of PyTorch', 'b', 'wasm', 4, 'wasm or the PyTorch peer did not run (b)'),
    a
      ? { target: "(a) at least half PyTorch's GFLOP/s", status: 1 / a.ratioToTorch! >= 0.5 ? 'met' : 'missed', measured: `best: ${a.runnerLabel}, ${Math.round(100 / a.ratioToTorch!)}% of PyTorch's rate` }
      : { target: "(a) at least half PyTorch's GFLOP/s", status: 'not measured', measured: 'no TF.js backend and the peer both ran (a)' },
    eventLoopP99 === undefined
      ? { target: 'event-loop p99 under 20 ms while training', status: 'not measured', measured: 'no event-loop result' }
      : { target: 'event-loop p99 under 20 ms while training', status: eventLoopP99 < 20 ? 'met' : 'missed', measured: `p99 ${eventLoopP99} ms` },
  ];
}

/** docs/perf/bench.json: what step-time.ts writes and readme-table.ts builds the README's table from. */
export interface BenchResult {
  date: string;
  seconds: number;
  command: string;
  options: Record<string, unknown> & { rounds: number };
  machine: MachineInfo & {
    tfjs: string;
    tfjsBackendWasm: string;
    loadAverageBefore: number[];
    loadAverageAfterSteps: number[];
    loadAverageAfter: number[];
    peak: { gflops: number; source: string };
  };
  plans: { default: StepPlan; slow: StepPlan; seed: number };
  optimizer: OptimizerConfig;
  workloads: WorkloadInfo[];
  openblasCoreType: { value?: string; inherited?: string };
  backends: Record<string, { reason: string; patches: string[]; accelerator: Accelerator; target: TargetClass | null; slow: boolean }>;
  peer:
    | { torch: string; debianPackage?: string; threads: number; blas: string[]; env: Record<string, string | null>; python: string; errors: string[] }
    | { skipped: string; errors: string[] };
  tensorLeaks: string[];
  summary: Summary[];
  app: AppFigures | null;
  targets: TargetResult[];
  series: Series[];
}
