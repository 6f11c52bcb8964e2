// Batches for training and evaluation: seeded per-epoch shuffle, random crop + horizontal flip,
// per-channel normalisation, written into reusable Float32Array buffers (no per-step allocation
// of image-sized buffers). The trainer turns a batch into tensors of shape [size, H, W, C].

import { DatasetError } from './errors';
import { STREAM, mixSeed, mulberry32, permutation } from '../random';
import type { Augment, ImageSet } from './types';

/**
 * x and y are views of buffers that the next batch() call overwrites. tfjs's cpu backend keeps the
 * array passed to tf.tensor() without copying it, so dispose a batch's tensors before asking for the next.
 */
export interface Batch {
  /** size×H×W×C, normalised. */
  x: Float32Array;
  y: Int32Array;
  size: number;
}

export interface BatchOptions {
  batchSize: number;
  seed: number;
  epoch: number;
  dropLast: boolean;
  augment?: Augment;
  mean: readonly number[];
  std: readonly number[];
}

/** Drops the flip for datasets whose classes are not mirror-symmetric (digits), with a warning. */
export function resolveAugment(augment: Augment, flipSafe: boolean, datasetName: string, log?: (msg: string) => void): Augment {
  if (!augment.flip || flipSafe) return augment;
  log?.(`warning: dataset.augment.flip ignored for ${datasetName}: a mirrored digit is a different symbol (or none)`);
  return { ...augment, flip: false };
}

/** One epoch of shuffled training batches. Batch i depends only on (seed, epoch, i), so a resumed run repeats it exactly. */
export class BatchIterator {
  readonly numBatches: number;
  private readonly order: Uint32Array;
  private readonly filler: BatchFiller;
  private readonly augment: Augment | undefined;

  constructor(
    private readonly set: ImageSet,
    private readonly opts: BatchOptions,
  ) {
    checkBatchSize(opts.batchSize);
    if (opts.augment) checkCrop(opts.augment.crop, set);
    this.numBatches = opts.dropLast ? Math.floor(set.n / opts.batchSize) : Math.ceil(set.n / opts.batchSize);
    if (this.numBatches === 0) {
      throw new DatasetError('config', 'training.batchSize', `batch size ${opts.batchSize} is larger than the ${set.n} training images and dropLast is on, so an epoch has no batch`, 'Lower training.batchSize or turn off training.dropLast');
    }
    this.order = permutation(set.n, mixSeed(opts.seed, STREAM.shuffle, opts.epoch));
    this.filler = new BatchFiller(set, opts.batchSize, opts.mean, opts.std);
    this.augment = opts.augment && (opts.augment.crop > 0 || opts.augment.flip) ? opts.augment : undefined;
  }

  batch(i: number): Batch {
    if (!Number.isInteger(i) || i < 0 || i >= this.numBatches) throw new RangeError(`batch index ${i} outside 0..${this.numBatches - 1}`);
    const start = i * this.opts.batchSize;
    const size = Math.min(this.opts.batchSize, this.set.n - start);
    const rng = this.augment ? mulberry32(mixSeed(this.opts.seed, STREAM.augment, this.opts.epoch, i)) : undefined;
    return this.filler.fill(this.order, start, size, this.augment, rng);
  }

  *[Symbol.iterator](): Generator<Batch> {
    for (let i = 0; i < this.numBatches; i++) yield this.batch(i);
  }
}

/** Test batches in file order, no augmentation, the last one possibly partial. */
export function* evalBatches(set: ImageSet, batchSize: number, mean: readonly number[], std: readonly number[]): Generator<Batch> {
  checkBatchSize(batchSize);
  const filler = new BatchFiller(set, batchSize, mean, std);
  for (let start = 0; start < set.n; start += batchSize) {
    yield filler.fill(null, start, Math.min(batchSize, set.n - start), undefined, undefined);
  }
}

/** (x/255 − mean[c]) / std[c] for every byte value and channel: one lookup per pixel. */
function normalisationTable(mean: readonly number[], std: readonly number[]): Float32Array {
  const lut = new Float32Array(mean.length * 256);
  for (let c = 0; c < mean.length; c++) {
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - mean[c]!) / std[c]!;
  }
  return lut;
}

class BatchFiller {
  private readonly x: Float32Array;
  private readonly y: Int32Array;
  private readonly lut: Float32Array;
  private readonly px: number;

  constructor(
    private readonly set: ImageSet,
    private readonly batchSize: number,
    mean: readonly number[],
    std: readonly number[],
  ) {
    if (mean.length !== set.channels || std.length !== set.channels || std.some((s) => !(s > 0))) {
      throw new RangeError(`normalisation needs ${set.channels} means and ${set.channels} positive stds, got mean [${mean.join(', ')}], std [${std.join(', ')}]`);
    }
    this.px = set.height * set.width * set.channels;
    this.x = new Float32Array(batchSize * this.px);
    this.y = new Int32Array(batchSize);
    this.lut = normalisationTable(mean, std);
  }

  /** Fills samples order[start..start+size) (or start.. in file order when order is null). */
  fill(order: Uint32Array | null, start: number, size: number, augment: Augment | undefined, rng: (() => number) | undefined): Batch {
    for (let k = 0; k < size; k++) {
      const i = order ? order[start + k]! : start + k;
      this.y[k] = this.set.labels[i]!;
      if (augment && rng) {
        // Draw order per sample: dy, dx (when cropping), then flip (when flipping).
        const span = 2 * augment.crop + 1;
        const dy = augment.crop > 0 ? Math.floor(rng() * span) - augment.crop : 0;
        const dx = augment.crop > 0 ? Math.floor(rng() * span) - augment.crop : 0;
        const flip = augment.flip && rng() < 0.5;
        this.writeShifted(i, k * this.px, dy, dx, flip);
      } else {
        this.writePlain(i, k * this.px);
      }
    }
    const full = size === this.batchSize;
    return { x: full ? this.x : this.x.subarray(0, size * this.px), y: full ? this.y : this.y.subarray(0, size), size };
  }

  private writePlain(i: number, out: number): void {
    const { images, channels: c } = this.set;
    const src = i * this.px;
    for (let p = 0; p < this.px; p += c) {
      for (let ch = 0; ch < c; ch++) this.x[out + p + ch] = this.lut[ch * 256 + images[src + p + ch]!]!;
    }
  }

  /** Crop of the zero-padded image at offset (dy, dx), then mirrored (torchvision's RandomCrop → RandomHorizontalFlip). */
  private writeShifted(i: number, out: number, dy: number, dx: number, flip: boolean): void {
    const { images, height: h, width: w, channels: c } = this.set;
    const src = i * this.px;
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      for (let x = 0; x < w; x++) {
        const sx = (flip ? w - 1 - x : x) + dx;
        const o = out + (y * w + x) * c;
        const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        const s = src + (sy * w + sx) * c;
        for (let ch = 0; ch < c; ch++) this.x[o + ch] = this.lut[ch * 256 + (inside ? images[s + ch]! : 0)]!;
      }
    }
  }
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new DatasetError('config', 'training.batchSize', `${batchSize} is not a valid batch size`, 'Use a positive integer');
  }
}

function checkCrop(crop: number, set: ImageSet): void {
  if (!Number.isInteger(crop) || crop < 0 || crop >= Math.min(set.height, set.width)) {
    throw new DatasetError('config', 'dataset.augment.crop', `${crop} is not a valid crop padding for ${set.height}×${set.width} images`, `Use an integer from 0 to ${Math.min(set.height, set.width) - 1} (4 is usual for 32×32)`);
  }
}
