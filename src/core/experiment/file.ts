// What a user may write in an *.imlp.json file, after it has passed the JSON Schema: optional fields,
// shorthands and presets still unresolved. resolve.ts turns this into ExperimentConfig (types.ts).
import type { BackendChoice, DatasetName } from './types';

export interface ExperimentFile {
  $schema?: string;
  version?: 1;
  name: string;
  description?: string;
  dataset?: DatasetName | DatasetInput;
  model?: ModelInput;
  training?: TrainingInput;
  backend?: BackendChoice;
  prior?: PriorInput;
  interpolation?: InterpolationInput;
}

export interface DatasetInput {
  name?: DatasetName;
  dataDir?: string;
  trainSubset?: number;
  testSubset?: number;
  resize32?: boolean;
  augment?: { crop?: number; flip?: boolean };
}

export type LayerInput =
  | { type: 'conv'; filters: number; kernel: number; stride?: number; padding?: number | 'same' | 'valid'; bias?: boolean }
  | { type: 'avgpool' | 'maxpool'; size: number; stride?: number }
  | { type: 'globalavgpool' | 'flatten' | 'relu' | 'gelu' | 'layernorm' | 'batchnorm' }
  | { type: 'dense'; units: number; bias?: boolean }
  | { type: 'mixer'; patch: number; channels: number; tokenHidden: number; channelHidden: number; blocks?: number };

/** A network given by exactly one of a preset name or a layer list (checked in rules.ts). */
export interface LayerSource {
  preset?: string;
  layers?: LayerInput[];
}

export type ModelInput =
  | { kind: 'mlp'; hidden?: number[]; activation?: 'relu' | 'gelu' }
  | ({ kind: 'cnn' } & LayerSource)
  | { kind: 'imlp' };

export type OptimizerInput =
  | 'adam'
  | 'sgd'
  | { name: 'adam'; lr?: number; beta1?: number; beta2?: number; epsilon?: number }
  | { name: 'sgd'; lr?: number; momentum?: number };

export interface TrainingInput {
  epochs?: number;
  batchSize?: number;
  optimizer?: OptimizerInput;
  lr?: number;
  seeds?: number | number[];
  seed?: number;
  dropLast?: boolean;
  evalEvery?: number;
}

export interface PriorInput extends LayerSource {
  source?: 'frozen' | 'co-trained';
  run?: string;
  training?: TrainingInput;
}

export type AlphaInput =
  | number
  | number[]
  | { grid: 'two-sided-log' }
  | { grid: 'log' | 'linear'; from: number; to: number; count: number };

export type ScheduleInput =
  | 'constant'
  | 'linear'
  | 'cosine'
  | { kind: 'constant' | 'linear' | 'cosine' }
  | { kind: 'exponential'; gamma: number };

export interface InterpolationInput {
  alpha: AlphaInput;
  mode?: 'forward' | 'sync';
  syncEvery?: 'epoch' | number;
  schedule?: ScheduleInput;
  biases?: boolean;
  exclude?: Array<'head' | 'first'>;
  resetOptimizerOnSync?: boolean;
  evaluate?: 'after-sync' | 'before-sync';
}
