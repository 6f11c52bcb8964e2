// Makes require('vscode') return the stub in ./vscode.ts, for unit tests of the extension in plain
// Node (see /work/shared/notes/vscode-e2e.md §4.1). Import it before anything that imports vscode.
// TensorFlow.js is replaced by the same stub as in the extension bundle (esbuild.mjs), so the tests
// see what the extension host sees, and start fast.
import Module from 'node:module';
import { join } from 'node:path';

const target = join(__dirname, 'vscode.ts');
const noTensors = join(__dirname, '../../../src/extension/noTensors.ts');
const mod = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const original = mod._resolveFilename;
if (!(original as { imlpStub?: boolean }).imlpStub) {
  const patched = function (this: unknown, request: string, ...rest: unknown[]): string {
    if (request === 'vscode') return target;
    if (request.startsWith('@tensorflow/')) return noTensors;
    return original.call(this, request, ...rest);
  };
  (patched as { imlpStub?: boolean }).imlpStub = true;
  mod._resolveFilename = patched;
}

export {};
