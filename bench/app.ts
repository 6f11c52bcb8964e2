// The application-level figures of `npm run bench`: the README's quick experiment end to end, the peak
// memory of a small sweep, and the extension host's event-loop delay while a run trains (bench/event-loop.ts,
// run now or read from its last output). Usage and how to read them: bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ResultsStore } from '../src/core/results/store';
import type { HostResult } from './host';

const PROJECT = resolve(__dirname, '..');
const CLI = join(PROJECT, 'dist/cli.js');
const EVENT_LOOP_JSON = join(PROJECT, 'docs/perf/event-loop.json');
const CODE_SERVER = join(PROJECT, '.vscode-test/code-server/node_modules/.bin/code-server');
export const QUICK_EXPERIMENT = 'examples/quick.imlp.json';
export const SWEEP_EXPERIMENT = 'bench/sweep.imlp.json';
const RSS_SAMPLE_MS = 50;

export interface CliRun {
  command: string;
  seconds: number;
  /** The process's VmHWM: the peak resident set of the whole process, worker threads included (they share it). */
  peakRssMiB: number;
  /** Runs it recorded, and the distinct backends they say they trained on (the accelerator included). */
  runs: number;
  backends: string[];
}

/** Builds dist/ from the current source, so that what is measured is what the source says. */
export function buildDist(): void {
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: PROJECT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('node esbuild.mjs failed: the CLI cannot be measured');
}

/**
 * Runs `imlp <args> --results <fresh temp folder>` and times it from spawn to exit, sampling the
 * process's VmHWM every 50 ms (it only grows, so a sample can only miss growth in the last 50 ms).
 */
export async function runCli(args: string[]): Promise<CliRun> {
  const results = mkdtempSync(join(tmpdir(), 'imlp-bench-'));
  const command = `imlp ${args.join(' ')} --results <temp dir>`;
  try {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args, '--results', results], { cwd: PROJECT, env: userEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    let peakKiB = 0;
    const sample = () => {
      try {
        const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
      } catch {
        // the process has just exited
      }
    };
    const timer = setInterval(sample, RSS_SAMPLE_MS);
    const exitCode = await new Promise<number | null>((res, rej) => {
      child.on('error', rej);
      child.on('exit', (code) => res(code));
    });
    clearInterval(timer);
    const seconds = (performance.now() - t0) / 1000;
    if (exitCode !== 0) throw new Error(`${command} exited with ${exitCode}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const runs = new ResultsStore(results).listRuns();
    const backends = [...new Set(runs.map((r) => (r.damaged ? 'damaged run record' : r.record.backend?.reason ?? 'not recorded')))];
    return { command, seconds, peakRssMiB: Math.round(peakKiB / 1024), runs: runs.length, backends };
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
}

export interface EventLoopFigure {
  /** "measured now" or where the figure was read from. */
  source: string;
  /** Why re-measuring it failed, when it did (the figure is then the file's last one). */
  remeasureFailed?: string;
  date: string;
  command: string;
  idle: { p50Ms: number; p99Ms: number };
  /** `backend`: the run's backend reason (the accelerator included). */
  training: { p50Ms: number; p99Ms: number; stepsPerSecond: number; backend?: string };
  loadAverage: number[];
}

export interface AppFigures {
  quickExperiment?: CliRun;
  sweep?: CliRun;
  eventLoop?: EventLoopFigure | { source: string; missing: string };
  errors: string[];
}

/**
 * The environment a user has: without the OpenBLAS thread count step-time.ts set for its own timings (with
 * it, the extension host's training workers would share a 2-thread pool, which hangs; openblasEnv.ts).
 */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.IMLP_BENCH_SET_BLAS_THREADS) delete env.OPENBLAS_NUM_THREADS;
  delete env.IMLP_BENCH_SET_BLAS_THREADS;
  return env;
}

/** Whether bench/event-loop.ts can run here: it needs the code-server of `bash scripts/setup-vscode-test.sh`. */
export const hostBenchAvailable = () => existsSync(CODE_SERVER);

/**
 * Runs `npm run bench:host` (it rewrites docs/perf/event-loop.json), or only reads that file's last result;
 * when the run fails, the file's last result is read and the failure returned with it.
 */
export function eventLoop(runNow: boolean): EventLoopFigure | { source: string; missing: string } {
  let failed: string | undefined;
  if (runNow) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/event-loop.ts'], { cwd: PROJECT, env: userEnv(), stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
    process.stderr.write(r.stderr ?? '');
    const why = /Error: (.*?)(?:; its console ends:|$)/m.exec(r.stderr ?? '')?.[1] ?? `exit ${r.status}`;
    if (r.status !== 0) failed = `npm run bench:host failed (${why}; logs in test-results/bench-event-loop/)`;
  }
  if (!existsSync(EVENT_LOOP_JSON)) return { source: 'docs/perf/event-loop.json', missing: failed ?? 'no event-loop result: run npm run bench:host' };
  const j = JSON.parse(readFileSync(EVENT_LOOP_JSON, 'utf8')) as HostResult & { date: string; command: string; machine: { loadAverageBefore: number[] } };
  return {
    source: runNow && !failed ? 'measured now' : `docs/perf/event-loop.json of ${j.date}`,
    ...(failed ? { remeasureFailed: failed } : {}),
    date: j.date,
    command: j.command,
    idle: { p50Ms: j.idle.p50Ms, p99Ms: j.idle.p99Ms },
    training: { p50Ms: j.training.p50Ms, p99Ms: j.training.p99Ms, stepsPerSecond: j.training.stepsPerSecond, backend: j.training.backend?.reason },
    loadAverage: j.machine.loadAverageBefore,
  };
}
