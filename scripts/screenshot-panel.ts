// Screenshot of an experiment's panel in real VS Code (code-server + chromium), for the docs: copies a
// workspace that holds the experiment file and its results (.imlp), opens the panel from the file's
// "Open panel" lens, waits for its charts, and saves the panel's charts (down to the run table) as a PNG.
//
// Usage: node --import tsx scripts/screenshot-panel.ts <workspace> <file.imlp.json> <out.png> [light|dark]
import { resolve } from 'node:path';
import type { Frame } from 'playwright-core';
import { launchChromium, sleep, startCodeServer } from '../test/e2e/launch';
import { poll } from '../test/e2e/scenario';
import { Workbench } from '../test/e2e/workbench';

async function main(): Promise<void> {
  const [workspace, file, out, theme = 'light'] = process.argv.slice(2);
  if (!workspace || !file || !out) throw new Error('usage: screenshot-panel.ts <workspace> <file.imlp.json> <out.png> [light|dark]');
  const cs = await startCodeServer({
    layer: 'screenshot-panel', extension: 'symlink', fixture: resolve(workspace),
    settings: { 'workbench.colorTheme': theme === 'dark' ? 'Default Dark Modern' : 'Default Light Modern' },
  });
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1500, height: 2000 } })).newPage();
    const wb = new Workbench(page, cs.artefacts);
    await page.goto(cs.workbenchUrl());
    await wb.waitReady();
    await wb.quickOpen(file);
    await wb.codeLens('Open panel').click();
    const frame = await poll<Frame>('the panel', async () => {
      for (const f of page.frames()) if (await f.locator('#accuracy-chart').count().catch(() => 0)) return f;
      return undefined;
    }, 60_000);
    await poll('the accuracy chart', async () => Number(await frame.locator('#accuracy-chart').getAttribute('data-points')) > 0 || undefined, 60_000);
    // The panel alone: editor and side bar closed, notifications cleared.
    await wb.runCommand('View: Close Editors in Other Groups');
    await wb.runCommand('View: Close Primary Side Bar');
    await wb.runCommand('Notifications: Clear All Notifications');
    await sleep(1500);
    // Down to the run table: the charts are what the picture is for.
    const box = await page.locator('iframe.webview.ready').first().boundingBox();
    const table = await frame.locator('#run-table').boundingBox();
    if (!box || !table) throw new Error('the panel is not on screen');
    await page.screenshot({ path: out, clip: { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, table.y - box.y - 8) } });
    console.log(`saved ${out}`);
  } finally {
    await browser.close();
    await cs.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
