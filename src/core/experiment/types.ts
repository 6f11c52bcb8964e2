// The experiment file (*.imlp.json) after validation and defaults. The JSON Schema in
// schemas/experiment.schema.json is the source of truth for what a user may write; these types
// describe the resolved form every other module consumes.

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export type DatasetName = 'mnist' | 'fashion-mnist' | 'cifar10' | 'cifar100';

export interface DatasetConfig {
  name: DatasetName;
  /** Folder holding the dataset files; overrides the cache folder. */
  dataDir?: string;
  /** Use only the first N training images (after a seeded shuffle). */
  trainSubset?: number;
  /** Use only the first N test images (in file order). */
  testSubset?: number;
  /** Pad 28×28×1 images to 32×32 and replicate to 3 channels (CIFAR-shaped). */
  resize32?: boolean;
  augment: { crop: number; flip: boolean };
}

/** One layer of a CNN / prior, in the order it is applied. Shapes are NHWC inside the engine. */
export type LayerSpec =
  | { type: 'conv'; filters: number; kernel: number; stride: number; padding: number; bias: boolean }
  | { type: 'avgpool'; size: number; stride: number }
  | { type: 'maxpool'; size: number; stride: number }
  | { type: 'globalavgpool' }
  | { type: 'flatten' }
  | { type: 'dense'; units: number; bias: boolean }
  | { type: 'relu' }
  | { type: 'gelu' }
  | { type: 'layernorm' }
  | { type: 'batchnorm' }
  | { type: 'mixer'; patch: number; channels: number; tokenHidden: number; channelHidden: number; blocks: number };

export type ModelConfig =
  | { kind: 'mlp'; hidden: number[]; activation: 'relu' | 'gelu' }
  | { kind: 'cnn'; preset?: string; layers: LayerSpec[] }
  /** The dense network that mirrors the prior (requires `prior` and `interpolation`). */
  | { kind: 'imlp' };

export type OptimizerConfig =
  | { name: 'adam'; lr: number; beta1: number; beta2: number; epsilon: number }
  | { name: 'sgd'; lr: number; momentum: number };

export interface TrainingConfig {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  seeds: number[];
  /** Drop the last partial batch of an epoch (PyTorch's drop_last). */
  dropLast: boolean;
  /** Evaluate on the test set every N steps as well as at epoch ends (0 = only epoch ends). */
  evalEvery: number;
}

export interface ExperimentConfig {
  /** Schema version of the file format. */
  version: 1;
  name: string;
  description?: string;
  dataset: DatasetConfig;
  model: ModelConfig;
  training: TrainingConfig;
  backend: BackendChoice;
  prior?: PriorConfig;
  interpolation?: InterpolationConfig;
}

// ---- The I-MLP method (spec/imlp-method.md §3) -------------------------------------------------

export interface PriorConfig {
  /** Name of a ready prior (e.g. "cnn-small"); its layers are filled in from the preset. */
  preset?: string;
  layers: LayerSpec[];
  /** frozen: trained first on its own budget (or loaded from `run`), then fixed. co-trained: trains beside M. */
  source: 'frozen' | 'co-trained';
  /** A finished prior run (id in the results store) to reuse instead of training a new prior. */
  run?: string;
  /** Budget of the frozen prior's own training (defaults to the experiment's training section). */
  training?: TrainingConfig;
}

export type ScheduleConfig =
  | { kind: 'constant' }
  | { kind: 'exponential'; gamma: number }
  | { kind: 'linear' }
  | { kind: 'cosine' };

export interface InterpolationConfig {
  /** The α values to run (one run per α × seed). */
  alphas: number[];
  /** forward: W_eff = (1−α)W + α·dense(P) in every forward pass. sync: in-place pull every period. */
  mode: 'forward' | 'sync';
  /** Sync period: every epoch, or every K steps. */
  syncEvery: 'epoch' | number;
  schedule: ScheduleConfig;
  /** Interpolate biases as well as weights. */
  biases: boolean;
  /** Linear layers left out of the interpolation. */
  exclude: Array<'head' | 'first'>;
  /** Reset M's optimiser moments after each sync. */
  resetOptimizerOnSync: boolean;
  /** Sync form: the reported accuracy is taken after (default) or before the final sync; both are recorded. */
  evaluate: 'after-sync' | 'before-sync';
}
