/// <reference types="mocha" />
// Code lenses on experiment files: Run, Sweep α (grid size), Open results at the top; "Run α = …" on
// the α values; the setting imlp.codeLens.enabled turns them off.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { activateByOpening, imlpLenses, lineOf, openExperiment, sleep, waitFor, wsFile } from '../helpers';

suite('code lenses', () => {
  suiteSetup(async function () {
    this.timeout(40_000);
    await activateByOpening();
  });

  test('an experiment file has "▶ Run", "Sweep α (1 run)" and "Open results" at the top', async () => {
    const uri = wsFile('e2e-quick.imlp.json');
    await openExperiment('e2e-quick.imlp.json');
    const lenses = await waitFor('code lenses on e2e-quick.imlp.json', async () => {
      const l = await imlpLenses(uri);
      return l.length > 0 ? l : undefined;
    });
    const titles = lenses.map((l) => l.title);
    assert.ok(titles.includes('▶ Run'), `titles: ${JSON.stringify(titles)}`);
    assert.ok(titles.includes('Open results'), `titles: ${JSON.stringify(titles)}`);
    assert.ok(titles.includes('Sweep α (1 run)'), `one seed, no α grid: "Sweep α (1 run)" expected in ${JSON.stringify(titles)}`);
    const run = lenses.find((l) => l.title === '▶ Run')!;
    assert.equal(run.line, 0, `"▶ Run" is at the top of the file, not line ${run.line + 1}`);
    assert.equal(run.command, 'imlp.run');
  });

  test('an I-MLP experiment has "Sweep α (N runs)" and "Run α = …" on its α values', async () => {
    const uri = wsFile('e2e-sweep.imlp.json');
    await openExperiment('e2e-sweep.imlp.json');
    const lenses = await waitFor('code lenses on e2e-sweep.imlp.json', async () => {
      const l = await imlpLenses(uri);
      return l.length > 0 ? l : undefined;
    });
    const titles = lenses.map((l) => l.title);
    assert.ok(titles.includes('▶ Run'), `titles: ${JSON.stringify(titles)}`);
    const sweep = lenses.find((l) => l.title.startsWith('Sweep α'));
    assert.ok(sweep, `no "Sweep α" lens: ${JSON.stringify(titles)}`);
    assert.match(sweep.title, /^Sweep α \((\d+) runs?\)$/);
    const n = Number(/\((\d+) run/.exec(sweep.title)![1]);
    assert.ok(n >= 3, `3 α values × 1 seed is at least 3 runs, the lens says ${n}`);
    assert.equal(sweep.command, 'imlp.sweep');

    const text = readFileSync(uri.fsPath, 'utf8');
    const alphaLine = lineOf(text, '"alpha"');
    for (const a of ['0', '0.1', '1']) {
      const l = lenses.find((x) => x.title === `Run α = ${a}`);
      assert.ok(l, `no "Run α = ${a}" lens: ${JSON.stringify(titles)}`);
      assert.equal(l.line, alphaLine, `"Run α = ${a}" is on the α line ${alphaLine + 1}, not ${l.line + 1}`);
      assert.equal(l.command, 'imlp.runAlpha');
    }
  });

  test('imlp.codeLens.enabled = false removes them, true brings them back', async function () {
    this.timeout(30_000);
    const uri = wsFile('e2e-quick.imlp.json');
    const cfg = vscode.workspace.getConfiguration('imlp');
    await cfg.update('codeLens.enabled', false, vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor('the lenses to disappear', async () => (await imlpLenses(uri)).length === 0, 10_000).catch(async (err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify((await imlpLenses(uri)).map((l) => l.title))}`);
      });
    } finally {
      await cfg.update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await sleep(200);
    await waitFor('the lenses to come back', async () => (await imlpLenses(uri)).some((l) => l.title === '▶ Run'), 10_000);
  });
});
