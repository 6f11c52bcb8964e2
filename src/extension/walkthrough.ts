// The commands behind the buttons of the "first hour" walkthrough (package.json contributes.walkthroughs):
// each does one step on the walkthrough's own experiment file (the "demo" preset, a whole α sweep in
// about a minute), so a new user never has to find a file or answer a dialog. They are thin: the
// work is done by the ordinary commands (imlp.newExperiment, imlp.runAlpha, imlp.sweep, imlp.openPanel (and its reveal),
// imlp.exportChart). Context keys set here mark a step done only when its outcome happened
// (a run finished), not merely when its button was pressed.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { loadExperiment } from '../core/experiment/validate';
import type { RunRecord } from '../core/results/types';
import { isExperimentPath } from './config';

export const WALKTHROUGH_COMMANDS = [
  'imlp.walkthrough.createExperiment', 'imlp.walkthrough.runOne', 'imlp.walkthrough.openPanel',
  'imlp.walkthrough.sweep', 'imlp.walkthrough.showPlot', 'imlp.walkthrough.exportPlot',
] as const;

/** The walkthrough's experiment file, in the first workspace folder. */
export const DEMO_FILE = 'imlp-demo.imlp.json';
const DEMO_PRESET = 'demo';
const STATE_KEY = 'imlp.walkthrough.experiment';

/** The α a first run trains: the file's α closest to 0.5 (an I-MLP halfway between the MLP and the prior). */
export function firstAlpha(alphas: readonly number[]): number | undefined {
  // Distances rounded: 0.3 and 0.7 are equally far from 0.5 (the lower wins), whatever float rounding says.
  const distance = (a: number) => Math.round(Math.abs(a - 0.5) * 1e9);
  return [...alphas].sort((a, b) => distance(a) - distance(b) || a - b)[0];
}

const setContext = (key: string) => vscode.commands.executeCommand('setContext', `imlp.walkthrough.${key}`, true);
const allFinished = (rs: RunRecord[] | undefined): rs is RunRecord[] => !!rs && rs.length > 0 && rs.every((r) => r.status === 'finished');

export function registerWalkthrough(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const remembered = (): vscode.Uri | undefined => {
    const path = context.workspaceState?.get<string>(STATE_KEY);
    return path && existsSync(path) ? vscode.Uri.file(path) : undefined;
  };

  /** The demo file: the one made earlier, else the open experiment file, else imlp-demo.imlp.json (created if missing). */
  const need = async (): Promise<vscode.Uri | undefined> => {
    const known = remembered();
    if (known) return known;
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active?.scheme === 'file' && isExperimentPath(active.path)) return active;
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri;
    if (!folder) {
      const open = 'Open Folder';
      void vscode.window.showInformationMessage('I-MLP: open a folder first: the experiment file and its results are written into it.', open)
        .then((c) => c === open && vscode.commands.executeCommand('workbench.action.files.openFolder'));
      return undefined;
    }
    const target = vscode.Uri.joinPath(folder, DEMO_FILE);
    let uri: vscode.Uri | undefined = target;
    if (!existsSync(target.fsPath)) {
      uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('imlp.newExperiment', DEMO_PRESET, target);
    }
    if (uri) {
      await context.workspaceState?.update(STATE_KEY, uri.fsPath);
      void setContext('hasExperiment');
    }
    return uri;
  };

  const handlers: Record<(typeof WALKTHROUGH_COMMANDS)[number], () => Promise<unknown>> = {
    'imlp.walkthrough.createExperiment': async () => {
      const uri = await need();
      if (uri) await vscode.window.showTextDocument(uri);
      return uri;
    },
    'imlp.walkthrough.runOne': async () => {
      const uri = await need();
      if (!uri) return undefined;
      await vscode.window.showTextDocument(uri);
      const config = await loadExperiment(uri.fsPath).catch(() => undefined);
      const alpha = config?.interpolation ? firstAlpha(config.interpolation.alphas) : undefined;
      // A plain model (the user's own file) has no α: its ordinary run is the step.
      const records = await vscode.commands.executeCommand<RunRecord[] | undefined>(alpha === undefined ? 'imlp.run' : 'imlp.runAlpha', uri, ...(alpha === undefined ? [] : [alpha]));
      if (allFinished(records)) void setContext('ranOne');
      return records;
    },
    'imlp.walkthrough.openPanel': async () => {
      const uri = await need();
      return uri ? vscode.commands.executeCommand('imlp.openPanel', uri) : undefined;
    },
    'imlp.walkthrough.sweep': async () => {
      const uri = await need();
      if (!uri) return undefined;
      const records = await vscode.commands.executeCommand<RunRecord[] | undefined>('imlp.sweep', uri);
      if (allFinished(records)) void setContext('swept');
      return records;
    },
    'imlp.walkthrough.showPlot': async () => {
      const uri = await need();
      if (!uri) return undefined;
      // The accuracy chart is the panel's third: scrolled into view, below the loss and the schedule.
      const panel = await vscode.commands.executeCommand<{ reveal(chart: 'accuracy'): void } | undefined>('imlp.openPanel', uri);
      panel?.reveal('accuracy');
      return panel;
    },
    'imlp.walkthrough.exportPlot': async () => {
      const uri = await need();
      if (!uri) return undefined;
      await vscode.commands.executeCommand('imlp.openPanel', uri);
      const file = await vscode.commands.executeCommand<string | undefined>('imlp.exportChart', { chart: 'accuracy', format: 'svg' });
      if (!file) return undefined;
      void setContext('exported');
      const reveal = 'Reveal in Explorer';
      void vscode.window.showInformationMessage(`I-MLP: accuracy versus α saved as ${vscode.workspace.asRelativePath(file)} (PNG and CSV: the buttons on each chart, or "I-MLP: Export Chart").`, reveal)
        .then((c) => c === reveal && vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(file)));
      return file;
    },
  };
  if (remembered()) void setContext('hasExperiment');
  return Object.entries(handlers).map(([id, fn]) => vscode.commands.registerCommand(id, async () => {
    try {
      return await fn();
    } catch (err) {
      log.error(`${id} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      void vscode.window.showErrorMessage(`I-MLP: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }));
}
