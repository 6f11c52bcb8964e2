// Helpers shared by the unit tests: scratch folders and the contract of a dataset error.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { DatasetError } from '../../src/core/data';

/** A scratch folder for the test file, removed after it; `fresh()` makes a new empty folder inside. */
export function scratch(prefix: string): { root: string; fresh: () => string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  return {
    root,
    fresh: () => {
      const d = join(root, `d${n++}`);
      mkdirSync(d);
      return d;
    },
  };
}

/**
 * Runs `fn`, which must throw a DatasetError of `code` whose message starts with the file's name, says
 * what to do, and contains each of `mustSay` (text or pattern). Returns the error.
 */
export function rejectsWithDatasetError(fn: () => unknown, file: string, code: DatasetError['code'], ...mustSay: (string | RegExp)[]): DatasetError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DatasetError, `expected a DatasetError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.ok(caught.message.startsWith(`${file}: `), `message names the file: ${caught.message}`);
  assert.ok(caught.fix.length > 10, 'message says what to do');
  for (const s of mustSay) assert.match(caught.message, typeof s === 'string' ? new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : s);
  return caught;
}

/** Writes `<dir>/tiny.imlp.json`: an I-MLP sweep of 3 α and one seed on 500 MNIST images with the cnn-tiny prior (seconds to run). */
export function writeTinySweep(dir: string): string {
  const file = join(dir, 'tiny.imlp.json');
  writeFileSync(file, JSON.stringify({
    name: 'tiny',
    dataset: { name: 'mnist', trainSubset: 500, testSubset: 300 },
    model: { kind: 'imlp' },
    prior: { preset: 'cnn-tiny', training: { epochs: 1 } },
    interpolation: { alpha: [0, 0.5, 1] },
    training: { epochs: 1, batchSize: 100, lr: 0.001, seeds: [0] },
    backend: 'wasm',
  }, null, 2));
  return file;
}
