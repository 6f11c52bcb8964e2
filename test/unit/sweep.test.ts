// Sweeps end to end through the built CLI on real MNIST: the frozen prior, the reference runs,
// the α grid, resuming, parallel workers, the report files and the memory guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ResultsStore } from '../../src/core/results/store';
import type { RunRecord } from '../../src/core/results/types';

const CLI = resolve('dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'imlp-sweep-'));

function experiment(name: string, body: Record<string, unknown>): string {
  const file = join(dir, `${name}.imlp.json`);
  writeFileSync(file, JSON.stringify({ name, ...body }, null, 2));
  return file;
}

const tiny = experiment('tiny', {
  dataset: { name: 'mnist', trainSubset: 1000, testSubset: 500 },
  model: { kind: 'imlp' },
  prior: { preset: 'cnn-tiny', training: { epochs: 2 } },
  interpolation: { alpha: [0, 0.5, 1] },
  training: { epochs: 1, batchSize: 100, lr: 0.001, seeds: [0] },
  backend: 'wasm',
});

const imlp = (args: string[], results: string) => spawnSync(process.execPath, [CLI, ...args, '--results', results], { encoding: 'utf8' });
const records = (results: string): RunRecord[] => new ResultsStore(results).listRuns().flatMap((s) => (s.damaged ? [] : [s.record]));
/** SHA-256 of every run's final checkpoint tensors, by role and α. */
const checkpoints = (results: string) => Object.fromEntries(records(results).map((r) => [
  `${r.role}:${r.alpha ?? ''}`, createHash('sha256').update(readFileSync(join(results, 'runs', r.id, 'checkpoint', 'tensors.bin'))).digest('hex'),
]));
const byKey = (rs: RunRecord[]) => Object.fromEntries(rs.map((r) => [`${r.role}:${r.alpha ?? ''}`, r.result?.testAccuracy]));

test('a sweep trains the prior once, runs every α and both references, and α = 1 / α = 0 reproduce them exactly', () => {
  const results = join(dir, 'seq');
  const r = imlp(['sweep', tiny, '--parallel', '1'], results);
  assert.equal(r.status, 0, r.stderr);
  const rs = records(results);
  assert.equal(rs.length, 5, 'prior + plain MLP + 3 α runs');
  assert.ok(rs.every((x) => x.status === 'finished'));
  const acc = byKey(rs);
  // Check 3 in a real run: at α = 1 the I-MLP computes the frozen prior's function.
  assert.equal(acc['run:1'], acc['prior:']);
  // Check 4 in a real run: at α = 0 it trains exactly like the plain MLP.
  assert.equal(acc['run:0'], acc['plain-mlp:']);
  assert.match(r.stdout, /prior alone\s+1\s+[\d.]+%/);
  assert.match(r.stdout, /Missing runs: none/);
  const priorRun = rs.find((x) => x.role === 'prior')!;
  assert.ok(rs.filter((x) => x.role === 'run').every((x) => x.priorRunId === priorRun.id));

  // Running it again finds everything finished and trains nothing.
  const again = imlp(['sweep', tiny], results);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /reusing the trained prior/);
  assert.match(again.stderr, /4 of 4 runs of sweep .* already finished/);
  assert.equal(records(results).length, 5);

  // The report: text, SVG and CSV.
  const svg = join(dir, 'plot.svg');
  const csv = join(dir, 'runs.csv');
  const rep = imlp(['report', '--svg', svg, '--csv', csv], results);
  assert.equal(rep.status, 0, rep.stderr);
  assert.match(rep.stdout, /Sweep tiny-/);
  const plot = readFileSync(svg, 'utf8');
  assert.match(plot, /<svg[\s\S]*<\/svg>\s*$/);
  assert.equal((plot.match(/class="seed"/g) ?? []).length, 3, 'one point per α run');
  assert.equal(readFileSync(csv, 'utf8').trim().split('\n').length, 1 + 5);
});

test('by default a sweep runs one single-threaded worker per core, says so, and gives the same numbers as one at a time', () => {
  const results = join(dir, 'par');
  const r = imlp(['sweep', tiny], results);
  assert.equal(r.status, 0, r.stderr);
  const cores = availableParallelism();
  if (cores > 1) assert.match(r.stderr, new RegExp(`^${Math.min(cores, 4)} runs at a time × 1 thread each on ${cores} cores \\(auto; change with --parallel N and --threads N\\)$`, 'm'));
  assert.deepEqual(byKey(records(results)), byKey(records(join(dir, 'seq'))));
  // Not just the accuracies: the final weights and optimiser state, bit for bit, in a worker as in the CLI's
  // own thread (one OpenBLAS thread for both: sgemm's results depend on its thread count).
  assert.deepEqual(checkpoints(results), checkpoints(join(dir, 'seq')));
  // A choice is said, and oversubscribing the cores is said, not refused (everything here is finished: nothing trains).
  const over = imlp(['sweep', tiny, '--parallel', '2', '--threads', '2'], results);
  assert.equal(over.status, 0, over.stderr);
  assert.match(over.stderr, /^2 runs at a time × 2 threads each on \d+ cores? \(as asked; change with --parallel N and --threads N\)/m);
  if (cores < 4) assert.match(over.stderr, /4 threads on \d cores? will slow each other down/);
  const bad = imlp(['sweep', tiny, '--threads', '9'], join(dir, 'bad'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--threads.*expected 1 to 8/);
  assert.equal(imlp(['sweep', tiny, '--parallel', 'many'], join(dir, 'bad')).status, 2);
});

test('a sweep killed with SIGKILL continues where it stopped when started again', async () => {
  const results = join(dir, 'killed');
  const child = spawn(process.execPath, [CLI, 'sweep', tiny, '--json', '--results', results]);
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    // Kill during the second α run.
    if ((out.match(/"type":"done"/g) ?? []).length >= 3 && /"type":"step"[^\n]*"step":3,/.test(out.split('"type":"done"').at(-1)!)) child.kill('SIGKILL');
  });
  await new Promise((res) => child.on('exit', res));
  const before = records(results);
  assert.ok(before.some((x) => x.status === 'running'), 'a run was interrupted');
  const r = imlp(['sweep', tiny], results);
  assert.equal(r.status, 0, r.stderr);
  const after = records(results);
  assert.equal(after.length, 5, 'the interrupted run was resumed, not duplicated');
  assert.ok(after.every((x) => x.status === 'finished'));
  assert.deepEqual(byKey(after), byKey(records(join(dir, 'seq'))));
});

test('a prior too large for memory is refused with the numbers before anything runs', () => {
  const results = join(dir, 'huge');
  const huge = experiment('huge', {
    dataset: { name: 'mnist', resize32: true },
    model: { kind: 'imlp' },
    prior: { layers: [{ type: 'conv', filters: 32, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'conv', filters: 64, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 10 }] },
    interpolation: { alpha: 0.5 },
  });
  const r = imlp(['sweep', huge], results);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /does not fit/);
  assert.match(r.stderr, /prior\.layers\[2\]/);
  assert.match(r.stderr, /GiB/);
  assert.match(r.stderr, /stride|fewer channels/);
  assert.ok(!existsSync(join(results, 'runs')) || readdirSync(join(results, 'runs')).length === 0, 'no run was started');
});

test('a prior whose layers do not fit together is refused with the layer named, before any training', () => {
  const results = join(dir, 'mismatch');
  const bad = experiment('mismatch', {
    dataset: 'mnist',
    model: { kind: 'imlp' },
    prior: { layers: [{ type: 'conv', filters: 4, kernel: 3, stride: 2, padding: 1 }, { type: 'dense', units: 10 }] },
    interpolation: { alpha: 0.5 },
  });
  const r = imlp(['sweep', bad], results);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /prior\.layers\[1\]: dense needs a vector input.*flatten/);
  assert.ok(!existsSync(join(results, 'runs')), 'no run was started');
  const maxpool = experiment('maxpool', {
    dataset: 'mnist',
    model: { kind: 'imlp' },
    prior: { layers: [{ type: 'conv', filters: 4, kernel: 3, padding: 1 }, { type: 'maxpool', size: 2 }, { type: 'flatten' }, { type: 'dense', units: 10 }] },
    interpolation: { alpha: 0.5 },
  });
  const m = imlp(['sweep', maxpool], results);
  assert.equal(m.status, 2, m.stderr);
  assert.match(m.stderr, /prior\.layers\[1\].*max-?pool/i);
});
