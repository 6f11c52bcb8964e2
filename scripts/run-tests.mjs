// Runs every test file under test/unit with Node's test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [substring-filter]
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
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
