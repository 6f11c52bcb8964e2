/// <reference types="mocha" />
// Restricted mode (workspace trust on, folder not trusted): the extension loads (untrustedWorkspaces
// "limited") and shows experiment files, but trains nothing and downloads nothing, and says why.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RunRecord } from '../../../src/core/results/types';
import { COMMANDS, activateByOpening, imlpLenses, runsDir, sleep, waitFor, wsFile } from '../helpers';

suite('untrusted workspace', () => {
  suiteSetup(async function () {
    this.timeout(40_000);
    await activateByOpening();
  });

  test('the workspace is not trusted', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  test('the extension is active and its commands are registered', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = Object.keys(COMMANDS).filter((c) => !all.has(c));
    assert.deepEqual(missing, []);
  });

  test('experiment files still get their code lenses', async () => {
    const uri = wsFile('e2e-quick.imlp.json');
    const lenses = await waitFor('code lenses on e2e-quick.imlp.json', async () => {
      const l = await imlpLenses(uri);
      return l.length > 0 ? l : undefined;
    });
    assert.ok(lenses.some((l) => l.title === '▶ Run'), JSON.stringify(lenses.map((l) => l.title)));
  });

  test('imlp.run trains nothing and writes no results', async function () {
    this.timeout(30_000);
    const result = await vscode.commands.executeCommand<RunRecord[] | undefined>('imlp.run', wsFile('e2e-quick.imlp.json'));
    assert.ok(result === undefined || (Array.isArray(result) && result.length === 0), `imlp.run returned ${JSON.stringify(result)}`);
    await sleep(2000);
    const runs = existsSync(runsDir()) ? readdirSync(runsDir()) : [];
    assert.deepEqual(runs, [], 'no run folder is written');
  });

  test('imlp.downloadDataset downloads nothing', async function () {
    this.timeout(30_000);
    await vscode.commands.executeCommand('imlp.downloadDataset', 'cifar10');
    await sleep(1000);
    const dataDir = process.env.IMLP_DATA_DIR;
    assert.ok(dataDir, 'IMLP_DATA_DIR is set by the runner');
    const entries = existsSync(dataDir) ? readdirSync(dataDir) : [];
    assert.deepEqual(entries, [], `nothing is written to ${join(dataDir)}`);
  });
});
