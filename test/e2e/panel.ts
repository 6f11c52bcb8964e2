// Scenario "panel": the experiment panel as a user meets it, in each of its states, with a screenshot
// of each (test-results/e2e-panel/):
//   empty     Ctrl+P the sweep experiment, click the "Open panel" lens
//   running   the panel's own "Sweep α" button; the loss chart receives points while runs train
//   finished  accuracy versus α drawn for the sweep; the charts exported as SVG, PNG and CSV files
//   restored  the window reloaded: the panel comes back by itself (serializer + saved state)
//   cancelled a new set of runs, then the panel's Cancel button
//   failed    an experiment whose loss becomes NaN: the panel shows the engine's reason
//   themes    the finished panel in a light and a high-contrast theme
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { PROJECT, workspaceRuns as runs, log, sleep } from './launch';
import { poll, type Scenario } from './scenario';

const SWEEP = 'e2e-panel';
const DIVERGES = 'e2e-diverges';
/** 7 α runs + the co-trained prior's and the plain MLP's reference runs. */
const SWEEP_RUNS = 9;

/** The page of the panel whose title names the experiment (webviews are nested iframes in the workbench). */
async function panelFrame(page: Page, name: string, timeoutMs = 60_000): Promise<Frame> {
  return poll(`the panel of ${name}`, async () => {
    for (const f of page.frames()) {
      const title = await f.locator('h1#title').textContent({ timeout: 100 }).catch(() => null);
      if (title?.includes(name)) return f;
    }
    return undefined;
  }, timeoutMs, 500);
}

const state = (f: Frame): Promise<string | null> => f.locator('#banner').getAttribute('data-state', { timeout: 2000 }).catch(() => null);
const numberAttr = async (f: Frame, selector: string, name: string): Promise<number> => Number(await f.locator(selector).getAttribute(name, { timeout: 2000 }).catch(() => null) ?? NaN);

async function waitState(f: Frame, want: string, timeoutMs: number): Promise<void> {
  let last: string | null = null;
  await poll(`the panel in state "${want}"`, async () => (last = await state(f)) === want, timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message} (it shows "${last}")`);
  });
}

function exported(ws: string): string[] {
  const dir = join(ws, '.imlp', 'exports');
  return existsSync(dir) ? readdirSync(dir) : [];
}

export const panel: Scenario = {
  name: 'panel',
  fixture: join(PROJECT, 'test/e2e/workspace-panel'),
  async body(wb, cs, step) {
    const page = wb.page;
    let f!: Frame;
    await step('open the sweep experiment and click the "Open panel" lens: the empty state says what to do', async () => {
      await wb.quickOpen(`${SWEEP}.imlp.json`);
      await wb.codeLens('Open panel').waitFor({ state: 'visible', timeout: 60_000 });
      await wb.codeLens('Open panel').click();
      f = await panelFrame(page, SWEEP);
      await waitState(f, 'empty', 30_000);
      assert.match(await f.locator('#banner').innerText(), /No runs yet/);
      await wb.screenshot('01-panel-empty');
    });

    await step('the panel\'s "Sweep α" button trains the sweep; the loss chart receives points while it runs', async () => {
      await f.locator('#action-sweep').click();
      await waitState(f, 'running', 60_000);
      const first = await poll('loss points in the chart', async () => {
        const n = await numberAttr(f, '#loss-chart', 'data-points');
        return n > 0 ? n : undefined;
      }, 60_000);
      const seen = [first];
      // More points arrive while the run trains (or the next run starts its own curve).
      await poll('the loss chart to change as training goes on', async () => {
        const n = await numberAttr(f, '#loss-chart', 'data-points');
        if (n !== seen[seen.length - 1]) seen.push(n);
        return seen.length >= 3 || undefined;
      }, 60_000, 100);
      log('e2e-panel', `loss points seen while training: ${seen.join(' → ')}`);
      assert.ok(Number(await f.locator('#loss-chart').getAttribute('data-redraws')) >= 2, 'the chart redrew as points came in');
      await wb.screenshot('02-panel-running');
    });

    await step('the sweep finishes: accuracy versus α shows its seeds, the table lists every run', async () => {
      await poll(`${SWEEP_RUNS} finished runs`, () => {
        const rs = runs(cs.workspace).filter((r) => r.name.startsWith(SWEEP));
        const bad = rs.find((r) => r.status === 'failed');
        if (bad) throw new Error(`run ${bad.id} failed: ${bad.error}`);
        return rs.filter((r) => r.status === 'finished').length >= SWEEP_RUNS || undefined;
      }, 240_000, 1000);
      await waitState(f, 'finished', 30_000);
      await poll('7 seed points on the accuracy chart', async () => (await numberAttr(f, '#accuracy-chart', 'data-points')) === 7 || undefined, 20_000);
      assert.equal(await numberAttr(f, '#accuracy-chart', 'data-sweeps'), 1);
      assert.equal(await f.locator('#run-table tr[data-run-id]').count(), SWEEP_RUNS);
      // Sorting by accuracy orders the rows by it.
      await f.locator('#run-table th[data-sort-key="accuracy"]').click();
      const ids = await f.locator('#run-table tr[data-run-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')));
      const acc = new Map(runs(cs.workspace).map((r) => [r.id, r.result?.testAccuracy ?? -1]));
      const values = ids.map((id) => acc.get(id!)!);
      const ascending = values.every((v, i) => i === 0 || v >= values[i - 1]!);
      const descending = values.every((v, i) => i === 0 || v <= values[i - 1]!);
      assert.ok(ascending || descending, `rows sorted by accuracy: ${values.join(', ')}`);
      await wb.screenshot('03-panel-finished');
    });

    await step('export: accuracy as SVG, PNG and CSV, the loss as CSV, the schedule as SVG — files in .imlp/exports', async () => {
      // The sweep's "finished" toast sits over the panel's corner: clear it so clicks reach the buttons.
      await wb.runCommand('Notifications: Clear All Notifications');
      for (const id of ['export-accuracy-svg', 'export-accuracy-png', 'export-accuracy-csv', 'export-loss-csv', 'export-schedule-svg']) {
        await f.locator(`#${id}`).click();
        await sleep(300);
      }
      const files = await poll('five exported files', () => {
        const fs = exported(cs.workspace);
        return fs.length >= 5 ? fs : undefined;
      }, 30_000);
      log('e2e-panel', `exported: ${files.join(', ')}`);
      const read = (suffix: string) => readFileSync(join(cs.workspace, '.imlp', 'exports', files.find((x) => x.endsWith(suffix))!));
      assert.match(read('-accuracy.svg').toString('utf8'), /^(<\?xml[^>]*>\s*)?<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>\s*$/);
      assert.deepEqual([...read('-accuracy.png').subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');
      const csv = read('-accuracy.csv').toString('utf8').trim().split('\r\n');
      assert.equal(csv[0], 'sweepId,runId,role,alpha,seed,status,testAccuracy,testLoss,seconds,mode,schedule,prior,name,flops');
      assert.equal(csv.length, 1 + SWEEP_RUNS);
      assert.match(read('-loss.csv').toString('utf8'), /^step,trainLoss,priorTrainLoss,testAccuracy,testLoss,priorTestAccuracy,syncAlpha\r\n1,/);
      assert.match(read('-schedule.svg').toString('utf8'), /cumulative pull/);
    });

    await step('reload the window: the panel is restored with its runs', async () => {
      await page.reload();
      await wb.waitReady();
      f = await panelFrame(page, SWEEP, 90_000);
      await waitState(f, 'finished', 30_000);
      await poll('the accuracy chart after the reload', async () => (await numberAttr(f, '#accuracy-chart', 'data-points')) === 7 || undefined, 30_000);
      await wb.screenshot('04-panel-restored');
    });

    await step('themes: the finished panel in a light and a high-contrast theme', async () => {
      for (const [theme, bodyClass, shot] of [['Light Modern', 'vscode-light', '05-panel-light'], ['Dark High Contrast', 'vscode-high-contrast', '06-panel-high-contrast'], ['Dark Modern', 'vscode-dark', '']] as const) {
        await wb.colorTheme(theme);
        // The page is told the theme through its body class; the charts re-read the colours from it.
        await poll(`the ${theme} theme in the panel`, async () => {
          const cls = await f.locator('body').getAttribute('class', { timeout: 1000 }).catch(() => '');
          return (cls ?? '').split(/\s+/).includes(bodyClass) || undefined;
        }, 20_000);
        await sleep(800);
        if (shot) await wb.screenshot(shot);
      }
    });

    await step('a new set of runs, then the panel\'s Cancel button: the cancelled state offers Resume', async () => {
      await f.locator('#action-run').click();
      await waitState(f, 'running', 60_000);
      await poll('loss points of the new run', async () => (await numberAttr(f, '#loss-chart', 'data-points')) > 0 || undefined, 60_000);
      await f.locator('#action-cancel').click();
      await waitState(f, 'cancelled', 60_000);
      assert.match(await f.locator('#banner').innerText(), /cancelled|interrupted/i);
      assert.ok(await f.locator('#action-resume').isVisible(), 'a Resume button');
      await wb.screenshot('07-panel-cancelled');
    });

    await step('an experiment whose loss becomes NaN: its panel shows the failed state with the reason', async () => {
      // One editor only, so the "▶ Run" lens clicked is this file's.
      await wb.runCommand('View: Close All Editors');
      await wb.quickOpen(`${DIVERGES}.imlp.json`);
      await wb.codeLens('▶ Run').waitFor({ state: 'visible', timeout: 60_000 });
      await wb.codeLens('▶ Run').click();
      const g = await panelFrame(page, DIVERGES);
      await waitState(g, 'failed', 120_000);
      assert.match(await g.locator('#banner').innerText(), /training diverged: loss is NaN/);
      assert.ok(await g.locator('#action-open-logs').isVisible(), 'an "Open logs" button');
      await wb.screenshot('08-panel-failed');
    });
  },
};
