// docs/reliability.md stays true: every test its tables name exists in the file they name, and every
// reliability-*.test.ts test is in the tables (a new one is reported, a removed one cannot stay listed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const DOC = 'docs/reliability.md';
const ENTRY = /^`(test\/[^`]+\.ts)` › (.+)$/;

/** Every "`file` › test name" entry of the tables' test column. */
function entries(doc: string): Array<{ file: string; name: string }> {
  const out: Array<{ file: string; name: string }> = [];
  for (const line of doc.split('\n')) {
    if (!line.startsWith('| ')) continue;
    for (const cell of line.split(' | ')) {
      for (const part of cell.split('<br>')) {
        const m = ENTRY.exec(part.trim());
        if (m) out.push({ file: m[1]!, name: m[2]! });
      }
    }
  }
  return out;
}

/** Whether the name is written in the file (as a string literal, in which ' may be escaped). */
const names = (text: string, name: string): boolean => text.includes(name) || text.includes(name.replace(/'/g, "\\'"));

test('every test named in docs/reliability.md exists in the file it names', () => {
  const listed = entries(readFileSync(DOC, 'utf8'));
  assert.ok(listed.length >= 50, `${listed.length} entries read from the tables`);
  const missing = listed.filter(({ file, name }) => !existsSync(file) || !names(readFileSync(file, 'utf8'), name));
  assert.deepEqual(missing, [], 'a test renamed or removed: update docs/reliability.md');
  // The check itself can fail: a name that is not in its file is caught.
  assert.equal(names(readFileSync('test/unit/reliability-faults.test.ts', 'utf8'), 'kill -9 and nothing happens'), false);
});

test('every test of test/unit/reliability-*.test.ts is reported in docs/reliability.md', () => {
  const listed = new Set(entries(readFileSync(DOC, 'utf8')).map((e) => `${e.file} › ${e.name}`));
  const unreported: string[] = [];
  for (const f of readdirSync('test/unit').filter((n) => /^reliability-.*\.test\.ts$/.test(n) && n !== 'reliability-report.test.ts')) {
    const file = join('test/unit', f);
    for (const m of readFileSync(file, 'utf8').matchAll(/^test\('((?:[^'\\]|\\.)*)'/gm)) {
      const name = m[1]!.replace(/\\'/g, "'");
      if (!listed.has(`${file} › ${name}`)) unreported.push(`${file} › ${name}`);
    }
  }
  assert.deepEqual(unreported, [], 'add these to docs/reliability.md');
});
