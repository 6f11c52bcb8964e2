// Defaults and shorthands: a validated ExperimentFile → the ExperimentConfig every module consumes.
// The default values repeat the schema's `default`s; a unit test checks that writing any schema
// default gives the same config as leaving the field out.
import { dirname, resolve as resolvePath } from 'node:path';
import { presetLayers } from '../models/presets';
import { expandAlpha } from './alphas';
import type { DatasetInput, ExperimentFile, InterpolationInput, LayerInput, LayerSource, ModelInput, OptimizerInput, PriorInput, TrainingInput } from './file';
import type { DatasetConfig, DatasetName, ExperimentConfig, InterpolationConfig, LayerSpec, ModelConfig, OptimizerConfig, PriorConfig, TrainingConfig } from './types';

/** `file` is the experiment file's path: a relative dataDir is taken relative to its folder. */
export function resolveExperiment(input: ExperimentFile, file: string): ExperimentConfig {
  return compact({
    version: 1,
    name: input.name,
    description: input.description,
    dataset: resolveDataset(input.dataset ?? 'mnist', file),
    model: resolveModel(input.model ?? { kind: 'mlp' }),
    training: resolveTraining(input.training ?? {}),
    backend: input.backend ?? 'auto',
    prior: input.prior && resolvePrior(input.prior, input.training ?? {}),
    interpolation: input.interpolation && resolveInterpolation(input.interpolation),
  });
}

function resolveDataset(input: DatasetName | DatasetInput, file: string): DatasetConfig {
  const d: DatasetInput = typeof input === 'string' ? { name: input } : input;
  return compact({
    name: d.name ?? 'mnist',
    dataDir: d.dataDir === undefined ? undefined : resolvePath(dirname(file), d.dataDir),
    trainSubset: d.trainSubset,
    testSubset: d.testSubset,
    resize32: d.resize32 ?? false,
    augment: { crop: d.augment?.crop ?? 0, flip: d.augment?.flip ?? false },
  });
}

function resolveModel(m: ModelInput): ModelConfig {
  switch (m.kind) {
    case 'mlp':
      return { kind: 'mlp', hidden: m.hidden ?? [256, 256], activation: m.activation ?? 'relu' };
    case 'cnn':
      return compact({ kind: 'cnn', preset: m.preset, layers: layersOf(m) });
    case 'imlp':
      return { kind: 'imlp' };
  }
}

function layersOf(source: LayerSource): LayerSpec[] {
  if (source.preset === undefined) return (source.layers ?? []).map(resolveLayer);
  const layers = presetLayers(source.preset);
  if (!layers) throw new Error(`unknown preset "${source.preset}" passed validation`);
  return layers;
}

function resolveLayer(l: LayerInput): LayerSpec {
  switch (l.type) {
    case 'conv': {
      const padding = l.padding ?? 0;
      // "same" keeps the size at stride 1: kernel / 2 on each side (odd kernels; rules.ts rejects even ones).
      const pixels = padding === 'same' ? Math.floor(l.kernel / 2) : padding === 'valid' ? 0 : padding;
      return { type: 'conv', filters: l.filters, kernel: l.kernel, stride: l.stride ?? 1, padding: pixels, bias: l.bias ?? true };
    }
    case 'avgpool':
    case 'maxpool':
      return { type: l.type, size: l.size, stride: l.stride ?? l.size };
    case 'dense':
      return { type: 'dense', units: l.units, bias: l.bias ?? true };
    case 'mixer':
      return { type: 'mixer', patch: l.patch, channels: l.channels, tokenHidden: l.tokenHidden, channelHidden: l.channelHidden, blocks: l.blocks ?? 1 };
    default:
      return { type: l.type };
  }
}

function resolveTraining(t: TrainingInput): TrainingConfig {
  return {
    epochs: t.epochs ?? 1,
    batchSize: t.batchSize ?? 128,
    optimizer: resolveOptimizer(t.optimizer ?? 'adam', t.lr),
    seeds: t.seed !== undefined ? [t.seed] : typeof t.seeds === 'number' ? [t.seeds] : [...(t.seeds ?? [0])],
    dropLast: t.dropLast ?? false,
    evalEvery: t.evalEvery ?? 0,
  };
}

/** `lr` is the training section's shorthand; it overrides the optimizer's own (never both: rules.ts). */
function resolveOptimizer(input: OptimizerInput, lr: number | undefined): OptimizerConfig {
  const o: Exclude<OptimizerInput, string> = typeof input === 'string' ? { name: input } : input;
  if (o.name === 'adam') return { name: 'adam', lr: lr ?? o.lr ?? 1e-3, beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, epsilon: o.epsilon ?? 1e-7 };
  return { name: 'sgd', lr: lr ?? o.lr ?? 0.01, momentum: o.momentum ?? 0 };
}

function resolvePrior(p: PriorInput, experimentTraining: TrainingInput): PriorConfig {
  return compact({
    preset: p.preset,
    layers: layersOf(p),
    source: p.source ?? 'frozen',
    run: p.run,
    training: p.training && resolveTraining(inherit(experimentTraining, p.training)),
  });
}

/**
 * The prior's own training: its fields, the rest from the experiment's. Shorthand pairs go
 * together: its own optimizer drops an inherited `lr`, its own seed(s) replace both seed fields.
 */
function inherit(base: TrainingInput, own: TrainingInput): TrainingInput {
  const merged = { ...base, ...own };
  if (own.optimizer !== undefined) merged.lr = own.lr;
  if (own.seed !== undefined || own.seeds !== undefined) [merged.seed, merged.seeds] = [own.seed, own.seeds];
  return merged;
}

function resolveInterpolation(i: InterpolationInput): InterpolationConfig {
  const schedule = i.schedule ?? 'constant';
  return {
    alphas: expandAlpha(i.alpha),
    mode: i.mode ?? 'forward',
    syncEvery: i.syncEvery ?? 'epoch',
    schedule: typeof schedule === 'string' ? { kind: schedule } : { ...schedule },
    biases: i.biases ?? true,
    exclude: [...(i.exclude ?? [])],
    resetOptimizerOnSync: i.resetOptimizerOnSync ?? false,
    evaluate: i.evaluate ?? 'after-sync',
  };
}

/** Drops undefined fields, so optional fields are absent rather than undefined in records. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
