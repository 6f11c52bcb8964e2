// Runs every test file under test/unit with Node's test runner (TypeScript through tsx), then the
// real-VS-Code layers (scripts/run-vscode-tests.mjs: mocha in code-server's extension host, then the
// Playwright UI test), which need the build (npm test runs it first).
// Usage: node scripts/run-tests.mjs [substring-filter]   (a filter runs only the matching unit tests)
// IMLP_SKIP_VSCODE_TESTS=1 runs the unit tests only.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const filter = process.argv[2] ?? '';
const files = readdirSync('test/unit')
  .filter((f) => f.endsWith('.test.ts') && f.includes(filter))
  .sort()
  .map((f) => join('test/unit', f));
if (files.length === 0) {
  console.error(`no test files match "${filter}"`);
  process.exit(1);
}
const t0 = Date.now();
const unit = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
const unitOk = unit.status === 0;
const unitSeconds = ((Date.now() - t0) / 1000).toFixed(1);
if (filter !== '' || process.env.IMLP_SKIP_VSCODE_TESTS === '1') {
  if (filter === '') console.log('\nVS Code layers skipped (IMLP_SKIP_VSCODE_TESTS=1)');
  process.exit(unit.status ?? 1);
}

const t1 = Date.now();
const vscode = spawnSync(process.execPath, ['scripts/run-vscode-tests.mjs'], { stdio: 'inherit' });
const vscodeOk = vscode.status === 0;
console.log('\n══ npm test ══');
console.log(`${unitOk ? '✔ pass' : '✘ FAIL'}  unit tests (${unitSeconds} s)`);
console.log(`${vscodeOk ? '✔ pass' : '✘ FAIL'}  VS Code layers: extension host, UI, .vsix (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
process.exit(unitOk && vscodeOk ? 0 : 1);
