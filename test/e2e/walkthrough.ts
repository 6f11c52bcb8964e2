// Scenario "walkthrough": a new user follows "I-MLP Lab: Your First Hour" to the end in the installed
// extension, pressing only the walkthrough's own buttons, and ends with a finished sweep's plot:
//   open the walkthrough (Welcome: Open Walkthrough…) → what an I-MLP is (the picture loads) →
//   Create the Demo Experiment (imlp-demo.imlp.json appears and opens) → Run α = 0.5 (the frozen prior,
//   then the run, finish) → Open the Panel → Sweep α (every planned run finishes) → Show the Plot
//   (accuracy versus α with its 7 points) → Export the Plot (an SVG in .imlp/exports) — each step ticked.
// Screenshots: test-results/e2e-vsix/w*.png. Called from test/e2e/vsix.e2e.ts.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import type { CodeServer } from './launch';
import { workspaceRuns as runs, sleep } from './launch';
import { poll } from './scenario';
import type { Workbench } from './workbench';

const WALKTHROUGH = 'Your First Hour';
const STEP_ID = (id: string) => `imlp-lab.imlp-lab#firstHour#${id}`;
const DEMO = 'imlp-demo';
/** The demo preset: the frozen prior, the plain MLP alone and 7 α × 1 seed. */
const DEMO_RUNS = 1 + 1 + 7;

const step = (page: Page, id: string) => page.locator(`.getting-started-step[data-step-id="${STEP_ID(id)}"]`);

async function openWalkthrough(wb: Workbench): Promise<void> {
  const tab = wb.page.locator('.tabs-container .tab', { hasText: 'Walkthrough: I-MLP Lab' }).first();
  if (await tab.isVisible().catch(() => false)) {
    await tab.click();
  } else {
    await wb.runCommand('Welcome: Open Walkthrough...');
    const row = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: WALKTHROUGH }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    await row.click();
  }
  await step(wb.page, 'whatIsAnImlp').waitFor({ state: 'visible', timeout: 30_000 });
}

/** Selects a step and presses its button; the step's own button, so a user sees exactly this. */
async function press(wb: Workbench, id: string, button: string): Promise<void> {
  await openWalkthrough(wb);
  // Toasts of finished runs can sit over the page's lower corner.
  await wb.runCommand('Notifications: Clear All Notifications');
  await openWalkthrough(wb);
  const s = step(wb.page, id);
  await s.click();
  await poll(`step ${id} expanded`, async () => (await s.getAttribute('aria-expanded')) === 'true', 10_000);
  const b = s.locator('.button-container a.monaco-button', { hasText: button }).first();
  await b.waitFor({ state: 'visible', timeout: 10_000 });
  await b.click();
}

async function ticked(wb: Workbench, id: string, timeoutMs = 30_000): Promise<void> {
  await openWalkthrough(wb);
  await poll(`the step "${id}" ticked as done`, async () => (await step(wb.page, id).getAttribute('aria-checked')) === 'true', timeoutMs);
}

/** The frame of the demo's experiment panel. */
async function panelFrame(page: Page, timeoutMs = 60_000): Promise<Frame> {
  return poll('the demo experiment panel', async () => {
    for (const f of page.frames()) {
      const title = await f.locator('h1#title').textContent({ timeout: 100 }).catch(() => null);
      if (title?.includes(DEMO)) return f;
    }
    return undefined;
  }, timeoutMs, 500);
}

function demoRuns(ws: string) {
  const rs = runs(ws).filter((r) => r.name === DEMO || r.name === `${DEMO}-prior`);
  const bad = rs.find((r) => r.status === 'failed');
  if (bad) throw new Error(`run ${bad.id} failed: ${bad.error}`);
  return rs;
}

export async function walkthrough(wb: Workbench, cs: CodeServer, run: (name: string, fn: () => Promise<void>) => Promise<void>, log: (m: string) => void): Promise<void> {
  const page = wb.page;
  const demoFile = join(cs.workspace, `${DEMO}.imlp.json`);

  await run('walkthrough: open "I-MLP Lab: Your First Hour"; step 1 shows the picture of an I-MLP', async () => {
    await wb.runCommand('View: Close All Editors');
    await openWalkthrough(wb);
    await step(page, 'whatIsAnImlp').click();
    // The step's markdown is drawn in a webview: its picture must have loaded (not a broken image).
    await poll('the I-MLP picture in the step media', async () => {
      for (const f of page.frames()) {
        const w = Number(await f.locator('img[alt*="dense matrix"]').first().evaluate((img) => {
          const i = img as unknown as { complete: boolean; naturalWidth: number };
          return i.complete ? i.naturalWidth : 0;
        }, undefined, { timeout: 200 }).catch(() => 0));
        if (w > 0) return true;
      }
      return undefined;
    }, 30_000, 500);
    await ticked(wb, 'whatIsAnImlp');
    await wb.screenshot('w1-what-is-an-imlp');
  });

  await run('walkthrough: "Create the Demo Experiment" writes and opens imlp-demo.imlp.json', async () => {
    await press(wb, 'createExperiment', 'Create the Demo Experiment');
    await poll('imlp-demo.imlp.json in the workspace', () => existsSync(demoFile), 30_000);
    await page.locator('.tabs-container .tab', { hasText: `${DEMO}.imlp.json` }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const config = JSON.parse(readFileSync(demoFile, 'utf8'));
    assert.equal(config.name, DEMO);
    assert.equal(config.model.kind, 'imlp');
    await wb.codeLens('Run α = 0.5').waitFor({ state: 'visible', timeout: 60_000 });
    await wb.screenshot('w2-demo-experiment');
    // Hovering the α shows what it means here (the extension's hover, beside the schema's).
    await page.locator('.monaco-editor .view-line span', { hasText: /^0\.5$/ }).first().hover();
    const hover = page.locator('.monaco-hover', { hasText: 'α = 0.5' }).first();
    await hover.waitFor({ state: 'visible', timeout: 20_000 });
    assert.match(await hover.innerText(), /forward\s+mode[\s\S]*32 steps/);
    await wb.screenshot('w2-alpha-hover');
    await page.mouse.move(5, 5);
    await ticked(wb, 'createExperiment');
  });

  await run('walkthrough: "Run α = 0.5" trains the frozen prior, then the run, to the end', async () => {
    await press(wb, 'runOne', 'Run α = 0.5');
    const done = await poll('the α = 0.5 run finished', () => {
      const r = demoRuns(cs.workspace).find((x) => x.alpha === 0.5 && x.status === 'finished');
      return r;
    }, 300_000, 1000);
    log(`α = 0.5: test accuracy ${done.result?.testAccuracy}`);
    assert.ok(demoRuns(cs.workspace).some((r) => r.role === 'prior' && r.status === 'finished'), 'the frozen prior was trained');
    await ticked(wb, 'runOne', 60_000);
    await wb.screenshot('w3-ran-one');
  });

  await run('walkthrough: "Open the Panel" shows the demo\'s panel', async () => {
    await press(wb, 'readPanel', 'Open the Panel');
    const f = await panelFrame(page);
    await poll('the run table', async () => (await f.locator('#run-table tr[data-run-id]').count()) >= 1 || undefined, 30_000);
    await wb.screenshot('w4-panel');
    await ticked(wb, 'readPanel');
  });

  await run(`walkthrough: "Sweep α" trains the rest of the sweep: ${DEMO_RUNS} runs finished`, async () => {
    const t0 = Date.now();
    await press(wb, 'sweep', 'Sweep α');
    await poll(`${DEMO_RUNS} finished demo runs`, () => demoRuns(cs.workspace).filter((r) => r.status === 'finished').length >= DEMO_RUNS || undefined, 480_000, 1000);
    log(`the sweep finished ${((Date.now() - t0) / 1000).toFixed(0)} s after the click`);
    await ticked(wb, 'sweep', 60_000);
  });

  await run('walkthrough: "Show the Plot": accuracy versus α of the finished sweep, 7 points, both fits', async () => {
    await press(wb, 'readPlot', 'Show the Plot');
    const f = await panelFrame(page);
    await poll('the panel in state "finished"', async () => (await f.locator('#banner').getAttribute('data-state', { timeout: 2000 }).catch(() => null)) === 'finished' || undefined, 60_000);
    await poll('7 points on the accuracy chart', async () => Number(await f.locator('#accuracy-chart').getAttribute('data-points', { timeout: 2000 }).catch(() => null)) === 7 || undefined, 30_000);
    // The chart sits below the loss and the schedule: the button scrolled the panel to it.
    await poll('the accuracy chart scrolled into view', () => f.locator('#accuracy-chart').evaluate((el) => {
      const top = (el as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top;
      return top >= 0 && top < (globalThis as unknown as { innerHeight: number }).innerHeight;
    }).then((v) => v || undefined, () => undefined), 10_000);
    await sleep(800); // the chart's last redraw
    await wb.screenshot('w5-finished-sweep-plot');
    await ticked(wb, 'readPlot');
  });

  await run('walkthrough: "Export the Plot" saves accuracy versus α as SVG in .imlp/exports; every step is ticked', async () => {
    await press(wb, 'export', 'Export the Plot');
    const dir = join(cs.workspace, '.imlp', 'exports');
    const svg = await poll('an exported accuracy SVG', () => (existsSync(dir) ? readdirSync(dir).find((n) => n.endsWith('-accuracy.svg')) : undefined), 30_000);
    assert.match(readFileSync(join(dir, svg), 'utf8'), /<svg[\s\S]*<\/svg>\s*$/);
    await ticked(wb, 'export');
    for (const id of ['whatIsAnImlp', 'createExperiment', 'runOne', 'readPanel', 'sweep', 'readPlot', 'export']) {
      assert.equal(await step(page, id).getAttribute('aria-checked'), 'true', `step ${id} is ticked`);
    }
    await wb.screenshot('w6-walkthrough-done');
  });
}
