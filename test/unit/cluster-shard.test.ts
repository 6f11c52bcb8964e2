// Sharding a sweep's plan (disjoint, covering, balanced, the same on every machine), the lock that
// makes shards sharing a folder train the frozen prior once, and the coverage of a plan by run records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExperiment } from '../../src/core/experiment/validate';
import type { RunRecord } from '../../src/core/results/types';
import { coverageLine, sweepCoverage } from '../../src/core/sweep/coverage';
import { once } from '../../src/core/sweep/lock';
import { planKey, planSweep } from '../../src/core/sweep/plan';
import { ShardError, parseShard, shardRuns } from '../../src/core/sweep/shard';
import { scratch } from './helpers';

const dirs = scratch('imlp-shard-');

const GRID_FILE = JSON.stringify({
  name: 'grid', dataset: 'mnist', model: { kind: 'imlp' }, prior: { preset: 'cnn-tiny' },
  interpolation: { alpha: { grid: 'two-sided-log' } }, training: { seeds: [0, 1, 2] },
});
const grid = parseExperiment(GRID_FILE, 'grid.imlp.json');

test('parseShard reads I/N counted from 0 and refuses the rest, saying what a shard looks like', () => {
  assert.deepEqual(parseShard('0/1'), { index: 0, count: 1 });
  assert.deepEqual(parseShard(' 3 / 4 '), { index: 3, count: 4 });
  const bad: [string, RegExp][] = [
    ['3/2', /index must be below the count: 0\/2 … 1\/2/],
    ['2/2', /counted from 0/],
    ['0/0', /count must be at least 1/],
    ['1', /write I\/N/],
    ['-1/2', /write I\/N/],
    ['a/b', /write I\/N/],
  ];
  for (const [text, message] of bad) assert.throws(() => parseShard(text), (e: unknown) => e instanceof ShardError && message.test(e.message), text);
});

test('the shards of a plan are disjoint, cover it, differ by at most one run and spread the α values', () => {
  const plan = planSweep(grid);
  assert.equal(plan.runs.length, 3 + 17 * 3, 'plain MLP per seed + 17 α × 3 seeds');
  for (let n = 1; n <= 12; n++) {
    const shards = Array.from({ length: n }, (_, i) => shardRuns(plan.runs, { index: i, count: n }));
    const keys = shards.flat().map(planKey);
    assert.equal(keys.length, plan.runs.length, `${n} shards: every run once`);
    assert.deepEqual(new Set(keys), new Set(plan.runs.map(planKey)), `${n} shards cover the plan`);
    const sizes = shards.map((s) => s.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${n} shards balanced: ${sizes.join(' ')}`);
  }
  // The same content planned again (another machine) splits the same way.
  const again = planSweep(parseExperiment(GRID_FILE, '/elsewhere/grid.imlp.json'));
  assert.deepEqual(shardRuns(again.runs, { index: 2, count: 5 }), shardRuns(plan.runs, { index: 2, count: 5 }));
  // 4 shards of 54 runs: each gets α values from both ends of the grid, not one block.
  const alphas = shardRuns(plan.runs, { index: 1, count: 4 }).flatMap((r) => (r.alpha === undefined ? [] : [r.alpha]));
  assert.ok(Math.min(...alphas) < 0.01 && Math.max(...alphas) > 0.99, `shard 1/4 α range ${Math.min(...alphas)}–${Math.max(...alphas)}`);
});

test('once: of two contenders one does the step, the other waits and gets its result', async () => {
  const dir = dirs.fresh();
  let result: string | undefined;
  let runs = 0;
  const messages: string[] = [];
  const step = {
    what: 'the step',
    done: () => result,
    run: async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 300));
      result = 'made';
      return result;
    },
  };
  const lock = join(dir, 'locks', 'x');
  const [a, b] = await Promise.all([
    once(lock, step, { pollMs: 20, log: (m) => messages.push(m) }),
    once(lock, step, { pollMs: 20, log: (m) => messages.push(m) }),
  ]);
  assert.equal(runs, 1);
  assert.deepEqual([a, b], ['made', 'made']);
  assert.ok(messages.some((m) => /^waiting for the step, which process \d+ on .* is working on/.test(m)), messages.join('\n'));
  assert.equal(existsSync(lock), false, 'the lock is released');
  // Done already: no lock is taken at all.
  assert.equal(await once(lock, { ...step, run: async () => assert.fail('must not run') }), 'made');
});

test('once: a lock whose heartbeat stopped is taken over; a live heartbeat is waited for', async () => {
  const dir = dirs.fresh();
  const lock = join(dir, 'stale');
  mkdirSync(lock);
  writeFileSync(join(lock, 'owner.json'), JSON.stringify({ host: 'node7', pid: 4242, beat: 3 }));
  const messages: string[] = [];
  const t0 = Date.now();
  const r = await once(lock, { what: 'the prior', done: () => undefined, run: async () => 'mine' }, { staleMs: 300, pollMs: 20, log: (m) => messages.push(m) });
  assert.equal(r, 'mine');
  assert.ok(Date.now() - t0 >= 300, 'waited out the stale period first');
  assert.ok(messages.some((m) => /no heartbeat for 0 s \(its holder process 4242 on node7 is gone\); taking over the prior/.test(m)), messages.join('\n'));
  assert.deepEqual(readdirSync(dir), [], 'the broken and the own lock are both gone');

  // A holder that keeps beating is never taken over, however long it works.
  const live = join(dir, 'live');
  let finished: string | undefined;
  const holder = once(live, { what: 'p', done: () => finished, run: async () => {
    await new Promise((res) => setTimeout(res, 700));
    finished = 'holder';
    return finished;
  } }, { heartbeatMs: 50 });
  await new Promise((res) => setTimeout(res, 30));
  const waiter = await once(live, { what: 'p', done: () => finished, run: async () => 'waiter' }, { staleMs: 300, pollMs: 20 });
  assert.equal(waiter, 'holder');
  assert.equal(await holder, 'holder');
});

test('once: a holder that fails releases the lock, so the next contender tries', async () => {
  const dir = dirs.fresh();
  const lock = join(dir, 'fail');
  await assert.rejects(once(lock, { what: 'p', done: () => undefined, run: async () => { throw new Error('out of memory'); } }), /out of memory/);
  assert.equal(existsSync(lock), false);
  assert.equal(await once(lock, { what: 'p', done: () => undefined, run: async () => 'second' }), 'second');
});

test('once: an abort while waiting returns undefined without taking the lock', async () => {
  const dir = dirs.fresh();
  const lock = join(dir, 'held');
  mkdirSync(lock);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  assert.equal(await once(lock, { what: 'p', done: () => undefined, run: async () => 'no' }, { pollMs: 10_000, signal: controller.signal }), undefined);
  assert.ok(existsSync(lock), 'the other holder\'s lock is left alone');
});

function record(over: Partial<RunRecord>): RunRecord {
  return {
    schema: 1, id: `r-${Math.random().toString(36).slice(2)}`, name: grid.name, config: grid, seed: 0, status: 'finished', versions: { imlp: '0', tfjs: '0', node: '0' },
    host: { platform: 'linux', arch: 'x64', cpus: 2 }, createdAt: '', updatedAt: '', timings: {}, progress: { epoch: 0, globalStep: 0 }, ...over,
  };
}

test('sweepCoverage: planned runs from a record\'s config, the prior through priorRunId, missing ones with their shard', () => {
  const small = parseExperiment(JSON.stringify({
    name: 'small', dataset: 'mnist', model: { kind: 'imlp' }, prior: { preset: 'cnn-tiny' }, interpolation: { alpha: [0, 0.5, 1] }, training: { seeds: [0, 1] },
  }), 'small.imlp.json');
  const sweepId = planSweep(small).sweepId;
  const plan = planSweep(small).runs;
  assert.deepEqual(plan.map(planKey), ['plain-mlp|0|', 'plain-mlp|1|', 'run|0|0', 'run|1|0', 'run|0|0.5', 'run|1|0.5', 'run|0|1', 'run|1|1']);
  const prior = record({ id: 'prior-1', role: 'prior', sweepId: 'prior-x', config: small });
  const runs = plan.slice(0, 5).map((p) => record({ ...p, sweepId, config: small, priorRunId: 'prior-1' }));
  runs[4]!.status = 'cancelled';
  const c = sweepCoverage([...runs, prior], sweepId, 4);
  assert.equal(c.planned, 9, '8 planned runs + the frozen prior');
  assert.equal(c.finished, 5, '4 runs + the prior');
  // Position p in the plan falls to shard p % 4.
  assert.deepEqual(c.missing.map((m) => [m.alpha, m.seed, m.found, m.shard]), [[0.5, 0, ['cancelled'], 0], [0.5, 1, [], 1], [1, 0, [], 2], [1, 1, [], 3]]);
  assert.equal(coverageLine(c), `Planned runs of ${sweepId}: 5 of 9 finished; missing 4: α 0.5 seed 0 (cancelled, shard 0); α 0.5 seed 1 (not started, shard 1); α 1 seed 0 (not started, shard 2); α 1 seed 1 (not started, shard 3).`);
  // Without the prior's record (another folder not given), the prior is missing too, and named first.
  const noPrior = sweepCoverage(runs, sweepId);
  assert.equal(noPrior.missing[0]!.role, 'prior');
  assert.match(coverageLine(noPrior), /: 4 of 9 finished; missing 5: the frozen prior \(not started\); α 0.5 seed 0 \(cancelled\);/);
  // All there: none missing.
  const all = planSweep(small).runs.map((p) => record({ ...p, sweepId, config: small, priorRunId: 'prior-1' }));
  assert.equal(coverageLine(sweepCoverage([...all, prior], sweepId)), `Planned runs of ${sweepId}: 9 of 9 finished; none missing.`);
});
