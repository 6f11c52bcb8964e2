// Defaults, shorthands, grids and presets: what a valid experiment file resolves to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ALPHA_GRIDS, expandAlpha } from '../../src/core/experiment/alphas';
import type { ExperimentConfig } from '../../src/core/experiment/types';
import { parseExperiment } from '../../src/core/experiment/validate';
import { PRESETS, presetLayers, presetNames } from '../../src/core/models/presets';

const parse = (doc: object, file = 'x.imlp.json'): ExperimentConfig => parseExperiment(JSON.stringify(doc), file);

test('a file with only a name gets every default', () => {
  const expected: ExperimentConfig = {
    version: 1,
    name: 'minimal',
    dataset: { name: 'mnist', resize32: false, augment: { crop: 0, flip: false } },
    model: { kind: 'mlp', hidden: [256, 256], activation: 'relu' },
    training: {
      epochs: 1,
      batchSize: 128,
      optimizer: { name: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      seeds: [0],
      dropLast: false,
      evalEvery: 0,
    },
    backend: 'auto',
  };
  assert.deepEqual(parse({ name: 'minimal' }), expected);
});

test('an I-MLP sweep resolves the preset, the grid and the shorthands', () => {
  const config = parse({
    name: 'sweep',
    dataset: 'cifar10',
    model: { kind: 'imlp' },
    training: { epochs: 3, optimizer: 'sgd', lr: 0.05, seed: 7 },
    prior: { preset: 'cnn-small', training: { epochs: 10 } },
    interpolation: { alpha: { grid: 'two-sided-log' }, mode: 'sync', schedule: 'cosine', exclude: ['head'] },
  });
  assert.deepEqual(config.model, { kind: 'imlp' });
  assert.deepEqual(config.training.optimizer, { name: 'sgd', lr: 0.05, momentum: 0 });
  assert.deepEqual(config.training.seeds, [7]);
  assert.deepEqual(config.prior, {
    preset: 'cnn-small',
    layers: presetLayers('cnn-small'),
    source: 'frozen',
    // Fields the prior does not give come from the experiment's training section.
    training: { ...config.training, epochs: 10 },
  });
  assert.deepEqual(config.interpolation, {
    alphas: [...ALPHA_GRIDS['two-sided-log']],
    mode: 'sync',
    syncEvery: 'epoch',
    schedule: { kind: 'cosine' },
    biases: true,
    exclude: ['head'],
    resetOptimizerOnSync: false,
    evaluate: 'after-sync',
  });
});

test("a prior's own optimizer or seeds replace the inherited shorthands", () => {
  const config = parse({
    name: 'x',
    model: { kind: 'imlp' },
    training: { lr: 0.003, seeds: [1, 2] },
    prior: { preset: 'cnn-tiny', training: { optimizer: { name: 'sgd' }, seed: 5 } },
    interpolation: { alpha: 1, schedule: { kind: 'exponential', gamma: 0.5 } },
  });
  assert.deepEqual(config.prior?.training?.optimizer, { name: 'sgd', lr: 0.01, momentum: 0 });
  assert.deepEqual(config.prior?.training?.seeds, [5]);
  assert.deepEqual(config.interpolation?.schedule, { kind: 'exponential', gamma: 0.5 });
  assert.equal(parse({ name: 'x', model: { kind: 'imlp' }, prior: { preset: 'cnn-tiny' }, interpolation: { alpha: 0 } }).prior?.training, undefined);
});

test('α grids expand to their values', () => {
  assert.equal(ALPHA_GRIDS['two-sided-log'].length, 17);
  assert.deepEqual(expandAlpha({ grid: 'two-sided-log' }), [0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999, 1]);
  assert.deepEqual(expandAlpha({ grid: 'log', from: 1e-4, to: 0.1, count: 4 }), [1e-4, 1e-3, 0.01, 0.1]);
  assert.deepEqual(expandAlpha({ grid: 'linear', from: 0, to: 1, count: 11 }), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  assert.deepEqual(expandAlpha(0.25), [0.25]);
  assert.deepEqual(expandAlpha([1, 0, 0.5]), [1, 0, 0.5]);
  const seeds = parse({ name: 'x', model: { kind: 'imlp' }, prior: { preset: 'cnn-tiny' }, training: { seeds: 3 }, interpolation: { alpha: [0, 1] } });
  assert.deepEqual([seeds.interpolation?.alphas, seeds.training.seeds], [[0, 1], [3]]);
});

test('every preset resolves to its layers, as a CNN model and as a prior', () => {
  assert.ok(presetNames().length >= 5);
  for (const name of presetNames()) {
    const layers = PRESETS[name]!.layers;
    assert.equal(layers.at(-1)?.type, 'dense', `${name} ends with a dense head`);
    assert.ok(!layers.some((l) => l.type === 'maxpool' || l.type === 'batchnorm'), `${name} has a dense form`);
    assert.deepEqual(parse({ name: 'x', model: { kind: 'cnn', preset: name } }).model, { kind: 'cnn', preset: name, layers });
    assert.deepEqual(parse({ name: 'x', model: { kind: 'imlp' }, prior: { preset: name }, interpolation: { alpha: 0.5 } }).prior?.layers, layers);
  }
  const copy = presetLayers('cnn-small')!;
  copy[0] = { type: 'flatten' };
  assert.equal(presetLayers('cnn-small')![0]!.type, 'conv', 'presetLayers returns a copy');
  assert.equal(presetLayers('nope'), undefined);
});

test('layer shorthands resolve: padding names, pool strides, defaults', () => {
  const model = parse({
    name: 'x',
    model: {
      kind: 'cnn',
      layers: [
        { type: 'conv', filters: 8, kernel: 5, padding: 'same' },
        { type: 'conv', filters: 8, kernel: 3, stride: 2, padding: 'valid', bias: false },
        { type: 'avgpool', size: 2 },
        { type: 'maxpool', size: 3, stride: 1 },
        { type: 'mixer', patch: 2, channels: 4, tokenHidden: 8, channelHidden: 8 },
        { type: 'gelu' },
        { type: 'globalavgpool' },
        { type: 'dense', units: 10 },
      ],
    },
  }).model;
  assert.deepEqual(model, {
    kind: 'cnn',
    layers: [
      { type: 'conv', filters: 8, kernel: 5, stride: 1, padding: 2, bias: true },
      { type: 'conv', filters: 8, kernel: 3, stride: 2, padding: 0, bias: false },
      { type: 'avgpool', size: 2, stride: 2 },
      { type: 'maxpool', size: 3, stride: 1 },
      { type: 'mixer', patch: 2, channels: 4, tokenHidden: 8, channelHidden: 8, blocks: 1 },
      { type: 'gelu' },
      { type: 'globalavgpool' },
      { type: 'dense', units: 10, bias: true },
    ],
  });
});

test("a relative dataDir is taken from the experiment file's folder", () => {
  const dataset = parse({ name: 'x', dataset: { name: 'fashion-mnist', dataDir: 'data/fm', trainSubset: 1000, augment: { flip: true } } }, join('/work', 'exp', 'x.imlp.json')).dataset;
  assert.deepEqual(dataset, { name: 'fashion-mnist', dataDir: join('/work', 'exp', 'data', 'fm'), trainSubset: 1000, resize32: false, augment: { crop: 0, flip: true } });
});
