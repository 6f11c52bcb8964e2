/// <reference types="mocha" />
// Diagnostics (collection "imlp") on experiment files: schema problems at the field's range, and a
// missing dataset as a warning with a "Download" quick fix.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { activateByOpening, describeDiagnostics, lineOf, waitFor, wsFile } from '../helpers';

/** Diagnostics that come from this extension rather than VS Code's JSON language service. */
function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source !== 'json' && d.source !== 'JSON');
}

async function openNew(name: string, text: string): Promise<vscode.Uri> {
  const uri = wsFile(name);
  writeFileSync(uri.fsPath, text);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
  return uri;
}

suite('diagnostics', () => {
  suiteSetup(async function () {
    this.timeout(40_000);
    await activateByOpening();
  });

  test('a schema problem is reported on the line of the field', async () => {
    const text = [
      '{',
      '  "name": "broken",',
      '  "dataset": "mnist",',
      '  "model": { "kind": "mlp", "hidden": [64] },',
      '  "training": {',
      '    "epochs": "ten",',
      '    "batchSize": 32',
      '  }',
      '}',
      '',
    ].join('\n');
    const uri = await openNew('broken.imlp.json', text);
    const line = lineOf(text, '"epochs"');
    const found = await waitFor(
      `a diagnostic of the imlp collection on line ${line + 1} of broken.imlp.json`,
      () => ours(uri).find((d) => d.range.start.line === line),
      15_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nall diagnostics:\n${describeDiagnostics(vscode.languages.getDiagnostics(uri))}`);
    });
    assert.equal(found.severity, vscode.DiagnosticSeverity.Error, describeDiagnostics([found]));
    // The range covers the offending value or property, not the whole line or file.
    assert.equal(found.range.end.line, line, `the range stays on the line: ${describeDiagnostics([found])}`);
    const doc = await vscode.workspace.openTextDocument(uri);
    const covered = doc.getText(found.range);
    assert.ok(
      ['"ten"', '"epochs"', '"epochs": "ten"'].includes(covered.trim()),
      `the range covers the value "ten", the property "epochs" or both, not ${JSON.stringify(covered)}`,
    );
    assert.ok(found.message.trim().length > 0);
  });

  test('fixing the file clears the problem', async () => {
    const uri = wsFile('broken.imlp.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const line = lineOf(doc.getText(), '"epochs"');
    await editor.edit((e) => e.replace(doc.lineAt(line).range, '    "epochs": 1,'));
    await waitFor('the epochs diagnostic to go away after the edit', () => !ours(uri).some((d) => d.range.start.line === line), 15_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${describeDiagnostics(vscode.languages.getDiagnostics(uri))}`);
    });
    await doc.save();
  });

  test('a dataset that is not present gets a warning with a "Download" quick fix', async function () {
    this.timeout(30_000);
    const text = [
      '{',
      '  "name": "needs-cifar",',
      '  "dataset": "cifar10",',
      '  "model": { "kind": "mlp", "hidden": [64] },',
      '  "training": { "epochs": 1 }',
      '}',
      '',
    ].join('\n');
    const uri = await openNew('needs-cifar.imlp.json', text);
    const line = lineOf(text, '"dataset"');
    const warning = await waitFor(
      `a dataset-missing warning on line ${line + 1} of needs-cifar.imlp.json (IMLP_DATA_DIR is an empty folder)`,
      () => ours(uri).find((d) => d.range.start.line === line && d.severity === vscode.DiagnosticSeverity.Warning),
      20_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nall diagnostics:\n${describeDiagnostics(vscode.languages.getDiagnostics(uri))}`);
    });
    assert.match(warning.message, /cifar|dataset/i, warning.message);
    const actions = (await vscode.commands.executeCommand<Array<vscode.CodeAction | vscode.Command>>('vscode.executeCodeActionProvider', uri, warning.range)) ?? [];
    const titles = actions.map((a) => a.title);
    assert.ok(
      titles.some((t) => /download/i.test(t)),
      `no "Download" quick fix among the code actions at ${describeDiagnostics([warning])}: ${JSON.stringify(titles)}`,
    );
  });
});
