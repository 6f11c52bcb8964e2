// Hovers on experiment files: what an α means under the file's mode, sync and schedule, and the
// estimated dense-matrix memory of the prior's I-MLP (hoverText.ts computes both from the text alone).
// The schema's own hovers (field descriptions) still show beside these.
import * as vscode from 'vscode';
import type { ExperimentConfig } from '../core/experiment/types';
import { settingsFor } from './config';
import { hoverAt } from './hoverText';
import { effectiveConfig, runMemoryBudget } from './settings';

export class ExperimentHoverProvider implements vscode.HoverProvider {
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const settings = settingsFor(document.uri);
    const budget = (config: ExperimentConfig): number | undefined => {
      try {
        return runMemoryBudget(settings, effectiveConfig(config, settings).backend);
      } catch {
        return undefined; // a bad imlp.memoryBudget is reported by the diagnostics
      }
    };
    const h = hoverAt(document.getText(), document.offsetAt(position), document.uri.fsPath, budget);
    if (!h) return undefined;
    const md = new vscode.MarkdownString(h.markdown);
    return new vscode.Hover(md, new vscode.Range(document.positionAt(h.offset), document.positionAt(h.offset + h.length)));
  }
}

export function registerHovers(selector: vscode.DocumentSelector): vscode.Disposable {
  return vscode.languages.registerHoverProvider(selector, new ExperimentHoverProvider());
}
