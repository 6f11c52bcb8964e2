// Faults injected into real runs (issue 8 §2): SIGKILL of the CLI at random steps and inside each step
// of a checkpoint save, termination of a training worker thread, a disk that fills up during a run,
// two processes writing one results store, a worker out of memory. Every interrupted run is resumed
// and must end with bit-identical weights to an uninterrupted run (SHA-256 of the checkpoint's
// parameters). Needs `npm run build` (dist/cli.js, dist/worker.js).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { prepareOpenBlasEnv } from '../../src/core/backend/openblasEnv';
import { parseExperiment } from '../../src/core/experiment/validate';
import { loadCheckpoint } from '../../src/core/results/checkpoint';
import { ResultsStore } from '../../src/core/results/store';
import type { RunRecord } from '../../src/core/results/types';
import { workerExecutor } from '../../src/core/workerExecutor';
import type { FromWorker, RunJob } from '../../src/shared/protocol';
import { scratch } from './helpers';

const CLI = resolve('dist/cli.js');
// Every CLI of this file runs with the environment the tests started with: prepareOpenBlasEnv (below)
// sets OPENBLAS_NUM_THREADS here, and sgemm's result bits depend on the thread count.
const ENV = { ...process.env };
const WORKER = resolve('dist/worker.js');
const skip = existsSync(CLI) && existsSync(WORKER) ? false : 'dist/ is not built: run `npm run build`';
const { root, fresh } = scratch('imlp-rel-faults-');

// 2 epochs × 16 steps: small enough for many kills, long enough to kill mid-epoch.
const EXPERIMENT = {
  name: 'faults',
  dataset: { name: 'mnist', trainSubset: 1024, testSubset: 500 },
  model: { kind: 'mlp', hidden: [32] },
  training: { epochs: 2, batchSize: 64, lr: 0.001, seeds: [3] },
  backend: 'wasm',
};
const STEPS = 2 * 16;
const file = join(root, 'faults.imlp.json');
writeFileSync(file, JSON.stringify(EXPERIMENT, null, 2));
const config = parseExperiment(JSON.stringify(EXPERIMENT), file);

interface Exit { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs the CLI; `onLine` sees each JSON event line of stdout and may kill or stop the child. */
function imlp(args: string[], results: string, env: NodeJS.ProcessEnv = {}, onLine?: (e: Record<string, unknown>, child: ReturnType<typeof spawn>) => void): Promise<Exit> {
  const child = spawn(process.execPath, [CLI, ...args, '--json', '--results', results], { env: { ...ENV, ...env } });
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
    pending += c.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const l of lines) if (l.trim()) onLine?.(JSON.parse(l) as Record<string, unknown>, child);
  });
  return new Promise((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
}

const runIdOf = (out: string): string => (JSON.parse(out.trim().split('\n')[0]!) as { run: string }).run;

/** SHA-256 of a run's final parameters (names and float32 bytes), from its checkpoint. */
function weightsHash(results: string, id: string): string {
  const ckpt = loadCheckpoint(join(results, 'runs', id));
  assert.ok(ckpt, `run ${id} has a checkpoint`);
  const hash = createHash('sha256');
  for (const name of Object.keys(ckpt.tensors).filter((k) => k.startsWith('param/')).sort()) {
    const t = ckpt.tensors[name]!;
    hash.update(name).update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}

let reference: string | undefined;
/** The weights of the uninterrupted run (computed once per file). */
async function referenceHash(): Promise<string> {
  if (reference) return reference;
  const results = fresh();
  const r = await imlp(['run', file], results);
  assert.equal(r.code, 0, r.stderr);
  reference = weightsHash(results, runIdOf(r.stdout));
  return reference;
}

async function resumeToEnd(results: string, id: string): Promise<void> {
  const r = await imlp(['run', '--resume', id], results);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(new ResultsStore(results).openRun(id).record.status, 'finished');
}

/** mulberry32: the kill points are random but replayable from the printed seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('kill -9 of the CLI at random steps, resumed after each kill: the same final weights as an uninterrupted run', { skip }, async (t) => {
  const seed = Number(process.env.IMLP_FAULT_SEED ?? 20261201);
  t.diagnostic(`kill points from seed ${seed} (IMLP_FAULT_SEED replays them)`);
  const random = prng(seed);
  const results = fresh();
  let id: string | undefined;
  let kills = 0;
  for (let round = 0; round < 6; round++) {
    const target = 1 + Math.floor(random() * STEPS);
    const r = await imlp(id ? ['run', '--resume', id] : ['run', file], results, {}, (e, child) => {
      if (e.type === 'step' && (e.globalStep as number) >= target) child.kill('SIGKILL');
    });
    id ??= runIdOf(r.stdout);
    if (r.signal !== 'SIGKILL') {
      assert.equal(r.code, 0, r.stderr); // the target lay behind the checkpoint it resumed from: it finished
      break;
    }
    kills++;
    // Whatever the moment, the run is still readable: its checkpoint (if any) passes its checks.
    const store = new ResultsStore(results);
    assert.equal(store.openRun(id).record.status, 'running', 'a killed run is never marked');
    loadCheckpoint(store.openRun(id).dir);
    store.readMetrics(id); // at most the buffered step lines are lost, never the file
  }
  t.diagnostic(`${kills} kills`);
  assert.ok(kills >= 3, `only ${kills} kills landed`);
  if (new ResultsStore(results).openRun(id!).record.status !== 'finished') await resumeToEnd(results, id!);
  assert.equal(weightsHash(results, id!), await referenceHash());
});

test('kill -9 inside a checkpoint save, at each of its steps: the previous or the new checkpoint is used, and resume gives the same weights', { skip }, async (t) => {
  // IMLP_FAULT_KILL_AT (src/core/results/faults.ts) kills the process at an exact point of the n-th save.
  const cases: Array<{ at: string; left: string[]; resumesAt: number }> = [
    { at: 'checkpoint-partial:1', left: [], resumesAt: 0 }, // first save: nothing to fall back to, starts over
    { at: 'checkpoint-partial:2', left: ['checkpoint'], resumesAt: 1 },
    { at: 'checkpoint-written:2', left: ['checkpoint'], resumesAt: 1 },
    { at: 'checkpoint-aside:1', left: ['checkpoint.old'], resumesAt: 1 }, // the first save with a checkpoint to set aside
    { at: 'checkpoint-moved:2', left: ['checkpoint', 'checkpoint.old'], resumesAt: 2 },
  ];
  for (const c of cases) {
    await t.test(c.at, async () => {
      const results = fresh();
      const killed = await imlp(['run', file], results, { IMLP_FAULT_KILL_AT: c.at });
      assert.equal(killed.signal, 'SIGKILL', `the fault point was not reached: ${killed.stderr}`);
      const id = runIdOf(killed.stdout);
      const dir = join(results, 'runs', id);
      assert.deepEqual(readdirSync(dir).filter((n) => n === 'checkpoint' || n === 'checkpoint.old').sort(), c.left);
      assert.equal(loadCheckpoint(dir)?.epoch ?? 0, c.resumesAt);
      await resumeToEnd(results, id);
      // The next save clears a crashed save's leftovers; after the last save there is no next one, and the
      // complete checkpoint.old/ stays beside checkpoint/ (which is what is read).
      assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('checkpoint')).sort(), c.resumesAt < 2 ? ['checkpoint'] : ['checkpoint', 'checkpoint.old']);
      assert.equal(weightsHash(results, id), await referenceHash());
    });
  }
});

test('a training worker terminated mid-epoch (worker.terminate()), resumed in a new worker: the same final weights', { skip }, async () => {
  prepareOpenBlasEnv(); // as workerExecutor does, so both workers see the same BLAS settings
  const results = fresh();
  const job: RunJob = { resultsRoot: results, config, seed: 3, role: 'run' };
  const worker = new Worker(WORKER);
  let runId: string | undefined;
  let terminated = false;
  worker.on('message', (m: FromWorker) => {
    if (m.type === 'started') runId = m.runId;
    if (m.type === 'event' && m.event.type === 'step' && m.event.epoch === 1 && m.event.step >= 5 && !terminated) {
      terminated = true;
      void worker.terminate();
    }
  });
  worker.postMessage({ type: 'start', job });
  await new Promise((res) => worker.on('exit', res));
  assert.ok(terminated && runId, 'the worker was terminated mid-epoch');
  const store = new ResultsStore(results);
  assert.equal(store.openRun(runId).record.status, 'running');
  assert.equal(loadCheckpoint(store.openRun(runId).dir)?.epoch, 1);

  const execute = workerExecutor(WORKER);
  const resumed = await execute({ ...job, resumeId: runId }, undefined, () => undefined);
  assert.equal(resumed.status, 'finished', resumed.error);
  const whole = await execute(job, undefined, () => undefined);
  assert.equal(whole.status, 'finished', whole.error);
  assert.equal(weightsHash(results, runId), weightsHash(results, whole.id));
});

/** A small tmpfs to fill up (root only); undefined when this machine cannot mount one. */
function mountTmpfs(megabytes: number): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'imlp-rel-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status === 0) after(() => spawnSync('umount', [dir]));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return r.status === 0 ? dir : undefined;
}

/** Writes `path` until the file system is full, then frees `leave` bytes of it. */
function fill(path: string, leave: number): void {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    if (leave > 0) ftruncateSync(fd, Math.max(0, fstatSync(fd).size - leave));
    closeSync(fd);
  }
}

const tmpfs = process.platform === 'linux' && process.getuid?.() === 0 ? mountTmpfs(4) : undefined;

test('the disk fills up during a run (a real ENOSPC on a 4 MB tmpfs): a clear error, the previous checkpoint stays valid, resume gives the same weights', { skip: skip || (tmpfs ? false : 'needs root to mount a tmpfs (mount -t tmpfs)') }, async (t) => {
  // At the first checkpoint the run is stopped (SIGSTOP), the disk filled, and the run continued. With
  // 64 KiB left the next checkpoint (300 KB) does not fit but run.json does; with nothing left, marking
  // the run failed fails too.
  for (const [what, leave] of [['64 KiB left', 64 * 1024], ['nothing left', 0]] as const) {
    await t.test(what, async () => {
      const results = join(tmpfs!, `results-${leave}`);
      const filler = join(tmpfs!, 'filler');
      let filled = false;
      let r: Exit;
      try {
        r = await imlp(['run', file], results, {}, (e, child) => {
          if (e.type !== 'checkpoint' || filled) return;
          filled = true;
          child.kill('SIGSTOP');
          fill(filler, leave);
          child.kill('SIGCONT');
        });
      } finally {
        rmSync(filler, { force: true }); // the space comes back for the resume (and the next case) whatever happened
      }
      assert.ok(filled);
      assert.equal(r.code, 1, r.stderr);
      const id = runIdOf(r.stdout);
      const dir = join(results, 'runs', id);
      const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      if (leave > 0) {
        // The user is told what failed, where, and that the previous checkpoint is kept (--json: in the
        // error event); run.json says so too.
        const error = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; message?: string }).find((e) => e.type === 'error');
        assert.match(error?.message ?? '', new RegExp(`^Could not save checkpoint in ${escaped}/checkpoint\\.tmp-\\d+ \\(the previous checkpoint is kept\\): .*ENOSPC: no space left on device`));
        const record = new ResultsStore(results).openRun(id).record;
        assert.equal(record.status, 'failed');
        assert.match(record.error ?? '', /ENOSPC/);
      } else {
        assert.match(r.stderr, new RegExp(`error: run ${id} failed: .*ENOSPC.*\\. It could not be marked failed either \\(.*\\), so it shows as interrupted; resume it once the cause is fixed\\.`));
      }
      assert.equal(loadCheckpoint(dir)?.epoch, 1, 'the epoch-1 checkpoint still passes its checks');
      assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('checkpoint')), ['checkpoint'], 'the unfinished save was cleaned up');

      await resumeToEnd(results, id);
      assert.equal(weightsHash(results, id), await referenceHash());
      rmSync(results, { recursive: true });
    });
  }
});

test('two `imlp run` processes on one results store at once: distinct run ids, every line of each run, identical weights', { skip }, async () => {
  const results = fresh();
  const [a, b] = await Promise.all([imlp(['run', file], results), imlp(['run', file], results)]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const ids = [runIdOf(a.stdout), runIdOf(b.stdout)];
  assert.notEqual(ids[0], ids[1]);
  const store = new ResultsStore(results);
  for (const id of ids) {
    const read = store.readMetrics(id);
    assert.equal(read.badLines, 0);
    assert.equal(read.truncatedLastLine, false);
    const steps = read.events.flatMap((e) => (e.type === 'step' ? [e.globalStep] : []));
    assert.deepEqual(steps, Array.from({ length: STEPS }, (_, i) => i + 1), `run ${id}: every step once, in order`);
    assert.equal(read.events.filter((e) => e.type === 'done').length, 1);
    assert.equal(store.openRun(id).record.status, 'finished');
  }
  assert.equal(weightsHash(results, ids[0]!), weightsHash(results, ids[1]!), 'same seed, same weights: nothing crossed between the runs');
});

test('a second process resuming a run that another process is training is refused; the training run is untouched', { skip }, async () => {
  const results = fresh();
  let second: Exit | undefined;
  let first: Promise<Exit> | undefined;
  // The first run is stopped (SIGSTOP: alive, not progressing) at its first step while the second tries to resume it.
  const owner = await new Promise<Exit>((res) => {
    first = imlp(['run', file], results, {}, (e, child) => {
      if (e.type !== 'step' || second) return;
      second = { code: null, signal: null, stdout: '', stderr: '' };
      child.kill('SIGSTOP');
      void imlp(['run', '--resume', e.run as string], results).then((r) => {
        second = r;
        child.kill('SIGCONT');
      });
    });
    void first.then(res);
  });
  assert.ok(second);
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, /run \S+ is being trained by process \d+; wait for it to finish or stop it, then resume again/);
  assert.equal(owner.code, 0, owner.stderr);
  const id = runIdOf(owner.stdout);
  const read = new ResultsStore(results).readMetrics(id);
  assert.deepEqual(read.events.flatMap((e) => (e.type === 'step' ? [e.globalStep] : [])), Array.from({ length: STEPS }, (_, i) => i + 1));
  assert.equal(weightsHash(results, id), await referenceHash());
});

test('run ids stay unique across processes creating runs of the same name, seed and α in the same second', async () => {
  const results = fresh();
  // 4 processes × 150 runs: with 16 random bits per second-stamp, clashes happen and must be retried.
  const script = `
    const { ResultsStore } = require(${JSON.stringify(resolve('src/core/results/store.ts'))});
    const store = new ResultsStore(${JSON.stringify(results)});
    const config = JSON.parse(process.env.CONFIG);
    for (let i = 0; i < 150; i++) store.createRun({ config, seed: 0, alpha: 0.5, role: 'run', versions: { imlp: '0', tfjs: '0' } }).close();`;
  const procs = Array.from({ length: 4 }, () => new Promise<number | null>((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, CONFIG: JSON.stringify(config) }, stdio: 'inherit' });
    p.on('close', res);
  }));
  assert.deepEqual(await Promise.all(procs), [0, 0, 0, 0]);
  const runs = new ResultsStore(results).listRuns();
  assert.equal(runs.length, 600);
  assert.equal(new Set(runs.map((r) => r.id)).size, 600);
  assert.deepEqual(runs.filter((r) => r.damaged), [], 'every run.json complete');
});

test('a worker out of memory: its run is marked failed with the reason, the host carries on and trains the next run', { skip }, async () => {
  const results = fresh();
  const store = new ResultsStore(results);
  const h = store.createRun({ config, seed: 0, role: 'run', versions: { imlp: '0', tfjs: '0' } });
  h.close();
  // The worker claims the run as dist/worker.js does, then allocates without end (a real V8 heap exhaustion).
  const script = join(root, 'oom-worker.js');
  writeFileSync(script, `const { parentPort } = require('node:worker_threads');
parentPort.on('message', () => {
  parentPort.postMessage({ type: 'started', runId: ${JSON.stringify(h.id)} });
  const hoard = [];
  for (;;) hoard.push(new Array(1e5).fill({ step: hoard.length }));
});`);
  const logs: string[] = [];
  const failed: RunRecord = await workerExecutor(script, (m) => logs.push(m), { resourceLimits: { maxOldGenerationSizeMb: 64 } })(
    { resultsRoot: results, config, seed: 0, role: 'run' }, undefined, () => undefined);
  assert.equal(failed.id, h.id);
  assert.equal(failed.status, 'failed');
  assert.match(failed.error ?? '', /^the training worker ran out of memory \(.*JS heap out of memory\); use a smaller model/);
  assert.equal(store.openRun(h.id).record.status, 'failed');

  const next = await workerExecutor(WORKER)({ resultsRoot: results, config, seed: 3, role: 'run' }, undefined, () => undefined);
  assert.equal(next.status, 'finished', next.error);
});

test('malformed messages from a worker are dropped and logged, never acted on', async () => {
  const results = fresh();
  const store = new ResultsStore(results);
  const h = store.createRun({ config, seed: 0, role: 'run', versions: { imlp: '0', tfjs: '0' } });
  h.close();
  const script = join(root, 'noisy-worker.js');
  // Bad messages first (a forged 'done' with no record id among them), then a well-formed run.
  writeFileSync(script, `const { parentPort } = require('node:worker_threads');
parentPort.on('message', () => {
  for (const m of [null, 'done', { type: 'done', record: { status: 'finished' } }, { type: 'event', runId: 1, event: {} },
    { type: 'started' }, { type: 'shell', cmd: 'rm -rf /' }, [1, 2]]) parentPort.postMessage(m);
  parentPort.postMessage({ type: 'started', runId: ${JSON.stringify(h.id)} });
  parentPort.postMessage({ type: 'event', runId: ${JSON.stringify(h.id)}, event: { type: 'log', level: 'info', message: 'hello' } });
  setTimeout(() => process.exit(3), 20);
});`);
  const logs: string[] = [];
  const events: unknown[] = [];
  const record = await workerExecutor(script, (m) => logs.push(m))({ resultsRoot: results, config, seed: 0, role: 'run' }, undefined, (e) => events.push(e));
  assert.equal(logs.filter((l) => l.startsWith('dropped a malformed message from a training worker')).length, 7, logs.join('\n'));
  assert.deepEqual(events, [{ type: 'log', level: 'info', message: 'hello' }]);
  assert.equal(record.status, 'failed', 'the forged done was not taken as a result');
  assert.equal(record.error, 'the training worker exited with code 3');
});
