// Rules that span several fields, which the JSON Schema cannot express. They run on the parsed file
// beside the schema check so that every problem is reported at once; a rule reads a field only when
// the schema found nothing wrong at or below it (`clean`), so it never trips over a malformed value.
import { expandAlpha } from './alphas';
import type { Problem } from './errors';
import type { AlphaInput } from './file';
import { presetNames } from '../models/presets';

/** Above this many training runs (α values × seeds) an experiment is refused as a likely mistake. */
export const MAX_RUNS = 10_000;

type Json = Record<string, unknown>;

export function crossFieldProblems(data: unknown, clean: (pointer: string) => boolean): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string, fix: string) => problems.push({ path, message, fix });
  /** The value at a JSON pointer, if the schema accepted it. */
  const valid = (pointer: string): unknown => (clean(pointer) ? lookup(data, pointer) : undefined);

  const root = isObject(data) ? data : {};
  const model = root.model;
  const kind = model === undefined ? 'mlp' : valid('/model/kind');

  // The sections an I-MLP needs, and only an I-MLP uses.
  if (kind === 'imlp') {
    if (root.prior === undefined) add('prior', 'model kind "imlp" needs a prior to interpolate toward', 'add e.g. "prior": {"preset": "cnn-small"}');
    if (root.interpolation === undefined) add('interpolation', 'model kind "imlp" needs an interpolation section with the α values', 'add e.g. "interpolation": {"alpha": {"grid": "two-sided-log"}}');
  } else if (kind === 'mlp' || kind === 'cnn') {
    const useImlp = `set "model": {"kind": "imlp"} to interpolate toward the prior`;
    if (root.prior !== undefined) add('prior', `a prior is used only by model kind "imlp", not "${kind}"`, `${useImlp}, or remove "prior" (to train a prior on its own use "model": {"kind": "cnn", "preset": …})`);
    if (root.interpolation !== undefined) add('interpolation', `interpolation applies only to model kind "imlp", not "${kind}"`, `${useImlp}, or remove "interpolation"`);
  }

  if (kind === 'cnn' && isObject(model)) layerSource(model, 'model', add);
  if (isObject(root.prior)) layerSource(root.prior, 'prior', add);
  if (kind === 'cnn') layerRules(data, 'model.layers', '/model/layers', clean, add, false);
  layerRules(data, 'prior.layers', '/prior/layers', clean, add, true);

  for (const [path, section] of [['training', root.training], ['prior.training', isObject(root.prior) ? root.prior.training : undefined]] as const) {
    if (!isObject(section)) continue;
    if (section.lr !== undefined && isObject(section.optimizer) && section.optimizer.lr !== undefined) {
      add(`${path}.lr`, 'the learning rate is given twice, as "lr" and as "optimizer.lr"', 'remove one of them');
    }
    if (section.seed !== undefined && section.seeds !== undefined) add(`${path}.seed`, 'both "seed" and "seeds" are given', 'keep one: "seeds": [0, 1, 2] or "seed": 0');
  }

  if (isObject(root.prior) && valid('/prior/source') === 'co-trained') {
    for (const field of ['run', 'training'] as const) {
      if (root.prior[field] !== undefined) add(`prior.${field}`, `a co-trained prior trains beside the I-MLP, so "${field}" does not apply`, `remove "${field}", or set "source": "frozen"`);
    }
  } else if (isObject(root.prior) && root.prior.run !== undefined && root.prior.training !== undefined) {
    add('prior.training', 'the prior is loaded from "run", so its "training" would not be used', 'remove "training", or remove "run" to train a new prior');
  }

  const dataset = valid('/dataset/name');
  if (typeof dataset === 'string' && dataset.startsWith('cifar') && valid('/dataset/resize32') === true) {
    add('dataset.resize32', `${dataset} images are already 32×32×3`, 'remove "resize32" (it pads 28×28 mnist and fashion-mnist images)');
  }

  const alpha = valid('/interpolation/alpha') as AlphaInput | undefined;
  const grid = typeof alpha === 'object' && !Array.isArray(alpha) && 'from' in alpha ? alpha : undefined;
  if (grid && grid.from >= grid.to) {
    add('interpolation.alpha.to', `"to" (${grid.to}) must be greater than "from" (${grid.from})`, 'swap them, or widen the range');
  } else {
    runCount(alpha, valid, add);
  }
  return problems;
}

/** A network is given by exactly one of a preset name or a layer list. */
function layerSource(section: Json, path: string, add: (path: string, message: string, fix: string) => void): void {
  const presets = presetNames().map((n) => `"${n}"`).join(', ');
  if (section.preset !== undefined && section.layers !== undefined) {
    add(path, 'both "preset" and "layers" are given', 'keep one: a preset name, or your own layer list');
  } else if (section.preset === undefined && section.layers === undefined) {
    add(path, 'neither "preset" nor "layers" is given', `add "preset" (one of ${presets}) or your own "layers": [...]`);
  }
}

function layerRules(data: unknown, path: string, pointer: string, clean: (pointer: string) => boolean, add: (path: string, message: string, fix: string) => void, prior: boolean): void {
  const layers = lookup(data, pointer);
  if (!Array.isArray(layers)) return;
  layers.forEach((layer: unknown, i) => {
    if (!clean(`${pointer}/${i}`) || !isObject(layer)) return;
    const at = `${path}[${i}]`;
    if (layer.type === 'conv' && layer.padding === 'same' && Number(layer.kernel) % 2 === 0) {
      add(`${at}.padding`, `"same" padding needs an odd kernel, and the kernel is ${String(layer.kernel)}`, 'use an odd kernel (3, 5, …), or give the padding as a number of pixels');
    }
    if (prior && (layer.type === 'maxpool' || layer.type === 'batchnorm')) {
      const instead = layer.type === 'maxpool' ? 'use {"type": "avgpool"} or a conv with stride 2' : 'remove it, or use {"type": "layernorm"}';
      add(at, `${layer.type} has no dense form (it is not a fixed linear map), so an I-MLP cannot mirror it`, instead);
    }
    if (i === layers.length - 1 && layer.type !== 'dense') {
      add(at, `the last layer must be the dense head, not ${String(layer.type)}`, 'end the list with {"type": "dense", "units": 10} (its units become the class count)');
    }
  });
}

/** One training run per α and seed: refuse sweeps too large to be meant. */
function runCount(alpha: AlphaInput | undefined, valid: (pointer: string) => unknown, add: (path: string, message: string, fix: string) => void): void {
  const seeds = valid('/training/seeds');
  const seedCount = valid('/training/seed') !== undefined ? 1 : Array.isArray(seeds) ? seeds.length : 1;
  const alphaCount = alpha === undefined ? 1 : expandAlpha(alpha).length;
  const runs = alphaCount * seedCount;
  if (runs <= MAX_RUNS) return;
  add(
    alpha === undefined ? 'training.seeds' : 'interpolation.alpha',
    `the sweep is ${alphaCount.toLocaleString('en')} α values × ${seedCount.toLocaleString('en')} seeds = ${runs.toLocaleString('en')} runs, more than ${MAX_RUNS.toLocaleString('en')}`,
    'use fewer α values or seeds, or split the sweep into several experiments',
  );
}

function lookup(data: unknown, pointer: string): unknown {
  let node = data;
  for (const key of pointer.split('/').slice(1)) node = isObject(node) || Array.isArray(node) ? (node as Json)[key] : undefined;
  return node;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
