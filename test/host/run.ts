// Layer 2: mocha inside the real extension host of code-server (VS Code 1.100.3).
//
// The workbench reads test-electron's arguments from the `payload` URL parameter: it loads the
// extension from the project folder (extensionDevelopmentPath), runs out/test/index.js
// (extensionTestsPath, built by test/host/build.mjs) in the extension host, forwards the host's console
// to window.codeAutomationLog and calls window.codeAutomationExit(code) when mocha is done.
//
// Usage: node --import tsx test/host/run.ts [untrusted]   (env IMLP_HOST_GREP=<pattern>: matching tests only)
//   default:   a trusted workspace, the suites test/host/suite/NN-*.test.ts
//   untrusted: workspace trust on and the folder not trusted (restricted mode), the suites
//              test/host/suite/untrusted-*.test.ts
// Artefacts: test-results/host[-untrusted]/ (code-server log, extension host and output-channel logs,
// mocha's output, a screenshot).

import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSION_DIR, EXTENSION_ID, extensionHostPage, launchChromium, log, sleep, startCodeServer } from '../e2e/launch';

const UNTRUSTED = process.argv.includes('untrusted');
const LAYER = UNTRUSTED ? 'host-untrusted' : 'host';
const TIMEOUT_MS = Number(process.env.IMLP_HOST_TIMEOUT_MS ?? 300_000);

const EXT_DIR = EXTENSION_DIR;
/** Workbench chatter forwarded with the host's console (kept in mocha-output.log, not printed). */
const NOISE = [/^Resolving connection token/, /^Resolved connection token/, /^Creating a socket/, /^Creation of workbench contribution/, /^Updating additional builtin extensions cache/, /^\[Service Worker\]/, /^ChatSessionStore:/, /ENOTFOUND open-vsx\.org/, /^\s+at .*\/static\/out\/vs\//];

async function main(): Promise<number> {
  const entry = join(EXT_DIR, 'out/test/index.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run node test/host/build.mjs`);
  if (!existsSync(join(EXT_DIR, 'dist/extension.js'))) throw new Error(`${join(EXT_DIR, 'dist/extension.js')} is missing: run npm run build`);

  const env: Record<string, string> = { IMLP_HOST_MODE: UNTRUSTED ? 'untrusted' : 'trusted' };
  if (process.env.IMLP_HOST_GREP) env.IMLP_HOST_GREP = process.env.IMLP_HOST_GREP;
  const cs = await startCodeServer({ layer: LAYER, extension: 'payload', untrusted: UNTRUSTED, env });
  const browser = await launchChromium();
  const transcript: string[] = [];
  try {
    const page = await extensionHostPage(browser, cs, (line) => {
      transcript.push(line);
      const shown = line.split('\n').filter((l) => !NOISE.some((re) => re.test(l)));
      if (shown.length > 0) console.log(shown.join('\n'));
    });
    let exit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((res) => (exit = res));
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    // VS Code 1.139 ignores the payload unless the smoke-test driver is on; harmless on 1.100.
    await page.addInitScript(`new MutationObserver((_, obs) => {
      const el = document.getElementById('vscode-workbench-web-configuration'); if (!el) return; obs.disconnect();
      const cfg = JSON.parse(el.getAttribute('data-settings'));
      cfg.developmentOptions = Object.assign({}, cfg.developmentOptions, { enableSmokeTestDriver: true });
      el.setAttribute('data-settings', JSON.stringify(cfg));
    }).observe(document, { childList: true, subtree: true });`);

    const t0 = Date.now();
    await page.goto(
      cs.workbenchUrl([
        ['extensionDevelopmentPath', cs.remote(EXT_DIR)],
        ['extensionTestsPath', cs.remote(entry)],
      ]),
    );
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<number>((res) => {
        timer = setTimeout(() => {
          console.error(`[${LAYER}] no result from the extension host within ${TIMEOUT_MS / 1000} s`);
          res(124);
        }, TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    log(LAYER, `mocha in the extension host finished with exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await page.screenshot({ path: join(cs.artefacts, 'workbench-at-exit.png') }).catch(() => undefined);

    const checks = code === 0 ? await postChecks(cs.userDataDir) : [];
    for (const c of checks) console.error(`[${LAYER}] FAILED: ${c}`);
    return code === 0 && checks.length === 0 ? 0 : code || 1;
  } finally {
    writeFileSync(join(cs.artefacts, 'mocha-output.log'), transcript.join('\n') + '\n');
    await browser.close().catch(() => undefined);
    await sleep(1000); // output-channel log files appear up to about 1 s late
    const logsBefore = join(cs.userDataDir, 'logs');
    await cs.stop();
    log(LAYER, `logs and screenshot in ${cs.artefacts} (from ${logsBefore})`);
  }
}

/** What the extension host cannot see from inside: the LogOutputChannel "I-MLP Lab" has a log file. */
async function postChecks(userDataDir: string): Promise<string[]> {
  const failures: string[] = [];
  const files = walk(join(userDataDir, 'logs'));
  const channel = files.find((f) => /I-MLP Lab\.log$/.test(f));
  if (!channel) failures.push(`no log file of the output channel "I-MLP Lab" under ${join(userDataDir, 'logs')} (files: ${files.map((f) => f.slice(userDataDir.length)).join(', ')})`);
  const exthost = files.find((f) => f.endsWith('remoteexthost.log'));
  if (exthost) log(LAYER, `extension host log: ${exthost.slice(userDataDir.length + 1)}; extension ${EXTENSION_ID}`);
  return failures;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[${LAYER}] ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
