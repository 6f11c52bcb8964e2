// The emitted job array on a real Slurm: Debian's slurm-wlm and munge (scripts/setup-slurm.sh) run as a
// single-node cluster on this machine (scripts/slurm-local.sh), `sbatch` takes the script that
// `imlp sweep --emit slurm` wrote for a tiny MNIST sweep in 2 shards, and once both array tasks are done
// `imlp report` finds every planned run. A requeued task then re-runs its shard and trains nothing again.
// Skips (saying why) only where Slurm cannot be installed: not root, or no apt-get.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeTinySweep } from './helpers';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ResultsStore } from '../../src/core/results/store';

const CLI = resolve('dist/cli.js');
// Not helpers' scratch(): its folder would be removed before the daemons (whose pid files are in it) are stopped.
const dir = mkdtempSync(join(tmpdir(), 'imlp-slurm-'));
const cluster = join(dir, 'cluster');
const results = join(dir, 'results');
const PATH = `${process.env.PATH}:/usr/sbin:/sbin`;
const env = { ...process.env, PATH, SLURM_CONF: join(cluster, 'slurm.conf') };

const sh = (cmd: string, args: string[], timeout = 60_000) => spawnSync(cmd, args, { encoding: 'utf8', env, timeout });

function whyNot(): string | undefined {
  const setup = sh('bash', ['scripts/setup-slurm.sh'], 300_000);
  if (setup.status !== 0) return `scripts/setup-slurm.sh failed: ${setup.stderr.trim().split('\n').slice(-3).join(' ')}`;
  if (sh('bash', ['-c', 'command -v slurmctld && command -v slurmd && command -v sbatch && command -v munged']).status !== 0) {
    return setup.stderr.trim() || 'slurm-wlm and munge are not installed';
  }
  if (process.getuid?.() !== 0) return 'slurmd and munged are started directly, which needs root';
  return undefined;
}

const skip = whyNot();
let started = false;

before(() => {
  if (skip) return;
  const r = sh('bash', ['scripts/slurm-local.sh', 'start', cluster]);
  assert.equal(r.status, 0, `the single-node Slurm did not start:\n${r.stderr}`);
  started = true;
});

after(() => {
  // The daemons run until stopped: stop them first, then remove their folder.
  if (started) {
    const stop = sh('bash', ['scripts/slurm-local.sh', 'stop', cluster]);
    if (stop.status !== 0) console.error(`slurm-local.sh stop: ${stop.stderr}`);
  }
  rmSync(dir, { recursive: true, force: true });
});

/** The tasks' logs, for a failure's message. */
function taskLogs(): string {
  const logs = join(results, 'slurm-logs');
  return existsSync(logs) ? readdirSync(logs).map((f) => `--- ${f}:\n${readFileSync(join(logs, f), 'utf8').slice(-2000)}`).join('\n') : '(no task logs)';
}

/** Polls until none of the job's tasks is pending or running; returns each task's state and exit code. */
async function waitForJob(jobId: string, timeoutMs: number): Promise<Record<string, string>> {
  const t0 = Date.now();
  for (;;) {
    const q = sh('squeue', ['-h', '-j', jobId, '-o', '%i %T']);
    assert.equal(q.status, 0, q.stderr);
    if (q.stdout.trim() === '') break;
    if (Date.now() - t0 > timeoutMs) assert.fail(`job ${jobId} still queued after ${timeoutMs / 1000} s:\n${q.stdout}\n${sh('scontrol', ['show', 'job', jobId]).stdout}\n${taskLogs()}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  // No accounting database here: scontrol keeps finished jobs for MinJobAge (600 s in slurm-local.sh).
  const show = sh('scontrol', ['-o', 'show', 'job', jobId]);
  assert.equal(show.status, 0, show.stderr);
  return Object.fromEntries(show.stdout.trim().split('\n').map((line) => {
    const field = (k: string) => new RegExp(`\\b${k}=(\\S+)`).exec(line)?.[1] ?? '?';
    return [field('ArrayTaskId'), `${field('JobState')} ${field('ExitCode')}`];
  }));
}

test('the emitted job array runs a tiny sweep in 2 shards on a real Slurm; the merged report misses nothing', { skip, timeout: 240_000 }, async () => {
  const file = writeTinySweep(dir);
  const emit = sh(process.execPath, [CLI, 'sweep', file, '--emit', 'slurm', '--shards', '2', '--cpus', '1', '--mem', '2G', '--time', '10', '--results', results]);
  assert.equal(emit.status, 0, emit.stderr);
  const script = emit.stdout.trim();

  const submit = sh('sbatch', ['--parsable', script]);
  assert.equal(submit.status, 0, `sbatch refused the script: ${submit.stderr}`);
  const jobId = submit.stdout.trim().split(';')[0]!;
  assert.match(jobId, /^\d+$/);
  const t0 = Date.now();
  const tasks = await waitForJob(jobId, 180_000);
  const seconds = (Date.now() - t0) / 1000;
  assert.deepEqual(tasks, { 0: 'COMPLETED 0:0', 1: 'COMPLETED 0:0' }, `both array tasks succeed (${seconds.toFixed(0)} s):\n${taskLogs()}`);

  // One log per task, each running its own shard.
  for (const i of [0, 1]) {
    const log = readFileSync(join(results, 'slurm-logs', `imlp-tiny-${jobId}_${i}.out`), 'utf8');
    assert.match(log, new RegExp(`^imlp shard ${i}/2 of sweep tiny-\\w+ on .*, job ${jobId}, restart 0$`, 'm'));
    assert.match(log, new RegExp(`shard ${i}/2 of sweep tiny-\\w+: 2 runs \\(0 finished earlier\\)`));
  }
  const records = new ResultsStore(results).listRuns().flatMap((s) => (s.damaged ? [] : [s.record]));
  assert.deepEqual(records.map((r) => `${r.role}:${r.alpha ?? ''}`).sort(), ['plain-mlp:', 'prior:', 'run:0', 'run:0.5', 'run:1'], 'the prior once, every run once');
  const prior = records.find((r) => r.role === 'prior')!;
  assert.ok(records.filter((r) => r.role === 'run').every((r) => r.priorRunId === prior.id), 'both tasks\' α runs use the one prior');

  const report = sh(process.execPath, [CLI, 'report', '--results', results]);
  assert.equal(report.status, 0, report.stderr);
  assert.match(report.stdout, /Planned runs of tiny-\w+: 5 of 5 finished; none missing\./);
  assert.match(report.stdout, /Missing runs: none \(3 planned α × seed runs finished\)/);

  // Requeued (as after a node failure), task 0 runs its shard again: everything is finished, nothing retrains.
  const requeue = sh('scontrol', ['requeue', `${jobId}_0`]);
  assert.equal(requeue.status, 0, requeue.stderr);
  // Slurm holds a requeued job for about 2 minutes (Reason=BeginTime); let it start now.
  const release = sh('scontrol', ['update', `JobId=${jobId}_0`, 'StartTime=now']);
  assert.equal(release.status, 0, release.stderr);
  const again = await waitForJob(jobId, 120_000);
  assert.equal(again[0], 'COMPLETED 0:0', taskLogs());
  const log0 = readFileSync(join(results, 'slurm-logs', `imlp-tiny-${jobId}_0.out`), 'utf8');
  assert.match(log0, /restart 0$[\s\S]*restart 1$/m, 'the requeued attempt appends to the first one\'s log');
  assert.match(log0.slice(log0.lastIndexOf('restart 1')), /reusing the trained prior[\s\S]*2 of 2 runs of sweep tiny-\w+ already finished; running the other 0/);
  assert.equal(new ResultsStore(results).listRuns().length, 5, 'no run was trained twice');
  assert.ok(existsSync(join(results, 'locks')), 'the prior was trained under the lock');
});
