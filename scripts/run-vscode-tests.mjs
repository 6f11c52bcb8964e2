// Runs the real-VS-Code test layers (code-server 4.100.3 + Debian chromium, see
// ../shared/notes/vscode-e2e.md) after making sure their tools are installed:
//   host: mocha inside the extension host (test/host, bundled by test/host/build.mjs), in a trusted
//         workspace, then in an untrusted one (restricted mode)
//   e2e:  the workbench UI driven by Playwright (test/e2e/ui.e2e.ts)
//   vsix: `npm run package` (vsce), the .vsix installed into a clean code-server, a Fashion-MNIST run
//         from its code lens (test/e2e/vsix.e2e.ts)
// It needs the extension built (npm run build → dist/extension.js, dist/worker.js).
//
// Usage: node scripts/run-vscode-tests.mjs [host] [e2e] [vsix]   (default: all three, in that order)
// Env: IMLP_HOST_GREP=<pattern> (host tests to run), IMLP_KEEP_RUN_DIR=1 (keep the temp workspace).
// Logs and screenshots: test-results/{host,host-untrusted,e2e-trusted,e2e-untrusted,e2e-vsix}/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const layers = process.argv.slice(2).length ? process.argv.slice(2) : ['host', 'e2e', 'vsix'];
for (const l of layers) {
  if (l !== 'host' && l !== 'e2e' && l !== 'vsix') {
    console.error(`unknown layer "${l}" (host, e2e, vsix)`);
    process.exit(2);
  }
}

function sh(label, cmd, args) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  const ok = r.status === 0;
  console.log(`${ok ? '✔' : '✘'} ${label} (${s} s)${ok ? '' : ` — exit ${r.status ?? r.signal}`}`);
  return { ok, seconds: s };
}

console.log('\n── VS Code layers: setup ──');
if (!sh('setup: code-server 4.100.3, chromium (scripts/setup-vscode-test.sh)', 'bash', ['scripts/setup-vscode-test.sh']).ok) process.exit(1);
for (const f of ['dist/extension.js', 'dist/worker.js']) {
  if (!existsSync(join(root, f))) {
    console.error(`✘ ${f} is missing: run npm run build first`);
    process.exit(1);
  }
}

const results = [];
const tsx = ['--import', 'tsx'];
if (layers.includes('host')) {
  console.log('\n── VS Code layer: mocha in the extension host (test/host) ──');
  const built = sh('build the host-test bundle (test/host/build.mjs → out/test)', process.execPath, ['test/host/build.mjs']);
  const r = built.ok ? sh('extension-host tests, trusted workspace', process.execPath, [...tsx, 'test/host/run.ts']) : built;
  results.push(['extension host (mocha), trusted workspace', r]);
  const u = built.ok ? sh('extension-host tests, untrusted workspace', process.execPath, [...tsx, 'test/host/run.ts', 'untrusted']) : built;
  results.push(['extension host (mocha), untrusted workspace', u]);
}
if (layers.includes('e2e')) {
  console.log('\n── VS Code layer: UI end to end (Playwright + chromium, test/e2e) ──');
  results.push(['UI end to end (Playwright)', sh('UI e2e', process.execPath, [...tsx, 'test/e2e/ui.e2e.ts'])]);
}
if (layers.includes('vsix')) {
  console.log('\n── VS Code layer: the packaged .vsix in a clean code-server (test/e2e/vsix.e2e.ts) ──');
  results.push(['.vsix installed into a clean code-server, Fashion-MNIST run, the walkthrough to a finished sweep', sh('vsix e2e', process.execPath, [...tsx, 'test/e2e/vsix.e2e.ts'])]);
}

console.log('\n── VS Code layers: summary ──');
for (const [name, r] of results) console.log(`${r.ok ? '✔ pass' : '✘ FAIL'}  ${name} (${r.seconds} s)`);
process.exit(results.every(([, r]) => r.ok) ? 0 : 1);
