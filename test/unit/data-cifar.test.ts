// CIFAR binary reader: planar CHW records → NHWC, CIFAR-100 fine and coarse labels, and malformed
// files (synthetic bytes: no CIFAR data is available offline).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatasetError, readCifar } from '../../src/core/data';
import { rejectsWithDatasetError } from './helpers';

const FILE = 'data_batch_1.bin';

/** Pixel (c, y, x) of record k gets a value that identifies all four. */
const pixel = (k: number, c: number, y: number, x: number) => (k * 101 + c * 37 + y * 5 + x * 3) % 256;

function records(variant: 10 | 100, labels: number[][]): Uint8Array {
  const size = variant === 10 ? 3073 : 3074;
  const out = new Uint8Array(labels.length * size);
  labels.forEach((l, k) => {
    out.set(l, k * size);
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[k * size + l.length + c * 1024 + y * 32 + x] = pixel(k, c, y, x);
  });
  return out;
}


const rejectsFormat = (fn: () => unknown, ...mustSay: string[]): DatasetError => rejectsWithDatasetError(fn, FILE, 'format', ...mustSay);

test('CIFAR-10: labels, and planes R,G,B converted to NHWC', () => {
  const r = readCifar(records(10, [[3], [9], [0]]), 10, FILE);
  assert.equal(r.n, 3);
  assert.deepEqual(Array.from(r.labels), [3, 9, 0]);
  assert.equal(r.coarseLabels, undefined);
  assert.equal(r.images.length, 3 * 32 * 32 * 3);
  for (let k = 0; k < 3; k++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        for (let c = 0; c < 3; c++) assert.equal(r.images[((k * 32 + y) * 32 + x) * 3 + c], pixel(k, c, y, x));
      }
    }
  }
});

test('CIFAR-100: fine label as the label, coarse label kept', () => {
  const r = readCifar(records(100, [[19, 99], [0, 42]]), 100, FILE);
  assert.deepEqual(Array.from(r.labels), [99, 42]);
  assert.deepEqual(Array.from(r.coarseLabels!), [19, 0]);
  assert.equal(r.images[((1 * 32 + 5) * 32 + 7) * 3 + 2], pixel(1, 2, 5, 7));
});

test('empty file', () => {
  rejectsFormat(() => readCifar(new Uint8Array(0), 10, FILE), 'empty file');
});

test('length not a multiple of the record size, with a hint when it fits the other variant', () => {
  const e = rejectsFormat(() => readCifar(new Uint8Array(3073 * 2 + 5), 10, FILE), 'not a multiple of the CIFAR-10 record size 3073 B');
  assert.match(e.fix, /binary version/);
  const other = rejectsFormat(() => readCifar(records(100, [[1, 2], [3, 4], [5, 6]]), 10, FILE), 'not a multiple');
  assert.match(other.fix, /fits CIFAR-100 records/);
  rejectsFormat(() => readCifar(new Uint8Array(3073 * 3), 100, FILE), 'not a multiple of the CIFAR-100 record size 3074 B');
});

test('labels out of range name the record', () => {
  rejectsFormat(() => readCifar(records(10, [[1], [10]]), 10, FILE), 'record 1 (byte offset 3073) has label 10 (valid: 0..9)');
  rejectsFormat(() => readCifar(records(100, [[2, 100]]), 100, FILE), 'record 0 (byte offset 0) has label 100 (valid: 0..99)');
  rejectsFormat(() => readCifar(records(100, [[20, 5]]), 100, FILE), 'coarse label 20 (valid: 0..19)');
});
