// The panel's page: only the built webview bundle and its styles, under a CSP that allows nothing
// else (no inline script or style, no eval, no network). The script carries a fresh nonce per page.
import { randomBytes } from 'node:crypto';

export interface PanelAssets {
  /** webview.cspSource */
  cspSource: string;
  script: string;
  styles: string[];
}

export const contentSecurityPolicy = (cspSource: string, nonce: string): string => [
  "default-src 'none'",
  `script-src 'nonce-${nonce}'`,
  `style-src ${cspSource}`,
  `img-src ${cspSource} data:`,
  `font-src ${cspSource}`,
].join('; ');

const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function panelHtml(assets: PanelAssets, title: string): string {
  const nonce = randomBytes(18).toString('base64');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(assets.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${attr(title)}</title>
${assets.styles.map((s) => `<link rel="stylesheet" href="${attr(s)}">`).join('\n')}
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${attr(assets.script)}"></script>
</body>
</html>
`;
}
