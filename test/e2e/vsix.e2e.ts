// The packaged extension as a user installs it: `npm run package` (vsce, --no-dependencies) makes
// imlp-lab.vsix, `code-server --install-extension imlp-lab.vsix` installs it into a fresh extensions dir
// (nothing of the project folder is loaded: no node_modules, no sources), and an experiment on
// Fashion-MNIST (the system copy, /usr/share/datasets/fashion-mnist) runs from its "▶ Run" code lens until
// <workspace>/.imlp/runs/*/run.json says finished. Then a new user's first hour (test/e2e/walkthrough.ts):
// the walkthrough followed to the end with its own buttons, up to a finished sweep's exported plot.
//
// Usage: node --import tsx test/e2e/vsix.e2e.ts [--no-package]   (--no-package: use the existing imlp-lab.vsix)
// Screenshots and logs: test-results/e2e-vsix/.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../../src/core/results/types';
import { launchChromium, workspaceRuns as runs, log, PROJECT, recordConsole, sleep, startCodeServer } from './launch';
import { walkthrough } from './walkthrough';
import { Workbench } from './workbench';

const LAYER = 'e2e-vsix';
const VSIX = join(PROJECT, 'imlp-lab.vsix');
const EXPERIMENT = 'e2e-fashion.imlp.json';

async function main(): Promise<number> {
  if (!process.argv.includes('--no-package')) {
    const t = Date.now();
    const r = spawnSync('npm', ['run', 'package'], { cwd: PROJECT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run package failed (${r.status ?? r.signal}):\n${r.stdout}`);
    log(LAYER, `npm run package: ${(r.stdout.match(/DONE.*$/m) ?? ['?'])[0]} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  if (!existsSync(VSIX)) throw new Error(`${VSIX} is missing: run npm run package`);
  log(LAYER, `${VSIX}: ${(statSync(VSIX).size / 2 ** 20).toFixed(2)} MiB`);

  const t0 = Date.now();
  const cs = await startCodeServer({ layer: LAYER, extension: 'vsix', vsix: VSIX, fixture: join(PROJECT, 'test/e2e/workspace-vsix') });
  const installed = readdirSync(join(cs.runDir, 'exts')).filter((n) => n.startsWith('imlp-lab.imlp-lab-'));
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  recordConsole(page, join(cs.artefacts, 'browser-console.log'));
  const wb = new Workbench(page, cs.artefacts);
  let failedAt = '';
  const step = async (name: string, fn: () => Promise<void>) => {
    const s = Date.now();
    try {
      await fn();
      log(LAYER, `✔ ${name} (${((Date.now() - s) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failedAt = name;
      log(LAYER, `✘ ${name} (${((Date.now() - s) / 1000).toFixed(1)} s)\n${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  };
  let ok = true;
  try {
    await step('the .vsix is installed in the fresh extensions dir, with no node_modules', async () => {
      assert.equal(installed.length, 1, `installed: ${JSON.stringify(readdirSync(join(cs.runDir, 'exts')))}`);
      const dir = join(cs.runDir, 'exts', installed[0] ?? '');
      assert.ok(existsSync(join(dir, 'dist/extension.js')) && existsSync(join(dir, 'dist/worker.js')), 'dist/extension.js and dist/worker.js installed');
      assert.ok(!existsSync(join(dir, 'node_modules')), 'no node_modules in the installed extension');
      assert.ok(!existsSync(join(dir, 'src')), 'no sources in the installed extension');
      log(LAYER, `installed as ${installed[0]}: ${readdirSync(dir).join(', ')}`);
    });
    await step('the workbench loads', async () => {
      await page.goto(cs.workbenchUrl());
      await wb.waitReady();
    });
    await step('open the Fashion-MNIST experiment with Ctrl+P; the "▶ Run" lens appears', async () => {
      await wb.quickOpen(EXPERIMENT);
      await wb.codeLens('▶ Run').waitFor({ state: 'visible', timeout: 60_000 });
      await wb.screenshot('01-experiment-with-lenses');
    });
    const clickedAt = Date.now();
    await step('click "▶ Run"; run.json in <workspace>/.imlp/runs says finished', async () => {
      await wb.codeLens('▶ Run').click();
      await wb.screenshot('02-run-clicked');
      let run: RunRecord | undefined;
      for (;;) {
        const r = runs(cs.workspace).filter((x) => x.name === 'e2e-fashion');
        const bad = r.find((x) => x.status === 'failed' || x.status === 'cancelled');
        if (bad) throw new Error(`the run ended ${bad.status}: ${bad.error ?? ''}`);
        run = r.find((x) => x.status === 'finished');
        if (run) break;
        if (Date.now() - clickedAt > 180_000) throw new Error(`no finished e2e-fashion run 180 s after the click (runs: ${JSON.stringify(r.map((x) => [x.id, x.status]))})`);
        await sleep(250);
      }
      log(LAYER, `run ${run.id} finished ${((Date.now() - clickedAt) / 1000).toFixed(1)} s after the click: test accuracy ${run.result?.testAccuracy}`);
      assert.ok((run.result?.testAccuracy ?? 0) > 0.4, `test accuracy ${run.result?.testAccuracy}`);
      for (const f of ['run.json', 'metrics.jsonl', 'checkpoint']) assert.ok(existsSync(join(cs.workspace, '.imlp/runs', run.id, f)), `${f} of run ${run.id}`);
      const pct = `${((run.result?.testAccuracy ?? 0) * 100).toFixed(2)}%`;
      await wb.codeLens(pct).waitFor({ state: 'visible', timeout: 20_000 }).catch(() => log(LAYER, `the "Last: ${pct}" lens did not show within 20 s (not required)`));
      await wb.screenshot('03-run-finished');
    });
    await walkthrough(wb, cs, step, (m) => log(LAYER, m));
  } catch {
    ok = false;
    await wb.screenshot(`failed-${failedAt.replace(/[^\w]+/g, '-').slice(0, 60) || 'setup'}`).catch(() => undefined);
  } finally {
    await context.close().catch(() => undefined);
    await browser.close().catch(() => undefined);
    await sleep(1000);
    await cs.stop();
  }
  log(LAYER, `${ok ? 'passed' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots and logs in ${cs.artefacts}`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[${LAYER}] ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
