// imlp.* settings → what a run gets: the config's backend, the worker's environment, the results
// folder, the parallelism.
import './stubs/register-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseExperiment } from '../../src/core/experiment/validate';
import { memoryBudget } from '../../src/core/method/memory';
import { DEFAULT_SETTINGS, budgetBackend, effectiveConfig, expandPath, readSettings, runMemoryBudget, runSetup } from '../../src/extension/settings';

const config = parseExperiment('{"name": "s", "backend": "cpu"}', '/w/s.imlp.json');
const auto = parseExperiment('{"name": "a"}', '/w/a.imlp.json');

test('reading settings: defaults (as in package.json) and sanitised values', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const props = pkg.contributes.configuration.properties;
  const defaults = readSettings((k) => props[`imlp.${k}`]?.default);
  assert.deepEqual(defaults, DEFAULT_SETTINGS);
  const odd = readSettings((k) => ({ backend: 'gpu', parallelWorkers: -1, resultsDirectory: '  ', memoryBudget: ' 4GiB ', 'codeLens.enabled': 'no' } as Record<string, unknown>)[k]);
  assert.equal(odd.backend, 'auto');
  assert.equal(odd.parallelWorkers, 1);
  assert.equal(odd.resultsDirectory, '.imlp');
  assert.equal(odd.memoryBudget, '4GiB');
  assert.equal(odd.codeLensEnabled, true);
});

test('backend: "auto" keeps the file\'s backend; any other value overrides it', () => {
  assert.equal(effectiveConfig(config, DEFAULT_SETTINGS).backend, 'cpu');
  assert.equal(effectiveConfig(config, DEFAULT_SETTINGS), config, 'unchanged, not copied');
  assert.equal(effectiveConfig(config, { ...DEFAULT_SETTINGS, backend: 'wasm' }).backend, 'wasm');
  assert.equal(effectiveConfig(auto, { ...DEFAULT_SETTINGS, backend: 'tensorflow' }).backend, 'tensorflow');
  assert.equal(budgetBackend('auto'), 'wasm');
  assert.equal(budgetBackend('cpu'), 'cpu');
});

test('settings → run setup: results folder, worker environment, parallel runs, dataset cache', () => {
  const base = { PATH: '/bin', IMLP_MEMORY_BUDGET: '1GiB' };
  const plain = runSetup(auto, DEFAULT_SETTINGS, '/w', base, 8);
  assert.equal(plain.resultsRoot, join('/w', '.imlp'));
  assert.deepEqual(plain.env, base, 'nothing set: the host environment as it is');
  assert.equal(plain.parallel, 1);
  assert.equal(plain.cacheDir, undefined);

  const s = { ...DEFAULT_SETTINGS, backend: 'wasm' as const, resultsDirectory: 'out/results', dataDirectory: '~/data', memoryBudget: '4GiB', parallelWorkers: 16 };
  const setup = runSetup(config, s, '/w', base, 4);
  assert.equal(setup.config.backend, 'wasm');
  assert.equal(setup.resultsRoot, join('/w', 'out/results'));
  assert.equal(setup.env.IMLP_MEMORY_BUDGET, String(4 * 2 ** 30), 'the training worker reads IMLP_MEMORY_BUDGET (method/memory.ts)');
  assert.equal(setup.env.IMLP_DATA_DIR, join(homedir(), 'data'), 'and IMLP_DATA_DIR (data/locate.ts)');
  assert.equal(setup.env.PATH, '/bin');
  assert.equal(setup.parallel, 4, 'at most the number of cores');
  assert.equal(runSetup(config, { ...s, parallelWorkers: 0 }, '/w', base, 6).parallel, 6, '0: one per core');
  assert.equal(readSettings((k) => (k === 'parallelWorkers' ? 0 : undefined)).parallelWorkers, 0, '0 is kept (one per core)');
  assert.equal(setup.cacheDir, join(homedir(), 'data'));
  assert.equal(runSetup(auto, { ...s, resultsDirectory: '/abs/results' }, '/w', base, 4).resultsRoot, '/abs/results');
});

test('memory budget: the setting, else what the worker computes; a bad value names the setting', () => {
  assert.equal(runMemoryBudget({ ...DEFAULT_SETTINGS, memoryBudget: '512MiB' }, 'auto', {}), 512 * 2 ** 20);
  assert.equal(runMemoryBudget(DEFAULT_SETTINGS, 'auto', { IMLP_MEMORY_BUDGET: '2GB' }), 2e9);
  assert.ok(runMemoryBudget(DEFAULT_SETTINGS, 'auto', {}) <= 3 * 2 ** 30, 'wasm: at most 3 GiB');
  assert.ok(Math.abs(runMemoryBudget(DEFAULT_SETTINGS, 'cpu', {}) - memoryBudget('cpu', {})) < 64 * 2 ** 20);
  assert.throws(() => runSetup(auto, { ...DEFAULT_SETTINGS, memoryBudget: 'lots' }, '/w', {}), /Setting imlp\.memoryBudget: "lots" is not a size/);
  assert.throws(() => runMemoryBudget({ ...DEFAULT_SETTINGS, memoryBudget: '0' }, 'auto', {}), /imlp\.memoryBudget/);
});

test('paths: ~ and relative to the workspace folder', () => {
  assert.equal(expandPath('~', '/w'), homedir());
  assert.equal(expandPath('data', '/w'), join('/w', 'data'));
  assert.equal(expandPath('/x', '/w'), '/x');
});
