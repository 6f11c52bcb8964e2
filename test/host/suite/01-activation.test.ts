/// <reference types="mocha" />
// The extension loads from the project folder, activates on an experiment file and registers every
// command of the contract under the palette category "I-MLP", plus its runs view.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMANDS, EXTENSION_ID, PROJECT, activateByOpening, extension } from '../helpers';

interface Contributes {
  commands?: Array<{ command: string; title: string; category?: string }>;
  viewsContainers?: { activitybar?: Array<{ id: string; title: string }> };
  views?: Record<string, Array<{ id: string; name: string }>>;
  configuration?: unknown;
  jsonValidation?: Array<{ fileMatch: string | string[]; url: string }>;
}

suite('activation', () => {
  test('the extension is loaded from the project folder and does not activate on "*"', () => {
    const ext = extension();
    assert.equal(ext.id, EXTENSION_ID);
    assert.equal(ext.extensionUri.fsPath, PROJECT, 'the extension under test is the project folder');
    const events = (ext.packageJSON as { activationEvents?: string[] }).activationEvents ?? [];
    // `*` would activate on every window: the extension must wait for experiment files or its commands.
    assert.ok(!events.includes('*'), `activationEvents must not contain "*": ${JSON.stringify(events)}`);
  });

  test('opening an *.imlp.json activates it', async function () {
    this.timeout(40_000);
    const ext = await activateByOpening('e2e-quick.imlp.json');
    assert.equal(ext.isActive, true);
  });

  test('every contract command is registered', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = Object.keys(COMMANDS).filter((c) => !all.has(c));
    assert.deepEqual(missing, [], `commands not registered: ${missing.join(', ')}`);
  });

  test('palette commands have their titles under the category "I-MLP"', () => {
    const contributes = (extension().packageJSON as { contributes?: Contributes }).contributes ?? {};
    const declared = new Map((contributes.commands ?? []).map((c) => [c.command, c]));
    const problems: string[] = [];
    for (const [id, title] of Object.entries(COMMANDS)) {
      const c = declared.get(id);
      if (!c) {
        problems.push(`${id} is not in contributes.commands`);
        continue;
      }
      if (title !== undefined && c.title !== title) problems.push(`${id}: title "${c.title}", expected "${title}"`);
      if (c.category !== 'I-MLP') problems.push(`${id}: category "${c.category}", expected "I-MLP"`);
    }
    assert.deepEqual(problems, []);
  });

  test('the activity-bar container "I-MLP Lab" holds the "Runs" tree', () => {
    const contributes = (extension().packageJSON as { contributes?: Contributes }).contributes ?? {};
    const container = contributes.viewsContainers?.activitybar?.find((c) => c.id === 'imlp');
    assert.ok(container, `no activity-bar container "imlp": ${JSON.stringify(contributes.viewsContainers)}`);
    assert.equal(container.title, 'I-MLP Lab');
    const view = contributes.views?.imlp?.find((v) => v.id === 'imlp.runs');
    assert.ok(view, `no view "imlp.runs" in container "imlp": ${JSON.stringify(contributes.views)}`);
    assert.equal(view.name, 'Runs');
  });

  test('the experiment schema is contributed for *.imlp.json', () => {
    const contributes = (extension().packageJSON as { contributes?: Contributes }).contributes ?? {};
    const v = (contributes.jsonValidation ?? []).find((j) => [j.fileMatch].flat().some((m) => m.includes('.imlp.json')));
    assert.ok(v, `no jsonValidation for *.imlp.json: ${JSON.stringify(contributes.jsonValidation)}`);
  });

  test('the workspace is trusted here (training allowed)', () => {
    assert.equal(vscode.workspace.isTrusted, true);
  });
});
