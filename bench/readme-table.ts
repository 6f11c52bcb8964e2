// Rebuilds the README's performance tables, between `<!-- bench:begin -->` and `<!-- bench:end -->`, from
// docs/perf/bench.json (what `npm run bench` wrote), so the README shows exactly what was measured.
//   npm run bench:readme
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchResult, type Summary, taskOrder } from './report';

const PROJECT = join(__dirname, '..');
const README = join(PROJECT, 'README.md');
const JSON_FILE = join(PROJECT, 'docs/perf/bench.json');
const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const rate = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(1));
const pct = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 0.1 ? x.toFixed(1) : x.toPrecision(1));
/** "wasm requested; using wasm (SIMD, 1 thread); matmuls on …" → "wasm (SIMD, 1 thread); matmuls on …". */
const backendOf = (reason: string | undefined) => reason?.replace(/^.*?using /, '') ?? 'backend not recorded';
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

/** The step-time table: a row per workload, a column per runner (PyTorch last). */
function stepTable(r: BenchResult): string[] {
  const runners = [...new Set(r.summary.map((s) => s.runner))].sort((a, b) => Number(a === 'torch') - Number(b === 'torch'));
  const label = new Map(r.summary.map((s) => [s.runner, s.runner === 'torch' ? `PyTorch ${s.runnerLabel.replace(/^torch /, '')}` : s.runnerLabel]));
  const cell = new Map(r.summary.map((s) => [`${s.task}|${s.runner}`, s]));
  const titles = new Map(r.series.map((s) => [s.task, s.taskTitle.replace(' (ms per matmul)', '')]));
  const flops = new Map(r.series.map((s) => [s.task, s.flops]));
  const tasks = [...new Set(r.summary.map((s) => s.task))].sort((a, b) => taskOrder(a) - taskOrder(b));
  const format = (s: Summary | undefined) => (s
    ? `${ms(s.medianMs)} ms${s.ratioToTorch === null ? '' : ` · **${s.ratioToTorch.toFixed(s.ratioToTorch >= 10 ? 0 : 1)}×**`} · ${rate(s.gflops)} GFLOP/s (${pct(s.percentOfPeak)}%)`
    : '–');
  return [
    row(['workload (batch 128, Adam)', 'GFLOP per step', ...runners.map((x) => label.get(x)!)]),
    row(['---', '---:', ...runners.map(() => '---:')]),
    ...tasks.map((t) => row([titles.get(t)!, `${(flops.get(t)! / 1e9).toFixed(2)}${t === 'matmul' ? ' per matmul' : ''}`, ...runners.map((x) => format(cell.get(`${t}|${x}`)))])),
  ];
}

/** One sentence per I-MLP row: how much of its step is the sync. */
function phaseLines(r: BenchResult): string[] {
  return r.summary.filter((s) => s.phaseMedians).sort((a, b) => taskOrder(a.task) - taskOrder(b.task)).map((s) =>
    `- (${s.task}) on ${s.runner === 'torch' ? 'PyTorch' : s.runnerLabel}: P's and M's steps ${ms(s.phaseMedians!.steps!)} ms, the sync ${ms(s.phaseMedians!.sync!)} ms`);
}

function appTable(r: BenchResult): string[] {
  const a = r.app;
  if (!a) return ['Application figures: not measured in this run (`--no-app`).'];
  const rows = [row(['application', 'measured']), row(['---', '---'])];
  if (a.quickExperiment) rows.push(row([`the README's quick experiment end to end (\`${a.quickExperiment.command}\`, ${a.quickExperiment.backends.map(backendOf).join('; ')})`, `${a.quickExperiment.seconds.toFixed(1)} s`]));
  if (a.sweep) rows.push(row([`peak RSS of a sweep (\`${a.sweep.command}\`, ${a.sweep.runs} runs; VmHWM of the CLI process, worker threads included)`, `${a.sweep.peakRssMiB} MiB`]));
  const el = a.eventLoop;
  if (el && 'training' in el) {
    rows.push(row([
      `extension host event-loop delay while a run trains (${el.training.stepsPerSecond} steps/s on ${backendOf(el.training.backend)}), p50 / p99 (idle: ${el.idle.p50Ms} / ${el.idle.p99Ms}); \`${el.command}\`, ${el.source === 'measured now' ? 'measured in this run' : `read from ${el.source}`}`,
      `${el.training.p50Ms} / ${el.training.p99Ms} ms`,
    ]));
  } else if (el) rows.push(row(['extension host event-loop delay', el.missing]));
  for (const e of a.errors) rows.push(row(['failed', e.replace(/\|/g, '\\|').split('\n')[0]!]));
  return rows;
}

function targetTable(r: BenchResult): string[] {
  const el = r.app?.eventLoop;
  // The event-loop figure may be an earlier run's: say whose, and why this run did not measure it.
  const elNote = el && 'training' in el && el.source !== 'measured now'
    ? ` (${el.source}, on ${backendOf(el.training.backend)}${el.remeasureFailed ? `; re-measuring in this run failed: ${el.remeasureFailed}` : ''})`
    : '';
  return [
    row(['target (issue 7)', 'result', 'measured']),
    row(['---', '---', '---']),
    ...r.targets.map((t) => row([
      t.target,
      t.status === 'met' ? 'met' : t.status === 'missed' ? '**missed**' : 'not measured',
      t.target.startsWith('event-loop') ? `${t.measured}${elNote}` : t.measured,
    ])),
  ];
}

function block(r: BenchResult): string {
  const m = r.machine;
  const peer = 'torch' in r.peer ? `PyTorch ${r.peer.debianPackage ?? r.peer.torch} (Debian, ${r.peer.threads} threads)` : `no PyTorch peer (${r.peer.skipped})`;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  return [
    BEGIN,
    '<!-- Generated from docs/perf/bench.json by `npm run bench:readme` (bench/readme-table.ts); edit those, not this block. -->',
    `\`${r.command}\`, ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${(r.seconds / 60).toFixed(0)} min: ${m.cpuModel} (family ${m.cpuFamily ?? '?'} model ${m.cpuModelNumber ?? '?'}${m.cpuFlags.avx512f ? ', AVX-512' : ''}), ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node.replace(/^v/, '')}, TF.js ${m.tfjs}, ${peer}, \`OPENBLAS_CORETYPE=${r.openblasCoreType.value ?? 'unset'}\` on both sides. ` +
      `Load average (1, 5, 15 min) ${load(m.loadAverageBefore)} before, ${load(m.loadAverageAfterSteps)} after the step timings. ` +
      `Median of ${r.plans.default.steps} steps after ${r.plans.default.warmup} warm-up in each of ${r.options.rounds} round${r.options.rounds === 1 ? '' : 's'} (cpu: ${r.plans.slow.steps} after ${r.plans.slow.warmup}), TF.js and PyTorch alternating; **×** = TF.js time / PyTorch time; GFLOP/s = 3 × forward FLOPs / median, % of the ${m.peak.gflops} GFLOP/s FMA peak.`,
    '',
    ...stepTable(r),
    '',
    'The I-MLP steps, split (median ms):',
    '',
    ...phaseLines(r),
    '',
    ...appTable(r),
    '',
    ...targetTable(r),
    END,
  ].join('\n');
}

function main(): void {
  const result = JSON.parse(readFileSync(JSON_FILE, 'utf8')) as BenchResult;
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} … ${END} block to fill`);
  writeFileSync(README, readme.slice(0, start) + block(result) + readme.slice(end + END.length));
  console.log(`README.md: performance block rebuilt from docs/perf/bench.json (${result.date})`);
}

main();
