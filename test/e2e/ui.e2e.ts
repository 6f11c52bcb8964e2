// Layer 3: the extension as a user meets it, in the VS Code web workbench (code-server 4.100.3) driven
// by Playwright with Debian's chromium. The extension is installed the way a user's is (a folder in the
// extensions dir, here a symlink to the project), not in development mode.
//
// Scenario "trusted": open the workbench, Ctrl+P the experiment file, click the "▶ Run" lens, see the
// "$(beaker) I-MLP" status-bar item, wait for the run to finish in the results folder, open the
// "I-MLP Lab" activity-bar container and find the run in the "Runs" tree.
// Scenario "untrusted": the same workspace in restricted mode; "I-MLP: Run Experiment" trains nothing
// and says why.
// Scenario "panel" (test/e2e/panel.ts): the experiment panel in each of its states.
//
// Usage: node --import tsx test/e2e/ui.e2e.ts [trusted|untrusted|panel]...   (default: all)
// Screenshots and logs: test-results/e2e-<scenario>/.

import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { RunRecord } from '../../src/core/results/types';
import { EXTENSION_DIR, launchChromium, workspaceRuns as runs, log, recordConsole, sleep, startCodeServer } from './launch';
import { panel } from './panel';
import { poll, type Scenario } from './scenario';
import { Workbench } from './workbench';

const EXPERIMENT = 'e2e-ui.imlp.json';

const trusted: Scenario = {
  name: 'trusted',
  async body(wb, cs, step) {
    const page = wb.page;
    await step('open the experiment file with Ctrl+P', async () => {
      await wb.quickOpen(EXPERIMENT);
    });
    await step('the "▶ Run" code lens appears', async () => {
      await wb.codeLens('▶ Run').waitFor({ state: 'visible', timeout: 60_000 });
      await wb.screenshot('01-experiment-with-lenses');
    });
    await wb.watchStatusBar('I-MLP');
    const clickedAt = Date.now();
    await step('click "▶ Run"; the status-bar item "$(beaker) I-MLP" appears', async () => {
      await wb.codeLens('▶ Run').click();
      // The observer keeps every text the item had, so a short run's "training" state is not missed.
      let seen: string[] = [];
      await poll('a status-bar item "$(beaker) I-MLP …" while the run trains', async () => {
        seen = (await wb.seenStatus()).filter((t) => t.includes('I-MLP'));
        return seen.some((t) => t.startsWith('$(beaker) I-MLP'));
      }, 60_000, 100).catch((err: Error) => {
        throw new Error(`${err.message}; the status bar showed ${JSON.stringify(seen)}`);
      });
      log('e2e', `status bar showed: ${JSON.stringify(seen)}`);
      await wb.screenshot('02-training-status-bar');
    });
    let run: RunRecord | undefined;
    await step('the run finishes: run.json in <workspace>/.imlp/runs says finished', async () => {
      run = await poll(
        'a finished e2e-ui run in the results folder',
        () => {
          const r = runs(cs.workspace).filter((x) => x.name === 'e2e-ui');
          const bad = r.find((x) => x.status === 'failed' || x.status === 'cancelled');
          if (bad) throw new Error(`the run ended ${bad.status}: ${bad.error ?? ''}`);
          return r.find((x) => x.status === 'finished');
        },
        120_000,
      );
      log('e2e', `run ${run.id} finished ${((Date.now() - clickedAt) / 1000).toFixed(1)} s after the click: test accuracy ${run.result?.testAccuracy}`);
      assert.ok((run.result?.testAccuracy ?? 0) > 0.5, `test accuracy ${run.result?.testAccuracy}`);
      for (const f of ['run.json', 'metrics.jsonl', 'checkpoint']) assert.ok(existsSync(join(cs.workspace, '.imlp/runs', run.id, f)), `${f} of run ${run.id}`);
      // A finished notification, if the extension shows one, is in the screenshot.
      await wb.notification(/e2e-ui|finished|accuracy/i).waitFor({ state: 'visible', timeout: 5000 }).catch(() => log('e2e', 'no "finished" notification toast seen (not required)'));
      await wb.screenshot('03-run-finished');
    });
    await step('the "Last: …" lens shows the result', async () => {
      const pct = `${((run?.result?.testAccuracy ?? 0) * 100).toFixed(2)}%`;
      await wb.codeLens(pct).waitFor({ state: 'visible', timeout: 20_000 });
    });
    await step('the "I-MLP Lab" activity-bar view lists the run', async () => {
      await wb.activity('I-MLP Lab').click();
      const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Runs' }) }).first();
      await view.waitFor({ state: 'visible', timeout: 20_000 });
      const experimentRow = view.locator('.monaco-list-row', { hasText: 'e2e-ui' }).first();
      await experimentRow.waitFor({ state: 'visible', timeout: 20_000 });
      // experiments → sweeps → runs: expand until the run's row shows.
      const runRow = view.locator('.monaco-list-row', { hasText: /seed 0 · finished/ }).first();
      for (let i = 0; i < 6 && !(await runRow.isVisible()); i++) {
        const collapsed = view.locator('.monaco-list-row[aria-expanded="false"]').first();
        if (!(await collapsed.isVisible())) break;
        await collapsed.click();
        await sleep(400);
      }
      await runRow.waitFor({ state: 'visible', timeout: 10_000 });
      log('e2e', `runs tree row: ${(await runRow.innerText()).trim().replace(/\s+/g, ' ')}`);
      await wb.screenshot('04-runs-view');
    });
  },
};

const untrusted: Scenario = {
  name: 'untrusted',
  untrusted: true,
  async body(wb, cs, step) {
    await step('the workspace is in restricted mode', async () => {
      await wb.page.locator('.part.statusbar .statusbar-item', { hasText: /Restricted Mode/i }).first().waitFor({ state: 'visible', timeout: 30_000 });
    });
    await step('open the experiment file with Ctrl+P', async () => {
      await wb.quickOpen(EXPERIMENT);
      await sleep(1000);
      await wb.screenshot('01-restricted-experiment');
    });
    await step('"I-MLP: Run Experiment" trains nothing and says why', async () => {
      await wb.runCommand('I-MLP: Run Experiment');
      const toast = wb.notification(/trust/i);
      await toast.waitFor({ state: 'visible', timeout: 20_000 });
      log('e2e', `message: ${(await toast.innerText()).trim().replace(/\s+/g, ' ')}`);
      await wb.screenshot('02-restricted-run-refused');
      await sleep(3000);
      assert.deepEqual(runs(cs.workspace).map((r) => r.id), [], 'no run is written in an untrusted workspace');
    });
  },
};

async function runScenario(browser: Browser, sc: Scenario): Promise<boolean> {
  const layer = `e2e-${sc.name}`;
  const t0 = Date.now();
  const cs = await startCodeServer({ layer, extension: 'symlink', untrusted: sc.untrusted ?? false, ...(sc.fixture ? { fixture: sc.fixture } : {}) });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  recordConsole(page, join(cs.artefacts, 'browser-console.log'));
  const wb = new Workbench(page, cs.artefacts);
  let ok = true;
  let failedAt = '';
  const step = async (name: string, fn: () => Promise<void>) => {
    const s = Date.now();
    try {
      await fn();
      log(layer, `✔ ${name} (${((Date.now() - s) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failedAt = name;
      log(layer, `✘ ${name} (${((Date.now() - s) / 1000).toFixed(1)} s)\n${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  };
  try {
    await step('the workbench loads', async () => {
      await page.goto(cs.workbenchUrl());
      await wb.waitReady();
    });
    await sc.body(wb, cs, step);
  } catch {
    ok = false;
    await wb.screenshot(`failed-${failedAt.replace(/[^\w]+/g, '-').slice(0, 60) || 'setup'}`).catch(() => undefined);
  } finally {
    await context.close().catch(() => undefined);
    await sleep(1000); // output-channel log files appear up to about 1 s late
    await cs.stop();
  }
  log(layer, `${ok ? 'passed' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots and logs in ${cs.artefacts}`);
  return ok;
}

async function main(): Promise<number> {
  const all = [trusted, untrusted, panel];
  const wanted = process.argv.slice(2);
  const chosen = wanted.length ? all.filter((s) => wanted.includes(s.name)) : all;
  if (chosen.length === 0) throw new Error(`no scenario named ${wanted.join(', ')} (have: ${all.map((s) => s.name).join(', ')})`);
  if (!existsSync(join(EXTENSION_DIR, 'dist/extension.js'))) throw new Error(`${join(EXTENSION_DIR, 'dist/extension.js')} is missing: run npm run build`);
  const browser = await launchChromium();
  let failed = 0;
  try {
    for (const sc of chosen) if (!(await runScenario(browser, sc))) failed++;
  } finally {
    await browser.close().catch(() => undefined);
  }
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[e2e] ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
