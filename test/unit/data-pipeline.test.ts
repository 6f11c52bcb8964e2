// Batches: seeded per-epoch shuffle (reproducible on resume), subsets, resize32, crop/flip
// augmentation (deterministic per (seed, epoch, step)), normalisation numbers, buffer reuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchIterator,
  DatasetError,
  channelStats,
  evalBatches,
  mixSeed,
  mulberry32,
  permutation,
  resize32,
  resize32Stats,
  resolveAugment,
  testSubset,
  trainSubset,
  type ImageSet,
} from '../../src/core/data';

/** n images of h×w×c; pixel values identify the image (first pixel = index) and the position. */
function makeSet(n: number, h = 4, w = 4, c = 1): ImageSet {
  const images = new Uint8Array(n * h * w * c);
  for (let k = 0; k < n; k++) for (let p = 0; p < h * w * c; p++) images[k * h * w * c + p] = p === 0 ? k : (k * 7 + p * 13) % 251;
  return { n, height: h, width: w, channels: c, images, labels: Uint8Array.from({ length: n }, (_, k) => k % 10), numClasses: 10, classNames: [] };
}
const ID = { mean: [0], std: [1 / 255] }; // normalised value = raw byte value
const ids = (x: Float32Array, size: number, px: number) => Array.from({ length: size }, (_, k) => x[k * px]!);

test('mulberry32 and mixSeed are deterministic and separate their inputs', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = Array.from({ length: 5 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b()));
  assert.ok(xs.every((v) => v >= 0 && v < 1));
  assert.equal(mixSeed(1, 2, 3), mixSeed(1, 2, 3));
  const seeds = new Set([mixSeed(1, 2, 3), mixSeed(1, 3, 2), mixSeed(2, 1, 3), mixSeed(1, 2), mixSeed(-1, 2, 3), mixSeed(2 ** 40, 2, 3), mixSeed(0, 2, 3)]);
  assert.equal(seeds.size, 7);
  assert.throws(() => mixSeed(0.5), RangeError);
});

test('permutation: a permutation, the same for the same seed', () => {
  const p = permutation(1000, 7);
  assert.deepEqual(Array.from(p).sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(p, permutation(1000, 7));
  assert.notDeepEqual(p, permutation(1000, 8));
});

test('epoch order: fixed by (seed, epoch), new each epoch, every image once', () => {
  const set = makeSet(50);
  const order = (seed: number, epoch: number) => {
    const it = new BatchIterator(set, { batchSize: 8, seed, epoch, dropLast: false, ...ID });
    return Array.from(it, (b) => ids(b.x, b.size, 16)).flat(); // read each batch before the next overwrites it
  };
  const e0 = order(1, 0);
  assert.equal(e0.length, 50);
  assert.deepEqual([...e0].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(order(1, 0), e0, 'same seed and epoch: same order (resume)');
  assert.notDeepEqual(order(1, 1), e0, 'the next epoch reshuffles');
  assert.notDeepEqual(order(2, 0), e0, 'another seed, another order');
});

test('batch i depends only on (seed, epoch, i): random access equals sequential', () => {
  const set = makeSet(40, 6, 6, 3);
  const opts = { batchSize: 16, seed: 3, epoch: 5, dropLast: false, augment: { crop: 2, flip: true }, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
  const seq = Array.from(new BatchIterator(set, opts), (b) => ({ x: Array.from(b.x), y: Array.from(b.y) }));
  const resumed = new BatchIterator(set, opts);
  for (const i of [2, 0, 1]) {
    const b = resumed.batch(i);
    assert.deepEqual({ x: Array.from(b.x), y: Array.from(b.y) }, seq[i]);
  }
});

test('labels follow the images; sizes with and without dropLast', () => {
  const set = makeSet(50);
  const it = new BatchIterator(set, { batchSize: 16, seed: 0, epoch: 0, dropLast: false, ...ID });
  assert.equal(it.numBatches, 4);
  const last = it.batch(3);
  assert.equal(last.size, 2);
  assert.equal(last.x.length, 2 * 16);
  assert.equal(last.y.length, 2);
  for (let i = 0; i < 4; i++) {
    const b = it.batch(i);
    ids(b.x, b.size, 16).forEach((id, k) => assert.equal(b.y[k], id % 10));
  }
  assert.equal(new BatchIterator(set, { batchSize: 16, seed: 0, epoch: 0, dropLast: true, ...ID }).numBatches, 3);
  assert.throws(() => new BatchIterator(makeSet(5), { batchSize: 16, seed: 0, epoch: 0, dropLast: true, ...ID }), (e: unknown) => e instanceof DatasetError && /Lower training.batchSize/.test(e.message));
  assert.throws(() => it.batch(4), RangeError);
});

test('buffers are reused between batches (no per-step allocation)', () => {
  const it = new BatchIterator(makeSet(64), { batchSize: 16, seed: 0, epoch: 0, dropLast: false, ...ID });
  const a = it.batch(0);
  const b = it.batch(1);
  assert.equal(a.x, b.x);
  assert.equal(a.y, b.y);
  const last = new BatchIterator(makeSet(70), { batchSize: 16, seed: 0, epoch: 0, dropLast: false, ...ID });
  assert.equal(last.batch(4).x.buffer, last.batch(0).x.buffer, 'the partial batch is a view of the same buffer');
});

test('normalisation: (x/255 − mean) / std per channel', () => {
  const set: ImageSet = { n: 1, height: 1, width: 2, channels: 3, images: Uint8Array.of(0, 255, 128, 255, 0, 51), labels: Uint8Array.of(0), numClasses: 1, classNames: [] };
  const [b] = [...evalBatches(set, 4, [0.5, 0.2, 0.4], [0.25, 0.5, 0.2])];
  const want = [(0 - 0.5) / 0.25, (1 - 0.2) / 0.5, (128 / 255 - 0.4) / 0.2, (1 - 0.5) / 0.25, (0 - 0.2) / 0.5, (0.2 - 0.4) / 0.2];
  b!.x.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-6, `${v} vs ${want[i]}`));
  assert.throws(() => [...evalBatches(set, 4, [0.5], [0.25])], RangeError, 'one mean per channel');
});

test('evalBatches: file order, no augmentation, last batch partial', () => {
  const set = makeSet(10);
  const batches = Array.from(evalBatches(set, 4, ID.mean, ID.std), (b) => ({ size: b.size, ids: ids(b.x, b.size, 16) }));
  assert.deepEqual(batches, [
    { size: 4, ids: [0, 1, 2, 3] },
    { size: 4, ids: [4, 5, 6, 7] },
    { size: 2, ids: [8, 9] },
  ]);
});

/** The crop+flip reference: output(y, x) = padded source(y + dy, (flip ? w−1−x : x) + dx). */
function shiftedMatches(src: Uint8Array, out: Float32Array, h: number, w: number, c: number, crop: number): { dy: number; dx: number; flip: boolean } | undefined {
  for (const flip of [false, true]) {
    for (let dy = -crop; dy <= crop; dy++) {
      for (let dx = -crop; dx <= crop; dx++) {
        let ok = true;
        for (let y = 0; y < h && ok; y++) {
          for (let x = 0; x < w && ok; x++) {
            const sy = y + dy;
            const sx = (flip ? w - 1 - x : x) + dx;
            for (let ch = 0; ch < c; ch++) {
              const want = sy >= 0 && sy < h && sx >= 0 && sx < w ? src[(sy * w + sx) * c + ch]! : 0;
              if (out[(y * w + x) * c + ch] !== want) ok = false;
            }
          }
        }
        if (ok) return { dy, dx, flip };
      }
    }
  }
  return undefined;
}

test('augmentation: every sample is a zero-padded crop (± crop px), possibly mirrored; both kinds occur', () => {
  const set = makeSet(64, 8, 8, 3);
  set.images.forEach((_, i) => (set.images[i] = 1 + ((i * 7919) % 250))); // no zeros (the border is visible), images distinct
  const px = 8 * 8 * 3;
  const it = new BatchIterator(set, { batchSize: 64, seed: 11, epoch: 2, dropLast: false, augment: { crop: 2, flip: true }, mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] });
  // The order is the same with or without augmentation; read it from a plain iterator (the makeSet ids are overwritten here, so compare whole images).
  const plain = new BatchIterator(set, { batchSize: 64, seed: 11, epoch: 2, dropLast: false, mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] }).batch(0).x;
  const order = Array.from({ length: 64 }, (_, k) => {
    const image = plain.subarray(k * px, (k + 1) * px);
    return Array.from({ length: 64 }, (_, i) => i).find((i) => image.every((v, p) => v === set.images[i * px + p]))!;
  });
  const b = it.batch(0);
  const seen = { flips: 0, shifts: 0 };
  for (let k = 0; k < 64; k++) {
    const i = order[k]!;
    const m = shiftedMatches(set.images.subarray(i * px, (i + 1) * px), b.x.subarray(k * px, (k + 1) * px), 8, 8, 3, 2);
    assert.ok(m, `sample ${k} is not a crop/flip of image ${i}`);
    if (m.flip) seen.flips++;
    if (m.dy !== 0 || m.dx !== 0) seen.shifts++;
  }
  assert.ok(seen.flips > 10 && seen.flips < 54, `flips: ${seen.flips}`);
  assert.ok(seen.shifts > 40, `shifts: ${seen.shifts}`);
  const again = new BatchIterator(set, { batchSize: 64, seed: 11, epoch: 2, dropLast: false, augment: { crop: 2, flip: true }, mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] });
  assert.deepEqual(again.batch(0).x, b.x, 'augmentation repeats for the same (seed, epoch, step)');
  const next = new BatchIterator(set, { batchSize: 64, seed: 11, epoch: 3, dropLast: false, augment: { crop: 2, flip: true }, mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] });
  assert.notDeepEqual(next.batch(0).x, b.x);
  assert.throws(() => new BatchIterator(set, { batchSize: 4, seed: 0, epoch: 0, dropLast: false, augment: { crop: 8, flip: false }, mean: [0, 0, 0], std: [1, 1, 1] }), DatasetError);
});

test('the crop border is zero before normalisation, so it normalises to −mean/std', () => {
  const set = makeSet(1, 4, 4, 1);
  set.images.fill(200);
  for (let epoch = 0; epoch < 20; epoch++) {
    const b = new BatchIterator(set, { batchSize: 1, seed: 0, epoch, dropLast: false, augment: { crop: 1, flip: false }, mean: [0.5], std: [0.5] }).batch(0);
    for (const v of b.x) assert.ok(Math.abs(v - (200 / 255 - 0.5) / 0.5) < 1e-6 || v === -1, `${v}`);
  }
});

test('resolveAugment: flips are dropped for digits, with a warning', () => {
  const logs: string[] = [];
  assert.deepEqual(resolveAugment({ crop: 4, flip: true }, false, 'mnist', (m) => logs.push(m)), { crop: 4, flip: false });
  assert.match(logs[0]!, /warning: dataset\.augment\.flip ignored for mnist: a mirrored digit/);
  assert.deepEqual(resolveAugment({ crop: 4, flip: true }, true, 'fashion-mnist', (m) => logs.push(m)), { crop: 4, flip: true });
  assert.equal(logs.length, 1);
});

test('trainSubset: first n of a seeded shuffle, the same for every call; testSubset: first n in file order', () => {
  const set = makeSet(100);
  const a = trainSubset(set, 30, 5);
  assert.equal(a.n, 30);
  assert.deepEqual(trainSubset(set, 30, 5), a);
  const picked = ids(Float32Array.from(a.images), 30, 16);
  assert.deepEqual(picked, Array.from(permutation(100, mixSeed(5, 1)).subarray(0, 30)));
  a.labels.forEach((l, k) => assert.equal(l, picked[k]! % 10));
  assert.notDeepEqual(trainSubset(set, 30, 6).labels, a.labels);
  assert.equal(trainSubset(set, 100, 5), set);
  const t = testSubset(set, 7);
  assert.equal(t.n, 7);
  assert.deepEqual(ids(Float32Array.from(t.images), 7, 16), [0, 1, 2, 3, 4, 5, 6]);
  for (const bad of [0, 101, 2.5]) {
    assert.throws(() => trainSubset(set, bad, 0), (e: unknown) => e instanceof DatasetError && e.file === 'dataset.trainSubset' && /1 to 100/.test(e.message));
  }
  assert.throws(() => testSubset(set, 101), (e: unknown) => e instanceof DatasetError && e.file === 'dataset.testSubset');
});

test('resize32: 2 px zero border, gray copied to R, G, B; its statistics follow analytically', () => {
  const set = makeSet(3, 28, 28, 1);
  const r = resize32(set);
  assert.deepEqual([r.n, r.height, r.width, r.channels], [3, 32, 32, 3]);
  for (let k = 0; k < 3; k++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const inside = y >= 2 && y < 30 && x >= 2 && x < 30;
        const want = inside ? set.images[k * 784 + (y - 2) * 28 + (x - 2)]! : 0;
        for (let c = 0; c < 3; c++) assert.equal(r.images[((k * 32 + y) * 32 + x) * 3 + c], want);
      }
    }
  }
  const direct = channelStats(r);
  const derived = resize32Stats(channelStats(set));
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(direct.mean[c]! - derived.mean[c]!) < 1e-12);
    assert.ok(Math.abs(direct.std[c]! - derived.std[c]!) < 1e-12);
  }
  assert.throws(() => resize32(r), (e: unknown) => e instanceof DatasetError && /expects 28×28×1/.test(e.message));
});

test('channelStats: per-channel mean and population std on the 0..1 scale', () => {
  const set: ImageSet = { n: 2, height: 1, width: 1, channels: 2, images: Uint8Array.of(0, 51, 255, 51), labels: Uint8Array.of(0, 0), numClasses: 1, classNames: [] };
  const { mean, std } = channelStats(set);
  assert.deepEqual(mean, [0.5, 0.2]);
  assert.deepEqual(std, [0.5, 0]);
});
