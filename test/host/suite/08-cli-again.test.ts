/// <reference types="mocha" />
// A second CLI run, now that the extension has trained runs itself and the results folder exists:
// it too shows up in the Runs tree, first while it trains, finally as finished.
import * as assert from 'node:assert/strict';
import { type TreeApi, activateByOpening, cliRun, waitForRunInTree } from '../helpers';

suite('runs written by the CLI into an existing results folder', () => {
  let api: TreeApi;

  suiteSetup(async function () {
    this.timeout(40_000);
    api = (await activateByOpening()).exports as TreeApi;
  });

  test('node dist/cli.js run --seed 2 appears in the Runs tree, finished', async function () {
    this.timeout(120_000);
    const run = await cliRun('e2e-cli.imlp.json', ['--seed', '2']);
    assert.equal(run.status, 'finished');
    assert.equal(run.seed, 2);
    await waitForRunInTree(api, run, 'e2e-cli', /seed 2/);
  });
});
