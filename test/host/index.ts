// Entry point that the extension host loads as extensionTestsPath (bundled to out/test/index.js by
// test/host/build.mjs): runs the suites out/test/suite/*.test.js with mocha (tdd UI) and rejects when a
// test fails, which makes the workbench exit with code 1. Env (set on code-server by test/host/run.ts):
// IMLP_HOST_MODE=untrusted runs the untrusted-*.test.js suites, otherwise the others; IMLP_HOST_GREP
// filters tests by name.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  const grep = process.env.IMLP_HOST_GREP;
  if (grep) mocha.grep(grep);
  const dir = join(__dirname, 'suite');
  const untrusted = process.env.IMLP_HOST_MODE === 'untrusted';
  const suites = readdirSync(dir).filter((n) => n.endsWith('.test.js') && n.startsWith('untrusted-') === untrusted).sort();
  for (const f of suites) mocha.addFile(join(dir, f));
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
