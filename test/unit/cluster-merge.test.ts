// Shards of a sweep through the built CLI on real MNIST: two shards at once into one folder (the
// frozen prior trained once, every run once, the same numbers as one process), shards into separate
// folders merged by `imlp report --results A --results B`, and what the report says is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ResultsStore } from '../../src/core/results/store';
import type { RunRecord } from '../../src/core/results/types';
import { scratch, writeTinySweep } from './helpers';

const CLI = resolve('dist/cli.js');
const { root: dir } = scratch('imlp-merge-');

const tiny = writeTinySweep(dir);

const imlp = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
function imlpAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}
const records = (results: string): RunRecord[] => new ResultsStore(results).listRuns().flatMap((s) => (s.damaged ? [] : [s.record]));
/** Test accuracy per planned run, e.g. {"run:0.5": 0.69, "prior:": 0.2}. */
const accuracies = (rs: RunRecord[]) => Object.fromEntries(rs.map((r) => [`${r.role}:${r.alpha ?? ''}`, r.result?.testAccuracy]));

const shared = join(dir, 'shared');

test('two shards at once into one folder: the prior is trained once, each run once, the report complete', async () => {
  const [a, b] = await Promise.all([0, 1].map((i) => imlpAsync(['sweep', tiny, '--shard', `${i}/2`, '--results', shared])));
  assert.equal(a!.status, 0, a!.stderr);
  assert.equal(b!.status, 0, b!.stderr);
  const rs = records(shared);
  assert.deepEqual(rs.map((r) => `${r.role}:${r.alpha ?? ''}`).sort(), ['plain-mlp:', 'prior:', 'run:0', 'run:0.5', 'run:1']);
  assert.ok(rs.every((r) => r.status === 'finished'));
  assert.equal([a, b].filter((x) => /training the frozen prior/.test(x!.stderr)).length, 1, 'one shard trained the prior');
  const prior = rs.find((r) => r.role === 'prior')!;
  assert.ok(rs.filter((r) => r.role === 'run').every((r) => r.priorRunId === prior.id), 'every α run interpolates toward the one prior');
  // Round robin over the plan [plain MLP, α 0, α 0.5, α 1]: shard 0 runs plain MLP and α 0.5, shard 1 α 0 and α 1.
  assert.match(a!.stdout, /tiny-s0-mlp-.*\n.*tiny-s0-a0\.5-/);
  assert.match(b!.stdout, /tiny-s0-a0-.*\n.*tiny-s0-a1-/);
  const rep = imlp(['report', '--results', shared]);
  assert.equal(rep.status, 0, rep.stderr);
  assert.match(rep.stdout, /Planned runs of tiny-\w+: 5 of 5 finished; none missing\./);
  assert.match(rep.stdout, /Missing runs: none/);
});

test('shards into separate folders: each alone is incomplete, merged they are the same sweep with the same numbers', () => {
  const [a, b] = [join(dir, 'cluster-a'), join(dir, 'cluster-b')];
  for (const [i, folder] of [[0, a], [1, b]] as const) {
    const r = imlp(['sweep', tiny, '--shard', `${i}/2`, '--results', folder]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /training the frozen prior/, 'no shared folder: each trains (the same) prior');
  }
  const onlyA = imlp(['report', '--results', a, '--shards', '2']);
  assert.equal(onlyA.status, 0, onlyA.stderr);
  assert.match(onlyA.stdout, /Planned runs of tiny-\w+: 3 of 5 finished; missing 2: α 0 seed 0 \(not started, shard 1\); α 1 seed 0 \(not started, shard 1\)\./);

  const merged = imlp(['report', '--results', a, '--results', b, '--json']);
  assert.equal(merged.status, 0, merged.stderr);
  const [report] = JSON.parse(merged.stdout) as [{ plan: { planned: number; finished: number; missing: unknown[] }; missing: unknown[]; byAlpha: { alpha: number }[]; superseded: string[] }];
  assert.deepEqual({ planned: report.plan.planned, finished: report.plan.finished, missing: report.plan.missing }, { planned: 5, finished: 5, missing: [] });
  assert.deepEqual(report.missing, []);
  assert.deepEqual(report.byAlpha.map((g) => g.alpha), [0, 0.5, 1]);
  assert.equal(report.superseded.length, 1, 'each folder trained the (same) prior: the older one is superseded, not counted twice');
  // Deterministic training: the same accuracies as the two shards sharing one folder.
  const both = [...records(a), ...records(b)];
  assert.equal(both.filter((r) => r.role === 'prior').length, 2);
  const acc = accuracies(both.filter((r) => r.role !== 'prior'));
  const sharedAcc = accuracies(records(shared));
  for (const key of ['plain-mlp:', 'run:0', 'run:0.5', 'run:1']) assert.equal(acc[key], sharedAcc[key], key);
  for (const p of both.filter((r) => r.role === 'prior')) assert.equal(p.result?.testAccuracy, sharedAcc['prior:']);
  // The same folder twice, or a copy of a run in two folders, is counted once.
  const twice = imlp(['report', '--results', a, '--results', b, '--results', a]);
  assert.equal(twice.status, 0, twice.stderr);
  assert.match(twice.stderr, /merging 2 results folders: .*cluster-a \(3 runs\), .*cluster-b \(3 runs\)/);
  assert.match(twice.stdout, /5 of 5 finished; none missing/);
  assert.match(twice.stdout, /α\s+n\s+mean acc[\s\S]*\n0\.5\s+1\s/);
});

test('report and sweep refuse bad cluster flags with the flag named and what to do', () => {
  const cases: [string[], RegExp][] = [
    [['sweep', tiny, '--shard', '3/2'], /--shard <i\/n>.*'3\/2' is invalid.*index must be below the count: 0\/2 … 1\/2/],
    [['sweep', tiny, '--shard', 'half'], /--shard.*write I\/N/],
    [['sweep', tiny, '--shards', '2'], /--shards applies to --emit slurm or --emit k8s .*to run one shard here, use --shard I\/N/],
    [['report', '--results', join(dir, 'nowhere'), 'tiny-0000000000'], /no sweep "tiny-0000000000" in .*nowhere; known sweeps: none/],
  ];
  for (const [args, message] of cases) {
    const r = imlp(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
