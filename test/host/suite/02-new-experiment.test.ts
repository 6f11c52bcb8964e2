/// <reference types="mocha" />
// imlp.newExperiment(presetId, targetUri) scaffolds a valid experiment file without prompting.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { parseExperiment } from '../../../src/core/experiment/validate';
import { activateByOpening, describeDiagnostics, sleep, wsFile } from '../helpers';

/** The preset the tests scaffold (IMLP_TEST_PRESET overrides it). */
const PRESET = process.env.IMLP_TEST_PRESET ?? 'quick';

suite('new experiment', () => {
  suiteSetup(async function () {
    this.timeout(40_000);
    await activateByOpening();
  });

  test(`imlp.newExperiment("${PRESET}", uri) writes a file that passes the validator`, async () => {
    const target = wsFile('scaffolded', 'from-preset.imlp.json');
    const returned = await vscode.commands.executeCommand<vscode.Uri>('imlp.newExperiment', PRESET, target);
    assert.ok(returned instanceof vscode.Uri, `imlp.newExperiment returned ${String(returned)}, expected the new file's Uri`);
    assert.equal(returned.fsPath, target.fsPath);
    const text = readFileSync(target.fsPath, 'utf8');
    const config = parseExperiment(text, target.fsPath); // throws with every problem listed
    assert.ok(config.name, 'the scaffolded experiment has a name');

    // The extension itself finds no error in it either.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(target));
    await sleep(1500);
    const errors = vscode.languages.getDiagnostics(target).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    assert.equal(errors.length, 0, `errors on a scaffolded file:\n${describeDiagnostics(errors)}`);
  });
});
