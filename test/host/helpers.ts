// Shared helpers of the extension-host suites (bundled into each suite).
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { RunRecord } from '../../src/core/results/types';

export const EXTENSION_ID = 'imlp-lab.imlp-lab';
/** The project folder (set by the runner; the suites live in <project>/out/test/suite). */
export const PROJECT = process.env.IMLP_TEST_PROJECT ?? join(__dirname, '../../..');

/** Every command of the contract, with its palette title where it has one. */
export const COMMANDS: Record<string, string | undefined> = {
  'imlp.run': 'Run Experiment',
  'imlp.sweep': 'Sweep α',
  'imlp.cancel': 'Cancel Run',
  'imlp.resume': 'Resume Run',
  'imlp.showRun': 'Show Run',
  'imlp.compareRuns': 'Compare Runs',
  'imlp.exportResults': 'Export Results',
  'imlp.selectBackend': 'Select Backend',
  'imlp.downloadDataset': 'Download Dataset',
  'imlp.openLogs': 'Open Logs',
  'imlp.newExperiment': 'New Experiment',
  'imlp.runAlpha': undefined,
  'imlp.deleteRun': undefined,
  'imlp.revealRun': undefined,
  'imlp.openResults': undefined,
};

export function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded (all: ${vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith('vscode.')).join(', ')})`);
  return ext;
}

export function workspaceRoot(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'no workspace folder is open');
  return f.uri;
}

export function wsFile(...segments: string[]): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...segments);
}

export function runsDir(): string {
  return join(workspaceRoot().fsPath, '.imlp', 'runs');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a value other than undefined/false, or fails with `what`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
    }
    await sleep(everyMs);
  }
}

export async function openExperiment(name: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(wsFile(name));
  return vscode.window.showTextDocument(doc, { preview: false });
}

/** Activates the extension the way users do: by opening an experiment file. */
export async function activateByOpening(name = 'e2e-quick.imlp.json'): Promise<vscode.Extension<unknown>> {
  const ext = extension();
  await openExperiment(name);
  await waitFor(`${EXTENSION_ID} to activate after opening ${name}`, () => ext.isActive, 30_000);
  return ext;
}

export function readRun(id: string): RunRecord {
  return JSON.parse(readFileSync(join(runsDir(), id, 'run.json'), 'utf8')) as RunRecord;
}

export function listRuns(): RunRecord[] {
  if (!existsSync(runsDir())) return [];
  const out: RunRecord[] = [];
  for (const id of readdirSync(runsDir())) {
    try {
      out.push(readRun(id));
    } catch {
      /* being written or damaged */
    }
  }
  return out;
}

/** Code lens titles of a document, resolved (what the editor shows). */
export async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return lenses.map((l) => l.command?.title ?? '').filter((t) => t !== '');
}

/** Lenses whose command comes from this extension (imlp.*), with their titles and lines. */
export async function imlpLenses(uri: vscode.Uri): Promise<Array<{ title: string; line: number; command: string; args: unknown[] }>> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return lenses
    .filter((l) => l.command?.command.startsWith('imlp.'))
    .map((l) => ({ title: l.command!.title, line: l.range.start.line, command: l.command!.command, args: l.command!.arguments ?? [] }));
}

/** The 0-based line of the first line of `text` that contains `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `"${needle}" is not in the text`);
  return i;
}

export function describeDiagnostics(ds: readonly vscode.Diagnostic[]): string {
  return ds.map((d) => `[${d.source ?? '-'}] ${vscode.DiagnosticSeverity[d.severity]} L${d.range.start.line + 1}:${d.range.start.character + 1}-L${d.range.end.line + 1}:${d.range.end.character + 1} ${d.message}`).join('\n') || '(none)';
}

/** The part of the extension's API (activate's return value) the suites read: the Runs tree provider. */
export interface TreeApi {
  tree?: vscode.TreeDataProvider<unknown>;
}

export interface TreeRow {
  depth: number;
  label: string;
  description: string;
  id: string;
}

/** The Runs tree as the view would show it fully expanded. */
export async function treeRows(tree: vscode.TreeDataProvider<unknown>): Promise<TreeRow[]> {
  const rows: TreeRow[] = [];
  const walk = async (node: unknown, depth: number): Promise<void> => {
    const children = (await tree.getChildren(node)) ?? [];
    for (const child of children) {
      const item = await tree.getTreeItem(child);
      const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
      rows.push({ depth, label, description: typeof item.description === 'string' ? item.description : '', id: item.id ?? '' });
      await walk(child, depth + 1);
    }
  };
  await walk(undefined, 0);
  return rows;
}

/** Waits until the Runs tree shows `run` as finished (leaf under experiment → sweep); returns its row. */
export async function waitForRunInTree(api: TreeApi | undefined, run: RunRecord, experiment: string, label: RegExp): Promise<TreeRow> {
  const tree = api?.tree;
  assert.ok(tree && typeof tree.getChildren === 'function' && typeof tree.getTreeItem === 'function', `the extension's exports have no tree provider (exports: ${Object.keys((api ?? {}) as object).join(', ')})`);
  // Open the view too, as a user would (its container is "imlp").
  await vscode.commands.executeCommand('workbench.view.extension.imlp');
  const matches = (x: TreeRow) => x.id.includes(run.id) || x.description.includes(run.id);
  // The CLI has exited: the tree should show the run as it ended, not as it was while training.
  const rows = await waitFor(
    `run ${run.id} in the Runs tree, finished`,
    async () => {
      const r = await treeRows(tree);
      return r.some((x) => matches(x) && /finished/.test(x.label)) ? r : undefined;
    },
    20_000,
    250,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}; tree now:\n${(await treeRows(tree)).map((x) => `${'  '.repeat(x.depth)}${x.label} — ${x.description}`).join('\n') || '(empty)'}`);
  });
  const exp = rows.find((x) => x.depth === 0 && x.label.includes(experiment));
  assert.ok(exp, `no experiment row "${experiment}": ${JSON.stringify(rows.filter((x) => x.depth === 0).map((x) => x.label))}`);
  const row = rows.find(matches)!;
  assert.equal(row.depth, 2, `the run is a leaf under its experiment and sweep: ${JSON.stringify(row)}`);
  assert.match(row.label, label, `the run's label: ${row.label}`);
  return row;
}

function nodeBinary(): string {
  // The extension host runs on the Node that started code-server; a desktop build would be Electron.
  return basename(process.execPath).startsWith('node') ? process.execPath : 'node';
}

/** Runs `node dist/cli.js run <file> --results <ws>/.imlp [...extra]` in the workspace; returns the new run. */
export async function cliRun(file: string, extra: string[] = []): Promise<RunRecord> {
  const results = join(workspaceRoot().fsPath, '.imlp');
  const before = new Set(listRuns().map((r) => r.id));
  const out: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const p = spawn(nodeBinary(), [join(PROJECT, 'dist/cli.js'), 'run', wsFile(file).fsPath, '--results', results, ...extra], { cwd: workspaceRoot().fsPath, stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.on('data', (b: Buffer) => out.push(b.toString()));
    p.stderr.on('data', (b: Buffer) => out.push(b.toString()));
    p.on('error', reject);
    p.on('exit', resolve);
  });
  assert.equal(code, 0, `the CLI failed:\n${out.join('').slice(-3000)}`);
  const run = listRuns().find((r) => !before.has(r.id));
  assert.ok(run, `the CLI wrote no new run into ${results}`);
  return run;
}
