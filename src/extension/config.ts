// The imlp.* settings as VS Code holds them, and the folders they are relative to.
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { type ImlpSettings, readSettings, resultsRoot } from './settings';

export function settingsFor(scope?: vscode.Uri): ImlpSettings {
  const c = vscode.workspace.getConfiguration('imlp', scope);
  return readSettings((key) => c.get(key));
}

/** The workspace folder of a file, or the file's own folder when it is outside the workspace. */
export function folderOf(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? dirname(uri.fsPath);
}

/** The results store a file's runs go to. */
export function resultsRootOf(uri: vscode.Uri): string {
  return resultsRoot(settingsFor(uri), folderOf(uri));
}

export interface WorkspaceRoot {
  folder: vscode.WorkspaceFolder;
  root: string;
}

/** The results store of every workspace folder (folders sharing one store are listed once). */
export function workspaceRoots(): WorkspaceRoot[] {
  const seen = new Set<string>();
  const out: WorkspaceRoot[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== 'file') continue;
    const root = resultsRoot(settingsFor(folder.uri), folder.uri.fsPath);
    if (seen.has(root)) continue;
    seen.add(root);
    out.push({ folder, root });
  }
  return out;
}

export const isExperimentPath = (path: string) => path.endsWith('.imlp.json');
