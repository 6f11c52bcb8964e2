// Panel redraw benchmark: the built experiment panel (dist/webview) in headless Chromium, fed as the
// extension host feeds it — a `view` of one running run, then 50,000 loss points in `append` batches —
// while the page records every animation frame's interval and every chart redraw's duration.
// Usage and how to read it: bench/README.md ("Panel redraw").
//   npm run bench:panel -- [--points N] [--batch N] [--interval MS] [--scale F]
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LossSeries, PanelView, ToPanel } from '../src/shared/protocol';
import { launchChromium, PROJECT } from '../test/e2e/launch';
import { loadAverage, machineInfo, readCpuInfo } from './report';

const DIST = join(PROJECT, 'dist/webview');
const OUT = join(PROJECT, 'docs/perf/panel-redraw.json');
/** The part that runs in the page; plain JS, since this project's Node type-check has no DOM types. */
const PAGE_SCRIPT = join(PROJECT, 'bench/panel-redraw.page.js');
const RUN_ID = 'bench-run';
/** An evaluation and a sync every this many steps (one "epoch"). */
const EPOCH = 1000;

/** What the page script returns. */
interface PageResult {
  frames: number[];
  redraws: Record<string, number[]>;
  lossRedraws: Array<{ points: number; ms: number }>;
  streamMs: number;
  pointsHeld: number;
  lossRedrawCount: number;
}

interface Options {
  points: number;
  batch: number;
  intervalMs: number;
  scale: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      points: { type: 'string', default: '50000' },
      batch: { type: 'string', default: '100' },
      interval: { type: 'string', default: '16' },
      scale: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('npm run bench:panel -- [--points 50000] [--batch 100] [--interval 16] [--scale 1]\nSee bench/README.md.');
    process.exit(0);
  }
  const num = (flag: string, v: string, min: number): number => {
    const n = Number(v);
    if (!(n >= min) || !Number.isFinite(n)) throw new Error(`--${flag} must be a number ≥ ${min}, got "${v}"`);
    return n;
  };
  return { points: num('points', values.points!, 1), batch: num('batch', values.batch!, 1), intervalMs: num('interval', values.interval!, 0), scale: num('scale', values.scale!, 1) };
}

/** The panel as VS Code shows it: the host's CSP, the two stylesheets, a stub of acquireVsCodeApi. */
function pageHtml(origin: string, nonce: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src ${origin}; img-src ${origin} data:; font-src ${origin}">
<link rel="stylesheet" href="${origin}/theme.css"><link rel="stylesheet" href="${origin}/uPlot.min.css"><link rel="stylesheet" href="${origin}/panel.css">
</head><body class="vscode-dark"><div id="app"></div>
<script nonce="${nonce}">window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), setState: () => {}, getState: () => undefined });</script>
<script nonce="${nonce}" src="${origin}/main.js"></script>
</body></html>`;
}

/** A few of VS Code's dark theme variables, as the workbench sets them on the webview's root. */
const THEME_CSS = `:root { --vscode-editor-foreground: #cccccc; --vscode-editor-background: #1f1f1f; --vscode-descriptionForeground: #9d9d9d;
  --vscode-focusBorder: #0078d4; --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-widget-border: #313131;
  --vscode-charts-blue: #3794ff; --vscode-charts-red: #f14c4c; --vscode-charts-green: #89d185; --vscode-charts-orange: #d18616; --vscode-charts-purple: #b180d7; }
body { background: #1f1f1f; margin: 0; padding: 0 20px; }`;

function serve(nonce: string): Promise<{ server: Server; origin: string }> {
  const types: Record<string, string> = { js: 'text/javascript', css: 'text/css', html: 'text/html', map: 'application/json' };
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      const name = (req.url ?? '/').split('?')[0]!.slice(1) || 'index.html';
      const origin = `http://${req.headers.host}`;
      const body = name === 'index.html' ? pageHtml(origin, nonce) : name === 'theme.css' ? THEME_CSS
        : /^[\w.]+$/.test(name) && existsSync(join(DIST, name)) ? readFileSync(join(DIST, name)) : null;
      if (body === null) return res.writeHead(name === 'favicon.ico' ? 204 : 404).end();
      res.writeHead(200, { 'content-type': types[name.split('.').pop()!] ?? 'application/octet-stream' }).end(body);
    });
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, origin: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}` });
    });
  });
}

function view(totalSteps: number): PanelView {
  return {
    target: { kind: 'experiment', file: '/bench/bench.imlp.json' },
    title: 'bench · redraw',
    state: 'running',
    message: 'Training α = 0.1, seed 0',
    sweeps: [],
    runs: [{ id: RUN_ID, status: 'running', role: 'run', alpha: 0.1, seed: 0, mode: 'sync', schedule: 'constant', globalStep: 0, totalSteps }],
    selectedRunId: RUN_ID,
    schedule: {
      runId: RUN_ID, mode: 'sync', schedule: 'constant', alpha0: 0.1, totalSteps,
      steps: Array.from({ length: totalSteps / EPOCH }, (_, i) => (i + 1) * EPOCH),
      alpha: Array.from({ length: totalSteps / EPOCH }, () => 0.1),
      cumulative: Array.from({ length: totalSteps / EPOCH }, (_, i) => 1 - 0.9 ** (i + 1)),
    },
    currentStep: 0,
  };
}

function stats(xs: readonly number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  const round = (v: number): number => Math.round(v * 100) / 100;
  return { n: s.length, p50: round(q(0.5)), p95: round(q(0.95)), p99: round(q(0.99)), max: round(s[s.length - 1] ?? NaN) };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!existsSync(join(DIST, 'main.js'))) throw new Error(`${DIST}/main.js is missing: run node esbuild.mjs first`);
  const nonce = randomBytes(16).toString('base64');
  const { server, origin } = await serve(nonce);
  const browser = await launchChromium();
  const loadBefore = loadAverage();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: opts.scale });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`[${m.type()}] ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`[pageerror] ${e.message}`));
    await page.goto(`${origin}/`);
    // Strings, not functions: this file is type-checked without the DOM's types.
    await page.waitForFunction(`window.__posted.some((m) => m.type === 'ready')`);
    const totalSteps = Math.ceil(opts.points / EPOCH) * EPOCH;
    const first: ToPanel = { type: 'view', view: view(totalSteps) };
    const empty: LossSeries = { runId: RUN_ID, steps: [], loss: [], priorLoss: [], evals: [], syncs: [] };
    const opening: ToPanel[] = [first, { type: 'series', series: empty }];
    await page.evaluate(`${JSON.stringify(opening)}.forEach((m) => window.postMessage(m, '*'))`);
    const args = { runId: RUN_ID, points: opts.points, batch: opts.batch, intervalMs: opts.intervalMs, epoch: EPOCH };
    const r = (await page.evaluate(`(${readFileSync(PAGE_SCRIPT, 'utf8')})(${JSON.stringify(args)})`)) as PageResult;
    const chromium = browser.version();

    // Loss redraws by the number of points drawn, in fifths of the run.
    const fifth = opts.points / 5;
    const byPoints = Array.from({ length: 5 }, (_, i) => ({
      upToPoints: Math.round((i + 1) * fifth),
      ...stats(r.lossRedraws.filter((d) => d.points > i * fifth && d.points <= (i + 1) * fifth).map((d) => d.ms)),
    }));
    const result = {
      date: new Date().toISOString(),
      machine: { ...machineInfo(readCpuInfo()), chromium, headless: true, gpu: 'disabled (software canvas)', loadBefore, loadAfter: loadAverage() },
      options: { ...opts, messages: Math.ceil(opts.points / opts.batch), epoch: EPOCH, series: 'M and P train loss, M and P test accuracy per epoch, a sync per epoch' },
      streamSeconds: Math.round(r.streamMs) / 1000,
      pointsHeld: r.pointsHeld,
      frameMs: stats(r.frames),
      framesOver50ms: r.frames.filter((f) => f > 50).length,
      redrawMs: Object.fromEntries(Object.entries(r.redraws).map(([chart, ms]) => [chart, stats(ms)])),
      lossRedrawCount: r.lossRedrawCount,
      lossRedrawMsByPoints: byPoints,
      consoleProblems: problems,
    };
    mkdirSync(join(PROJECT, 'docs/perf'), { recursive: true });
    writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');

    const row = (name: string, s: ReturnType<typeof stats>): string =>
      `${name.padEnd(26)}${String(s.n).padStart(6)}${[s.p50, s.p95, s.p99, s.max].map((v) => v.toFixed(2).padStart(9)).join('')}`;
    console.log(`${opts.points} loss points in ${result.options.messages} append messages every ${opts.intervalMs} ms, streamed in ${result.streamSeconds} s (Chromium ${chromium}, headless)`);
    console.log(`${'ms'.padEnd(26)}${'n'.padStart(6)}${['p50', 'p95', 'p99', 'max'].map((h) => h.padStart(9)).join('')}`);
    console.log(row('frame interval', result.frameMs));
    for (const [chart, s] of Object.entries(result.redrawMs)) console.log(row(`${chart} redraw`, s));
    for (const b of byPoints) console.log(row(`  loss redraw ≤ ${b.upToPoints} pts`, b));
    console.log(`frames over 50 ms: ${result.framesOver50ms}; loss redraws: ${r.lossRedrawCount} for ${result.options.messages} messages`);
    if (problems.length) console.log(`console errors and warnings:\n  ${problems.join('\n  ')}`);
    console.log(`wrote ${OUT}`);
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
