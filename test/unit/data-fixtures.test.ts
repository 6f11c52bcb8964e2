// The Fashion-MNIST-in-CIFAR-layout fixtures: recorded MD5s, the cross-loader equality (the same
// images through the IDX reader + resize32 and through the CIFAR reader), and byte-exact regeneration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { REGISTRY, readCifar, readIdx, resize32, type ImageSet } from '../../src/core/data';

const FIXTURES = resolve('test/fixtures');
const C10 = join(FIXTURES, 'fashion-mnist-in-cifar10-layout');
const C100 = join(FIXTURES, 'fashion-mnist-in-cifar100-layout');
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'fashion-mnist-fixtures.manifest.json'), 'utf8')) as { files: Record<string, string>; indices: number[] };
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const DEBIAN = '/usr/share/datasets/fashion-mnist';

function idxSet(): ImageSet {
  const images = readIdx(readFileSync(join(C10, 'images-idx3-ubyte.gz')), 'images-idx3-ubyte.gz');
  const labels = readIdx(readFileSync(join(C10, 'labels-idx1-ubyte.gz')), 'labels-idx1-ubyte.gz');
  assert.deepEqual(images.dims, [100, 28, 28]);
  assert.deepEqual(labels.dims, [100]);
  return { n: 100, height: 28, width: 28, channels: 1, images: images.data, labels: labels.data, numClasses: 10, classNames: [...REGISTRY['fashion-mnist'].classNames] };
}

test('every fixture file matches the MD5 recorded in the manifest', () => {
  assert.equal(Object.keys(manifest.files).length, 9);
  for (const [rel, want] of Object.entries(manifest.files)) assert.equal(md5(readFileSync(join(FIXTURES, rel))), want, rel);
  assert.equal(readFileSync(join(C10, 'test_batch.bin')).length, 307_300);
  assert.equal(readFileSync(join(C100, 'test.bin')).length, 307_400);
});

test('fixture holds the first 10 test images of each class, in test-file order', () => {
  const { labels } = idxSet();
  const counts = new Array(10).fill(0);
  for (const l of labels) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(10));
  assert.deepEqual(manifest.indices, [...manifest.indices].sort((a, b) => a - b));
  assert.equal(readFileSync(join(C10, 'batches.meta.txt'), 'utf8'), `${REGISTRY['fashion-mnist'].classNames.join('\n')}\n`);
  for (const dir of [C10, C100]) assert.match(readFileSync(join(dir, 'PROVENANCE.md'), 'utf8'), /not CIFAR[\s\S]*Zalando SE[\s\S]*MIT/);
});

test('cross-loader: IDX reader + resize32 equals the CIFAR-10 reader, image for image', () => {
  const viaIdx = resize32(idxSet());
  const viaCifar = readCifar(readFileSync(join(C10, 'test_batch.bin')), 10, 'test_batch.bin');
  assert.equal(viaCifar.n, 100);
  assert.deepEqual(viaCifar.labels, viaIdx.labels);
  assert.equal(viaCifar.images.length, viaIdx.images.length);
  assert.ok(Buffer.from(viaCifar.images).equals(Buffer.from(viaIdx.images)), 'pixels differ between the IDX and CIFAR paths');
});

test('cross-loader: CIFAR-100 layout, fine = Fashion label, coarse = documented grouping', () => {
  const viaIdx = resize32(idxSet());
  const r = readCifar(readFileSync(join(C100, 'test.bin')), 100, 'test.bin');
  assert.deepEqual(r.labels, viaIdx.labels);
  const group = [0, 1, 0, 0, 0, 2, 0, 2, 3, 2]; // tops, trousers, footwear, bags
  assert.deepEqual(Array.from(r.coarseLabels!), Array.from(r.labels, (l) => group[l]));
  assert.ok(Buffer.from(r.images).equals(Buffer.from(viaIdx.images)));
  assert.equal(readFileSync(join(C100, 'coarse_label_names.txt'), 'utf8'), 'tops\ntrousers\nfootwear\nbags\n');
});

test('regenerating from the Debian files reproduces the fixtures byte for byte', { skip: existsSync(DEBIAN) ? false : `needs ${DEBIAN} (apt-get install dataset-fashion-mnist)` }, (t) => {
  const out = mkdtempSync(join(tmpdir(), 'imlp-fixtures-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/make-fixtures.ts', '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const rel of [...Object.keys(manifest.files), 'fashion-mnist-fixtures.manifest.json']) {
      const want = readFileSync(join(FIXTURES, rel));
      const got = readFileSync(join(out, rel));
      if (rel.endsWith('.gz') && !got.equals(want)) {
        // Node's zlib (Chromium's fork) may choose other matches on other CPUs; the payload must still be equal.
        t.diagnostic(`${rel}: gzip bytes differ from the committed file on this machine; comparing the decompressed payload`);
        assert.ok(gunzipSync(got).equals(gunzipSync(want)), rel);
      } else {
        assert.ok(got.equals(want), `${rel} differs from the committed fixture`);
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
