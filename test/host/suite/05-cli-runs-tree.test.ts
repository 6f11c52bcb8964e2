/// <reference types="mocha" />
// A run written by the imlp CLI in another process (node dist/cli.js run … --results <ws>/.imlp) shows
// up in the Runs tree through the file watcher on .imlp/runs/*/run.json, and opens with imlp.showRun.
// It runs before the extension trains anything, so the results folder does not exist yet: the first
// thing a user may do in a fresh folder is `imlp run` in the terminal.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RunRecord } from '../../../src/core/results/types';
import { type TreeApi, activateByOpening, cliRun, listRuns, waitForRunInTree } from '../helpers';

suite('runs written by the CLI', () => {
  let api: TreeApi;

  suiteSetup(async function () {
    this.timeout(40_000);
    api = (await activateByOpening()).exports as TreeApi;
  });

  test('node dist/cli.js run writes a finished run into <workspace>/.imlp', async function () {
    this.timeout(120_000);
    assert.equal(listRuns().length, 0, 'the results folder starts empty');
    const run = await cliRun('e2e-cli.imlp.json');
    assert.equal(run.status, 'finished');
  });

  test('the run appears in the Runs tree (experiments → sweeps → runs), finished', async function () {
    this.timeout(30_000);
    const run = listRuns().find((r) => r.name === 'e2e-cli');
    assert.ok(run, 'no CLI run (previous test failed)');
    await waitForRunInTree(api, run, 'e2e-cli', /seed 1/);
  });

  test('imlp.showRun opens it', async () => {
    const run = listRuns().find((r) => r.name === 'e2e-cli');
    assert.ok(run, 'no CLI run (first test failed)');
    const shown = await vscode.commands.executeCommand<RunRecord | undefined>('imlp.showRun', run.id);
    assert.ok(shown, `imlp.showRun("${run.id}") returned ${String(shown)}`);
    assert.equal(shown.id, run.id);
    assert.ok(vscode.window.activeTextEditor, 'imlp.showRun opened an editor');
  });
});
