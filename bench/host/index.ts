// Extension-host half of bench/event-loop.ts, loaded as extensionTestsPath (bundled by it to
// out/bench/index.js, as test/host/build.mjs bundles the host tests). Samples this host's event-loop
// delay for IMLP_BENCH_SECONDS at rest, then as long again while imlp.run trains event-loop.imlp.json in
// the extension's worker thread; cancels the run and writes a HostResult to IMLP_BENCH_OUT.

import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { RunRecord } from '../../src/core/results/types';
import { activateByOpening, listRuns, readRun, sleep, waitFor, wsFile } from '../../test/host/helpers';

const EXPERIMENT = 'event-loop.imlp.json';
const RESOLUTION_MS = 10;
/** After activation the host still answers the workbench's start-up requests (lenses, diagnostics, schema). */
const SETTLE_MS = 5000;
/** Steps to wait for before the training window, so worker start, dataset load and the first kernels stay out of it. */
const WARMUP_STEPS = 20;

export interface DelayWindow {
  seconds: number;
  samples: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
}

export interface HostResult {
  vscode: string;
  hostNode: string;
  resolutionMs: number;
  settleSeconds: number;
  warmupSteps: number;
  idle: DelayWindow;
  training: DelayWindow & { runId: string; backend: RunRecord['backend']; steps: number; stepsPerSecond: number; finalStatus: string };
}

/** The part of the extension's exports read here: a training run's live progress (what the status bar shows). */
interface RunnerApi {
  runner?: { live(runId: string): { globalStep: number } | undefined };
}

const ms = (ns: number) => Math.round(ns / 1e4) / 100;
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

async function sampleWindow(seconds: number): Promise<DelayWindow> {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const loadAverageBefore = load();
  const t0 = performance.now();
  h.enable();
  await sleep(seconds * 1000);
  h.disable();
  return {
    seconds: Math.round(performance.now() - t0) / 1000,
    samples: h.count,
    p50Ms: ms(h.percentile(50)),
    p90Ms: ms(h.percentile(90)),
    p99Ms: ms(h.percentile(99)),
    maxMs: ms(h.max),
    meanMs: ms(h.mean),
    loadAverageBefore,
    loadAverageAfter: load(),
  };
}

export async function run(): Promise<void> {
  const seconds = Number(process.env.IMLP_BENCH_SECONDS);
  const out = process.env.IMLP_BENCH_OUT;
  if (!(seconds > 0) || !out) throw new Error('IMLP_BENCH_SECONDS and IMLP_BENCH_OUT must be set (by bench/event-loop.ts)');

  const ext = await activateByOpening(EXPERIMENT);
  const runner = (ext.exports as RunnerApi | undefined)?.runner;
  if (typeof runner?.live !== 'function') throw new Error(`the extension's exports have no runner.live (exports: ${Object.keys((ext.exports ?? {}) as object).join(', ')})`);
  await sleep(SETTLE_MS);

  console.log(`[bench] idle window: ${seconds} s`);
  const idle = await sampleWindow(seconds);

  const before = new Set(listRuns().map((r) => r.id));
  let settled: { ok: boolean; error?: unknown } | undefined;
  const running = Promise.resolve(vscode.commands.executeCommand('imlp.run', wsFile(EXPERIMENT))).then(
    () => (settled = { ok: true }),
    (error: unknown) => (settled = { ok: false, error }),
  );
  const runId = await waitFor(
    `the run of ${EXPERIMENT} to pass ${WARMUP_STEPS} steps`,
    () => {
      if (settled) throw new Error(`imlp.run ended before the window: ${JSON.stringify(settled)}`);
      const r = listRuns().find((x) => !before.has(x.id) && x.status === 'running');
      return r && (runner.live(r.id)?.globalStep ?? 0) >= WARMUP_STEPS ? r.id : undefined;
    },
    120_000,
  );

  console.log(`[bench] training window: ${seconds} s (run ${runId})`);
  const stepsBefore = runner.live(runId)!.globalStep;
  const window = await sampleWindow(seconds);
  const stepsAfter = runner.live(runId)?.globalStep;
  if (stepsAfter === undefined) throw new Error(`run ${runId} ended (${readRun(runId).status}) before the ${seconds} s window did: raise "epochs" in ${EXPERIMENT}`);

  await vscode.commands.executeCommand('imlp.cancel');
  await Promise.race([running, sleep(60_000)]);
  if (!settled) throw new Error('imlp.run did not settle within 60 s of imlp.cancel');
  const record = readRun(runId);
  const steps = stepsAfter - stepsBefore;
  const result: HostResult = {
    vscode: vscode.version,
    hostNode: process.version,
    resolutionMs: RESOLUTION_MS,
    settleSeconds: SETTLE_MS / 1000,
    warmupSteps: WARMUP_STEPS,
    idle,
    training: { ...window, runId, backend: record.backend, steps, stepsPerSecond: Math.round((steps / window.seconds) * 10) / 10, finalStatus: record.status },
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
}
