// The JSON Schema itself: compiles strictly, documents every field, agrees with the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALPHA_GRIDS } from '../../src/core/experiment/alphas';
import { resolveExperiment } from '../../src/core/experiment/resolve';
import { experimentSchema, experimentValidator, type SchemaNode } from '../../src/core/experiment/schema';
import type { ExperimentFile } from '../../src/core/experiment/file';
import { PRESETS } from '../../src/core/models/presets';

/** Every schema node with its JSON pointer. */
function* nodes(node: unknown, pointer = '#'): Generator<[string, SchemaNode]> {
  if (typeof node !== 'object' || node === null) return;
  if (Array.isArray(node)) {
    for (const [i, n] of node.entries()) yield* nodes(n, `${pointer}/${i}`);
    return;
  }
  const s = node as SchemaNode;
  yield [pointer, s];
  for (const key of ['properties', 'definitions']) {
    for (const [name, child] of Object.entries((s[key] ?? {}) as Record<string, unknown>)) yield* nodes(child, `${pointer}/${key}/${name}`);
  }
  for (const key of ['items', 'oneOf']) if (s[key] !== undefined) yield* nodes(s[key], `${pointer}/${key}`);
}

function at(pointer: string): SchemaNode {
  let node: unknown = experimentSchema;
  for (const key of pointer.slice(2).split('/')) node = (node as SchemaNode)[key];
  return node as SchemaNode;
}

test('the schema compiles under ajv strict mode', () => {
  assert.equal(typeof experimentValidator(), 'function');
});

test('every property and every definition has a description', () => {
  const missing: string[] = [];
  for (const [pointer, node] of nodes(experimentSchema)) {
    const isField = /\/(properties|definitions)\/[^/]+$/.test(pointer);
    if (isField && typeof node.description !== 'string') missing.push(pointer);
  }
  assert.deepEqual(missing, []);
});

test('every object schema refuses unknown fields', () => {
  const open = [...nodes(experimentSchema)].filter(([, n]) => n.properties !== undefined && n.additionalProperties !== false).map(([p]) => p);
  assert.deepEqual(open, []);
});

test('the preset names and their descriptions in the schema match presets.ts', () => {
  const names = at('#/definitions/presetName');
  assert.deepEqual(names.enum, Object.keys(PRESETS));
  assert.deepEqual(names.enumDescriptions, Object.values(PRESETS).map((p) => p.description));
});

test('the named α grids in the schema match ALPHA_GRIDS', () => {
  assert.deepEqual(at('#/definitions/namedGrid/properties/grid').enum, Object.keys(ALPHA_GRIDS));
});

test('writing any schema default gives the same config as leaving the field out', () => {
  const imlp = {
    name: 'd',
    dataset: { augment: {} },
    model: { kind: 'imlp' },
    training: { optimizer: { name: 'adam' } },
    prior: {
      layers: [
        { type: 'conv', filters: 4, kernel: 3 },
        { type: 'mixer', patch: 7, channels: 4, tokenHidden: 4, channelHidden: 4 },
        { type: 'flatten' },
        { type: 'dense', units: 10 },
      ],
      training: { optimizer: { name: 'sgd' } },
    },
    interpolation: { alpha: 0.5 },
  };
  const mlp = { name: 'd', model: { kind: 'mlp' } };
  const D = '#/definitions';
  const cases: Array<[pointer: string, doc: object, path: Array<string | number>]> = [
    ['#/properties/version', imlp, ['version']],
    ['#/properties/dataset', imlp, ['dataset']],
    ['#/properties/model', { name: 'd' }, ['model']],
    ['#/properties/training', imlp, ['training']],
    ['#/properties/backend', imlp, ['backend']],
    [`${D}/datasetObject/properties/name`, imlp, ['dataset', 'name']],
    [`${D}/datasetObject/properties/resize32`, imlp, ['dataset', 'resize32']],
    [`${D}/datasetObject/properties/augment`, imlp, ['dataset', 'augment']],
    [`${D}/datasetObject/properties/augment/properties/crop`, imlp, ['dataset', 'augment', 'crop']],
    [`${D}/datasetObject/properties/augment/properties/flip`, imlp, ['dataset', 'augment', 'flip']],
    [`${D}/mlpModel/properties/hidden`, mlp, ['model', 'hidden']],
    [`${D}/mlpModel/properties/activation`, mlp, ['model', 'activation']],
    [`${D}/conv/properties/stride`, imlp, ['prior', 'layers', 0, 'stride']],
    [`${D}/conv/properties/padding`, imlp, ['prior', 'layers', 0, 'padding']],
    [`${D}/conv/properties/bias`, imlp, ['prior', 'layers', 0, 'bias']],
    [`${D}/mixer/properties/blocks`, imlp, ['prior', 'layers', 1, 'blocks']],
    [`${D}/dense/properties/bias`, imlp, ['prior', 'layers', 3, 'bias']],
    [`${D}/training/properties/epochs`, imlp, ['training', 'epochs']],
    [`${D}/training/properties/batchSize`, imlp, ['training', 'batchSize']],
    [`${D}/training/properties/optimizer`, imlp, ['training', 'optimizer']],
    [`${D}/training/properties/seeds`, imlp, ['training', 'seeds']],
    [`${D}/training/properties/dropLast`, imlp, ['training', 'dropLast']],
    [`${D}/training/properties/evalEvery`, imlp, ['training', 'evalEvery']],
    [`${D}/adam/properties/lr`, imlp, ['training', 'optimizer', 'lr']],
    [`${D}/adam/properties/beta1`, imlp, ['training', 'optimizer', 'beta1']],
    [`${D}/adam/properties/beta2`, imlp, ['training', 'optimizer', 'beta2']],
    [`${D}/adam/properties/epsilon`, imlp, ['training', 'optimizer', 'epsilon']],
    [`${D}/sgd/properties/lr`, imlp, ['prior', 'training', 'optimizer', 'lr']],
    [`${D}/sgd/properties/momentum`, imlp, ['prior', 'training', 'optimizer', 'momentum']],
    [`${D}/prior/properties/source`, imlp, ['prior', 'source']],
    ...['mode', 'syncEvery', 'schedule', 'biases', 'exclude', 'resetOptimizerOnSync', 'evaluate'].map(
      (f): [string, object, string[]] => [`${D}/interpolation/properties/${f}`, imlp, ['interpolation', f]],
    ),
  ];
  const withDefault = [...nodes(experimentSchema)].filter(([, n]) => n.default !== undefined).map(([p]) => p);
  assert.deepEqual(cases.map(([p]) => p).sort(), withDefault.sort(), 'every schema default is checked below');

  for (const [pointer, doc, path] of cases) {
    const written = structuredClone(doc) as Record<string | number, unknown>;
    let parent = written;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    parent[path.at(-1)!] = structuredClone(at(pointer).default);
    assert.equal(experimentValidator()(written), true, `${pointer}: the document with the default is valid`);
    assert.deepEqual(resolveExperiment(written as unknown as ExperimentFile, 'x.imlp.json'), resolveExperiment(doc as ExperimentFile, 'x.imlp.json'), pointer);
  }
});
