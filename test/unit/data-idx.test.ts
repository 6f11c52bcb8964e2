// IDX reader: raw and gzipped files, and every malformed input a user can meet (each error names the
// file and says what to do). Synthetic bytes only; the real files are covered in data-load.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { DatasetError, encodeIdx, readIdx } from '../../src/core/data';
import { rejectsWithDatasetError } from './helpers';

const FILE = 'train-images-idx3-ubyte';


const rejects = (fn: () => unknown, code: DatasetError['code'], ...mustSay: (string | RegExp)[]): DatasetError => rejectsWithDatasetError(fn, FILE, code, ...mustSay);

const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 7);

test('reads a raw IDX file: dims big-endian, payload as a view', () => {
  const { dims, data } = readIdx(encodeIdx([2, 3, 4], pixels), FILE);
  assert.deepEqual(dims, [2, 3, 4]);
  assert.deepEqual(Array.from(data), Array.from(pixels));
  const labels = readIdx(encodeIdx([3], Uint8Array.of(5, 0, 4)), FILE);
  assert.deepEqual(labels.dims, [3]);
  assert.deepEqual(Array.from(labels.data), [5, 0, 4]);
});

test('header bytes are exactly the IDX format: 00 00 08 ndims, u32 BE dims', () => {
  const bytes = encodeIdx([60000, 28, 28], new Uint8Array(0)).subarray(0, 16);
  assert.deepEqual(Array.from(bytes), [0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28]);
});

test('reads a gzipped IDX file (detected by 1f 8b)', () => {
  const { dims, data } = readIdx(gzipSync(encodeIdx([2, 3, 4], pixels)), FILE);
  assert.deepEqual(dims, [2, 3, 4]);
  assert.deepEqual(Array.from(data), Array.from(pixels));
});

test('wrong magic: shows expected and actual bytes in hex', () => {
  const zip = Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4);
  rejects(() => readIdx(zip, FILE), 'format', 'expected magic 00 00 08 0N', 'got 50 4b 03 04');
  rejects(() => readIdx(new Uint8Array(0), FILE), 'format', 'got an empty file');
});

test('unsupported element type is named', () => {
  const floats = encodeIdx([1], Uint8Array.of(0, 0, 0, 0));
  floats[2] = 0x0d;
  rejects(() => readIdx(floats, FILE), 'format', 'unsupported IDX element type 0x0d (float32)');
});

test('zero dimensions and a truncated header are refused', () => {
  rejects(() => readIdx(Uint8Array.of(0, 0, 8, 0), FILE), 'format', '0 dimensions');
  rejects(() => readIdx(Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1), FILE), 'format', 'truncated IDX header', '16 header bytes');
});

test('truncated payload: says how many bytes are expected and present', () => {
  const full = encodeIdx([10, 28, 28], new Uint8Array(7840));
  const e = rejects(() => readIdx(full.subarray(0, 5000), FILE), 'format', 'truncated IDX file', '7,856 bytes', 'only 5,000 are present');
  assert.match(e.fix, /download or copy it again/);
  rejects(() => readIdx(gzipSync(full.subarray(0, 5000)), FILE), 'format', 'truncated IDX file', '7,856', '5,000');
});

test('more data than the header declares is refused (raw and gzipped)', () => {
  const extra = encodeIdx([4], Uint8Array.of(1, 2, 3, 4, 5));
  extra[7] = 4; // header says 4, payload has 5
  rejects(() => readIdx(extra, FILE), 'format', 'longer than its header declares');
  rejects(() => readIdx(gzipSync(extra), FILE), 'format', 'more data than its header declares');
});

test('dims that claim gigabytes are refused at once, without allocating them', () => {
  const header = (n: number) => {
    const h = encodeIdx([1, 28, 28], new Uint8Array(784));
    new DataView(h.buffer).setUint32(4, n);
    return h;
  };
  for (const [bytes, what] of [
    [header(0xffffffff), /more than this reader accepts/],
    [gzipSync(header(0xffffffff)), /more than this reader accepts/],
    [header(1_000_000), /truncated IDX file: dims 1000000×28×28 need 784,000,016 bytes/], // 784 MB < cap: caught by length
    [gzipSync(header(1_000_000)), /truncated IDX file/],
  ] as const) {
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    rejects(() => readIdx(bytes, FILE), 'format', what);
    assert.ok(performance.now() - t0 < 200, 'fails fast');
    assert.ok(process.memoryUsage().arrayBuffers - before < 50e6, 'allocated nothing near the declared size');
  }
});

test('corrupt gzip: garbage after the gzip magic, and a .gz cut short', () => {
  const garbage = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
  rejects(() => readIdx(garbage, FILE), 'format', 'corrupt gzip data');
  const gz = gzipSync(encodeIdx([50, 28, 28], Uint8Array.from({ length: 50 * 784 }, (_, i) => (i * 31) % 251)));
  const e = rejects(() => readIdx(gz.subarray(0, gz.length - 100), FILE), 'format', 'corrupt gzip data');
  assert.match(e.fix, /damaged or was cut short/);
});
