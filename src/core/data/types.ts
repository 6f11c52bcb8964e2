// The in-memory form every dataset is loaded into: uint8 pixels, NHWC, plus labels.

import type { DatasetConfig, DatasetName } from '../experiment/types';

/** Training augmentation: random crop with `crop` px of zero padding, horizontal flip. */
export type Augment = DatasetConfig['augment'];

export interface ImageSet {
  n: number;
  height: number;
  width: number;
  channels: number;
  /** N×H×W×C, NHWC, 0..255. */
  images: Uint8Array;
  /** N class indices (CIFAR-100: the fine label). */
  labels: Uint8Array;
  numClasses: number;
  classNames: string[];
  /** CIFAR-100 only: the 20 superclass labels, kept for analyses that want them. */
  coarseLabels?: Uint8Array;
  coarseClassNames?: string[];
}

export interface LoadedDataset {
  name: DatasetName;
  train: ImageSet;
  test: ImageSet;
  /** Folder (or package) the files were read from. */
  source: string;
  /** File name → MD5 of its (decompressed) contents, for the run record. */
  checksums: Record<string, string>;
  /** True when every checksum was compared with a published or recorded value. */
  verified: boolean;
  /** Per-channel mean and std on the 0..1 scale, of the (resized) training set. */
  mean: number[];
  std: number[];
  /** Whether a horizontal flip keeps an image's class (false for digits: a flipped 2 is not a 2). */
  flipSafe: boolean;
  /** dataset.augment as it applies to this dataset (flip dropped, with a warning, where not flipSafe). */
  augment: Augment;
}
