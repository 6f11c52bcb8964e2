// Buttons from @vscode-elements (themed by VS Code's variables), including each chart's export row.
import { type ChartId, EXPORT_FORMATS, type ExportFormat } from '../src/shared/protocol';
import '@vscode-elements/elements/dist/vscode-button/index.js';

export function button(id: string, label: string, onClick: () => void, secondary = false): HTMLElement {
  const b = document.createElement('vscode-button');
  b.id = id;
  b.textContent = label;
  b.secondary = secondary;
  b.addEventListener('click', onClick);
  return b;
}

/** SVG, PNG and CSV buttons of one chart, with ids export-<chart>-<format>. */
export function exportButtons(chart: ChartId, onExport: (format: ExportFormat) => void): HTMLElement {
  const row = document.createElement('div');
  row.className = 'exports';
  row.setAttribute('role', 'group');
  row.setAttribute('aria-label', `export the ${chart} chart`);
  row.append(...EXPORT_FORMATS.map((f) => button(`export-${chart}-${f}`, f.toUpperCase(), () => onExport(f), true)));
  return row;
}
