// A panel restored after a window reload (registerWebviewPanelSerializer): it shows its target again and
// draws the run the user had chosen in the table; with no choice saved, the newest run, as on open.
import './stubs/register-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ResultsStore } from '../../src/core/results/store';
import { activate } from '../../src/extension/extension';
import { PANEL_VIEW_TYPE } from '../../src/extension/panel/panels';
import { addRun, tempDir, writeExperiment } from './stubs/runs';
import { StubWebviewPanel, stub } from './stubs/vscode';

interface Serializer { deserializeWebviewPanel(panel: unknown, state: unknown): Promise<void> }
type ViewMessage = { type: string; view?: { selectedRunId: string | null } };

async function restore(state: unknown): Promise<string | null> {
  const panel = new StubWebviewPanel(PANEL_VIEW_TYPE, {});
  await (stub.panelSerializers.get(PANEL_VIEW_TYPE) as Serializer).deserializeWebviewPanel(panel, state);
  panel.receive({ type: 'ready' });
  let view: ViewMessage['view'];
  for (let i = 0; i < 100 && !view; i++) {
    await new Promise((r) => setTimeout(r, 20));
    view = (panel.posted as ViewMessage[]).filter((m) => m.type === 'view').at(-1)?.view;
  }
  assert.ok(view, 'the restored panel sent its view');
  return view.selectedRunId;
}

test('a restored panel draws the run the user had picked; without one, the newest', async () => {
  const dir = tempDir();
  const { file, config } = writeExperiment(dir, 'restore', {
    dataset: 'mnist', model: { kind: 'imlp' }, prior: { preset: 'cnn-tiny' }, interpolation: { alpha: [0, 0.5, 1] },
  });
  const store = new ResultsStore(join(dir, '.imlp'));
  const older = addRun(store, { config, seed: 0, alpha: 0, sweepId: 's', experimentFile: file, status: 'finished', accuracy: 0.9 });
  await new Promise((r) => setTimeout(r, 1100)); // creation times have second resolution
  const newer = addRun(store, { config, seed: 0, alpha: 0.5, sweepId: 's', experimentFile: file, status: 'finished', accuracy: 0.8 });
  stub.reset();
  stub.folders.push({ uri: vscode.Uri.file(dir), name: 'ws', index: 0 });
  activate({ subscriptions: [], extensionPath: process.cwd(), extensionUri: vscode.Uri.file(process.cwd()) } as unknown as vscode.ExtensionContext);

  const target = { kind: 'experiment', file };
  assert.equal(await restore({ target, selectedRunId: newer.id, picked: older.id }), older.id);
  assert.equal(await restore({ target, selectedRunId: newer.id, picked: null }), newer.id);
  assert.equal(await restore({ target, selectedRunId: newer.id }), newer.id, 'state saved before picks were kept');
  assert.equal(await restore({ target, picked: 'gone-run' }), newer.id, 'a picked run deleted since: the newest');
});
