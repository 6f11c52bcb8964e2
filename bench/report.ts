// Summaries of the step-time benchmark: pooled medians, FLOP rates, ratios to the PyTorch peer, the
// printed table and the machine description stored with the JSON.
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

/** One measured series: a workload (or the matmul probe) on one runner, with the times of every round. */
export interface Series {
  /** 'matmul' or a workload id. */
  task: string;
  taskTitle: string;
  /** 'tensorflow' | 'wasm' | 'cpu' | 'torch'. */
  runner: string;
  runnerLabel: string;
  /** FLOPs of one timed unit (a training step, or one matmul). */
  flops: number;
  /** Timed milliseconds of each round. */
  rounds: number[][];
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

function taskOrder(task: string): number {
  return ['matmul', 'a', 'c', 'm'].indexOf(task);
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
