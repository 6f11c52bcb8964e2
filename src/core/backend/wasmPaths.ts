import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';
const SIMD_BINARY = 'tfjs-backend-wasm-simd.wasm';

/**
 * The folder holding the wasm binaries, with a trailing separator (setWasmPaths takes a prefix):
 * the folder of the running bundle, where esbuild.mjs copies them next to dist/cli.js, else the
 * installed @tensorflow/tfjs-backend-wasm package (running from source).
 */
export function wasmDirectory(): string {
  if (existsSync(join(__dirname, SIMD_BINARY))) return __dirname + sep;
  const packageDir = installedPackageDir();
  if (packageDir !== undefined && existsSync(join(packageDir, SIMD_BINARY))) return packageDir + sep;
  throw new Error(`${SIMD_BINARY} is neither next to the running code (${__dirname}) nor in an installed ${WASM_PACKAGE}`);
}

function installedPackageDir(): string | undefined {
  try {
    // A name in a variable: resolved by Node at run time, also from a bundle (esbuild warns on a literal).
    return dirname(require.resolve(WASM_PACKAGE));
  } catch {
    return undefined;
  }
}
