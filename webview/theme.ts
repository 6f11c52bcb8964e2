// Colours of the charts from VS Code's theme variables. Canvas drawing cannot use var(), so they are
// read as values and read again when the theme changes (VS Code swaps body's class and variables).

export interface Theme {
  foreground: string;
  background: string;
  muted: string;
  grid: string;
  focus: string;
  fontFamily: string;
  fontSize: string;
  blue: string;
  green: string;
  orange: string;
  purple: string;
}

export function readTheme(): Theme {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  const foreground = v('--vscode-editor-foreground', '#333333');
  return {
    foreground,
    background: v('--vscode-editor-background', '#ffffff'),
    muted: v('--vscode-descriptionForeground', foreground),
    grid: v('--vscode-editorWidget-border', v('--vscode-panel-border', '#8080804d')),
    focus: v('--vscode-focusBorder', '#0078d4'),
    fontFamily: v('--vscode-font-family', 'sans-serif'),
    fontSize: v('--vscode-font-size', '13px'),
    blue: v('--vscode-charts-blue', '#1f77b4'),
    green: v('--vscode-charts-green', '#2ca02c'),
    orange: v('--vscode-charts-orange', '#ff7f0e'),
    purple: v('--vscode-charts-purple', '#9467bd'),
  };
}

/** Calls back when VS Code switches theme (light, dark, high contrast): body's class or theme attributes change
 * (a switch between two dark themes keeps the class). */
export function watchTheme(onChange: () => void): void {
  new MutationObserver(onChange).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind', 'data-vscode-theme-name', 'data-vscode-theme-id'] });
}

/** The canvas font of axis labels, in the editor's UI font. */
export const axisFont = (t: Theme): string => `${t.fontSize} ${t.fontFamily}`;
