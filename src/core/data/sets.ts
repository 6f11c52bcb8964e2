// Whole-set transforms applied once after loading: subsets, the 28→32 resize, channel statistics.

import { DatasetError } from './errors';
import { STREAM, mixSeed, permutation } from '../random';
import type { ImageSet } from './types';

/** The first n images after a shuffle seeded by `seed`: the same subset in every epoch and on resume. */
export function trainSubset(set: ImageSet, n: number, seed: number): ImageSet {
  checkSubset(set, n, 'dataset.trainSubset', 'training');
  if (n === set.n) return set;
  return gather(set, permutation(set.n, mixSeed(seed, STREAM.subset)).subarray(0, n));
}

/** The first n images in file order (views, no copy). */
export function testSubset(set: ImageSet, n: number): ImageSet {
  checkSubset(set, n, 'dataset.testSubset', 'test');
  const px = set.height * set.width * set.channels;
  return {
    ...set,
    n,
    images: set.images.subarray(0, n * px),
    labels: set.labels.subarray(0, n),
    ...(set.coarseLabels && { coarseLabels: set.coarseLabels.subarray(0, n) }),
  };
}

/** 28×28×1 → 32×32×3: zero border of 2 px, gray copied into R, G and B (CIFAR-shaped input). */
export function resize32(set: ImageSet): ImageSet {
  if (set.height !== 28 || set.width !== 28 || set.channels !== 1) {
    throw new DatasetError('config', 'dataset.resize32', `resize32 expects 28×28×1 images, got ${set.height}×${set.width}×${set.channels}`, 'Remove resize32 for this dataset');
  }
  const out = new Uint8Array(set.n * 32 * 32 * 3);
  const { images } = set;
  for (let k = 0; k < set.n; k++) {
    const src = k * 784;
    const dst = k * 3072;
    for (let y = 0; y < 28; y++) {
      let s = src + y * 28;
      let d = dst + ((y + 2) * 32 + 2) * 3;
      for (let x = 0; x < 28; x++, s++, d += 3) {
        const v = images[s]!;
        out[d] = v;
        out[d + 1] = v;
        out[d + 2] = v;
      }
    }
  }
  return { ...set, height: 32, width: 32, channels: 3, images: out };
}

/** The statistics of resize32(set) from those of a 28×28×1 set, without touching the pixels: the border adds zeros. */
export function resize32Stats(stats: { mean: number[]; std: number[] }): { mean: number[]; std: number[] } {
  const keep = (28 * 28) / (32 * 32);
  const m = stats.mean[0]! * keep;
  const sq = (stats.std[0]! ** 2 + stats.mean[0]! ** 2) * keep;
  const sd = Math.sqrt(Math.max(0, sq - m * m));
  return { mean: [m, m, m], std: [sd, sd, sd] };
}

/** Per-channel mean and (population) std of all pixels, on the 0..1 scale. */
export function channelStats(set: ImageSet): { mean: number[]; std: number[] } {
  const c = set.channels;
  const hist = new Uint32Array(256 * c); // a count per byte value: exact, and faster than summing
  const { images } = set;
  for (let ch = 0; ch < c; ch++) {
    for (let i = ch; i < images.length; i += c) {
      const j = ch * 256 + images[i]!;
      hist[j] = hist[j]! + 1;
    }
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let count = 0;
    let sum = 0;
    let sumSq = 0;
    for (let v = 0; v < 256; v++) {
      const h = hist[ch * 256 + v]!;
      count += h;
      sum += h * v;
      sumSq += h * v * v;
    }
    const m = sum / count;
    mean.push(m / 255);
    std.push(Math.sqrt(Math.max(0, sumSq / count - m * m)) / 255);
  }
  return { mean, std };
}

function gather(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const px = set.height * set.width * set.channels;
  const n = indices.length;
  const images = new Uint8Array(n * px);
  const labels = new Uint8Array(n);
  const coarse = set.coarseLabels ? new Uint8Array(n) : undefined;
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    images.set(set.images.subarray(i * px, (i + 1) * px), k * px);
    labels[k] = set.labels[i]!;
    if (coarse) coarse[k] = set.coarseLabels![i]!;
  }
  return { ...set, n, images, labels, ...(coarse && { coarseLabels: coarse }) };
}

function checkSubset(set: ImageSet, n: number, field: string, which: string): void {
  if (!Number.isInteger(n) || n < 1 || n > set.n) {
    throw new DatasetError('config', field, `${n} is not a valid subset size: the ${which} set has ${set.n.toLocaleString('en-US')} images`, `Set ${field} to an integer from 1 to ${set.n}, or remove it to use all images`);
  }
}
