// The `imlp` command end to end: the built bundle (dist/cli.js) on real MNIST, in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ResultsStore } from '../../src/core/results/store';

const CLI = resolve('dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'imlp-cli-'));
const results = join(dir, 'results');

function experiment(name: string, body: Record<string, unknown>): string {
  const file = join(dir, `${name}.imlp.json`);
  writeFileSync(file, JSON.stringify({ name, ...body }, null, 2));
  return file;
}

const small = experiment('small', {
  dataset: { name: 'mnist', trainSubset: 4096, testSubset: 1000 },
  model: { kind: 'mlp', hidden: [64] },
  training: { epochs: 2, batchSize: 64, lr: 0.001, seeds: [5] },
  backend: 'wasm',
});

function imlp(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args, '--results', results], { encoding: 'utf8' });
}

function finalWeights(id: string) {
  const ckpt = new ResultsStore(results).openRun(id).loadCheckpoint();
  assert.ok(ckpt, `run ${id} has a checkpoint`);
  return Object.fromEntries(Object.entries(ckpt.tensors).filter(([k]) => k.startsWith('param/')).map(([k, t]) => [k, Array.from(t.data)]));
}

test('validate reports every problem with its path and a fix, exit code 2', () => {
  const bad = experiment('bad', { dataset: 'mnist', model: { kind: 'mlp', hidden: [64] }, training: { epoch: 2, batchSize: 0 } });
  const r = spawnSync(process.execPath, [CLI, 'validate', bad], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stdout, /training/);
  assert.match(r.stdout, /epochs/); // "did you mean" for the misspelt field
  assert.match(r.stdout, /batchSize/);
  const ok = spawnSync(process.execPath, [CLI, 'validate', 'examples/quick.imlp.json'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
});

test('run a missing file: clear error naming it', () => {
  const r = imlp(['run', join(dir, 'nope.imlp.json')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /nope\.imlp\.json/);
});

test('run --json streams typed events and writes run.json, metrics.jsonl and a checkpoint', () => {
  const r = imlp(['run', small, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const done = events.find((e) => e.type === 'done');
  assert.equal(done.status, 'finished');
  assert.ok(done.testAccuracy > 0.85, `accuracy ${done.testAccuracy}`);
  assert.equal(events.filter((e) => e.type === 'epoch').length, 2);
  assert.equal(events.filter((e) => e.type === 'step').length, 2 * 64);
  const id = done.run as string;
  const record = JSON.parse(readFileSync(join(results, 'runs', id, 'run.json'), 'utf8'));
  assert.equal(record.status, 'finished');
  assert.equal(record.seed, 5);
  assert.equal(record.backend.name, 'wasm');
  assert.equal(record.result.testAccuracy, done.testAccuracy);
  assert.ok(record.versions.tfjs.startsWith('4.22'));

  const list = imlp(['list', '--json']);
  assert.ok(JSON.parse(list.stdout).some((s: { id: string }) => s.id === id));
  const show = imlp(['show', id]);
  assert.equal(show.status, 0);
  assert.match(show.stdout, /test accuracy/);
});

test('Ctrl-C cancels at a step boundary (exit 130), and --resume ends with the same weights as an uninterrupted run', async () => {
  const reference = JSON.parse(imlp(['run', small, '--json']).stdout.trim().split('\n').at(-1)!).run as string;

  const child = spawn(process.execPath, [CLI, 'run', small, '--json', '--results', results]);
  let out = '';
  let signalled = false;
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    // Interrupt in the middle of the second epoch.
    if (!signalled && /"type":"step","epoch":1,"step":10,/.test(out)) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  assert.equal(code, 130);
  const id = JSON.parse(out.trim().split('\n')[0]!).run as string;
  const record = new ResultsStore(results).openRun(id).record;
  assert.equal(record.status, 'cancelled');

  const resumed = imlp(['run', '--resume', id, '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(new ResultsStore(results).openRun(id).record.status, 'finished');
  assert.deepEqual(finalWeights(id), finalWeights(reference));
});

test('kill -9 mid-epoch, then --resume from the last epoch checkpoint: same final weights', async () => {
  const reference = JSON.parse(imlp(['run', small, '--json']).stdout.trim().split('\n').at(-1)!).run as string;
  const child = spawn(process.execPath, [CLI, 'run', small, '--json', '--results', results]);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (/"type":"step","epoch":1,"step":20,/.test(out)) child.kill('SIGKILL');
  });
  await new Promise((res) => child.on('exit', res));
  const id = JSON.parse(out.trim().split('\n')[0]!).run as string;
  assert.equal(new ResultsStore(results).openRun(id).record.status, 'running'); // killed: never marked
  const resumed = imlp(['run', '--resume', id, '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(finalWeights(id), finalWeights(reference));
});
