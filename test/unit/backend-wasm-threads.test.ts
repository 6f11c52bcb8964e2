// Opt-in multithreaded wasm (IMLP_WASM_THREADS, src/core/backend/wasmThreads.ts). Every case that starts
// a backend runs in a child process: the setting comes from the environment, and the threaded build
// patches process-wide globals while it instantiates, so nothing may reach the other tests. The children
// must exit on their own (the threaded build's pthread workers must not keep them alive). Behaviour
// only, no timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wasmThreadsSetting } from '../../src/core/backend/wasmThreads';

const BACKEND = JSON.stringify(join(__dirname, '../../src/core/backend/index.ts'));

/**
 * Three Adam steps of a small CNN with a hidden dense layer (conv 3→16, conv 16→16, maxPool, dense
 * 4096→32→10) from fixed seeds: XNNPACK convs and matmuls forward, the patched conv and matmul
 * gradients backward. Returns the losses and the variables' values.
 */
const TRAIN = `
const tf = require('@tensorflow/tfjs');
function train() {
  const x = tf.randomNormal([16, 32, 32, 3], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), 'int32'), 10);
  const v = (shape, seed) => tf.variable(tf.randomNormal(shape, 0, 0.05, 'float32', seed));
  const vars = [v([3, 3, 3, 16], 2), v([3, 3, 16, 16], 3), v([4096, 32], 4), v([32, 10], 5)];
  const [c1, c2, d1, d2] = vars;
  const opt = tf.train.adam(1e-3);
  const losses = [];
  for (let step = 0; step < 3; step++) {
    const loss = opt.minimize(() => {
      const h = tf.maxPool(tf.relu(tf.conv2d(tf.relu(tf.conv2d(x, c1, 1, 'same')), c2, 1, 'same')), 2, 2, 'valid');
      const logits = tf.matMul(tf.relu(tf.matMul(tf.reshape(h, [16, 4096]), d1)), d2);
      return tf.losses.softmaxCrossEntropy(y, logits);
    }, true);
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  const values = vars.map((t) => Array.from(t.dataSync()));
  tf.dispose([x, y, ...vars]);
  opt.dispose();
  return { losses, values };
}
`;

interface Env { IMLP_WASM_THREADS?: string; TMPDIR?: string }

/** Runs `script` (CommonJS; TypeScript through tsx) in a fresh Node with `env` over the test's own, the BLAS addon off. */
function child(script: string, env: Env): SpawnSyncReturns<string> {
  const base: NodeJS.ProcessEnv = { ...process.env, IMLP_BLAS: '0' };
  delete base.IMLP_WASM_THREADS;
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', env: { ...base, ...env }, timeout: 180_000 });
}

/** The JSON line a child printed last. */
function result<T>(r: SpawnSyncReturns<string>): T {
  assert.equal(r.signal, null, `the child did not exit on its own (killed by ${r.signal}); stderr: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
}

test('IMLP_WASM_THREADS=2: 2 threads, the same training values as 1 thread, every patched global restored, and the process exits', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'imlp-wasm-threads-test-'));
  const r = child(`${TRAIN}
    const os = require('node:os');
    const workerThreads = require('node:worker_threads');
    const { getThreadsCount } = require('@tensorflow/tfjs-backend-wasm');
    const { initBackend } = require(${BACKEND});
    (async () => {
      const before = { cpus: os.cpus, Blob: globalThis.Blob, createObjectURL: URL.createObjectURL, Worker: workerThreads.Worker };
      const mt = await initBackend('wasm', undefined, { blas: 'off' });
      const restored = os.cpus === before.cpus && globalThis.Blob === before.Blob && URL.createObjectURL === before.createObjectURL &&
        workerThreads.Worker === before.Worker && !('Worker' in globalThis) && !('WASM_HAS_MULTITHREAD_SUPPORT' in tf.env().getFlags());
      const threads = getThreadsCount();
      const multi = train();
      const st = await initBackend('wasm', undefined, { blas: 'off', wasmThreads: 1 });
      const single = train();
      // Only the largest relative difference per variable comes back (the values are megabytes).
      const errors = multi.values.map((v, i) => {
        const want = single.values[i];
        return v.reduce((m, x, j) => Math.max(m, Math.abs(x - want[j])), 0) / want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      });
      console.log(JSON.stringify({ mt: mt.detail, threads, restored, st: st.detail, losses: [multi.losses, single.losses], errors }));
    })();`, { IMLP_WASM_THREADS: '2', TMPDIR: tmp });
  const left = readdirSync(tmp);
  rmSync(tmp, { recursive: true, force: true });
  const out = result<{ mt: string; threads: number; restored: boolean; st: string; losses: [number[], number[]]; errors: number[] }>(r);
  assert.equal(out.mt, 'SIMD, 2 threads');
  assert.equal(out.threads, 2);
  assert.equal(out.st, 'SIMD, 1 thread');
  assert.equal(out.restored, true, 'os.cpus, Blob, URL.createObjectURL, worker_threads.Worker, the global Worker and the tfjs flag are as before');
  assert.deepEqual(left.filter((f) => f.startsWith('imlp-wasm-threads-')), [], 'the temporary worker scripts are removed');
  const [multi, single] = out.losses;
  multi.forEach((l, i) => assert.ok(Math.abs(l - single[i]!) <= 1e-4 * Math.abs(single[i]!), `step ${i}: loss ${l} with 2 threads, ${single[i]} with 1`));
  assert.ok(multi[2]! < multi[0]!, 'the loss falls');
  assert.equal(out.errors.length, 4);
  out.errors.forEach((err, i) => assert.ok(err <= 1e-4, `variable ${i} after 3 steps: max |2 threads − 1 thread| / max |1 thread| = ${err.toExponential(2)}`));
});

test('IMLP_WASM_THREADS=2 inside a worker thread: it trains, and the worker and the process exit on their own', () => {
  // As the training worker (src/worker/trainWorker.ts) does: start, work, close the port, then the
  // executor waits for the worker's 'exit'.
  const inWorker = `require('tsx/cjs'); ${TRAIN}
    const { initBackend } = require(${BACKEND});
    const port = require('node:worker_threads').parentPort;
    initBackend('wasm', undefined, { blas: 'off' }).then((info) => { port.postMessage({ detail: info.detail, losses: train().losses }); port.close(); });`;
  const r = child(`
    const { Worker } = require('node:worker_threads');
    let got;
    new Worker(${JSON.stringify(inWorker)}, { eval: true })
      .on('message', (m) => (got = m))
      .on('error', (e) => { console.error(e); process.exitCode = 1; })
      .on('exit', (code) => console.log(JSON.stringify({ ...got, code })));`, { IMLP_WASM_THREADS: '2' });
  const out = result<{ detail: string; losses: number[]; code: number }>(r);
  assert.equal(out.detail, 'SIMD, 2 threads');
  assert.equal(out.code, 0);
  assert.equal(out.losses.length, 3);
  assert.ok(out.losses[2]! < out.losses[0]!);
});

test('imlp doctor reports the wasm thread setting and the threads running', () => {
  const doctor = JSON.stringify(join(__dirname, '../../src/core/backend/doctor.ts'));
  const r = child(`require(${doctor}).diagnose(64, 1).then((d) => console.log(JSON.stringify({ wasm: d.backends.wasm.detail, threads: d.wasmThreads })));`, { IMLP_WASM_THREADS: '2' });
  const out = result<{ wasm: string; threads: { setting: string; threads: number; detail: string } }>(r);
  assert.equal(out.wasm, 'SIMD, 2 threads (IMLP_WASM_THREADS=2: the multithreaded build, opt-in)');
  assert.deepEqual(out.threads, { setting: '2', threads: 2, detail: 'IMLP_WASM_THREADS=2: the multithreaded build, opt-in' });
});

test('an invalid IMLP_WASM_THREADS is an error that names it and says what to do, also for "auto" (no fall-back to cpu)', () => {
  for (const bad of ['abc', '-1', '1.5', '9']) {
    const r = child(`
      const { initBackend } = require(${BACKEND});
      Promise.allSettled([initBackend('wasm'), initBackend('auto')]).then((s) => console.log(JSON.stringify(s.map((x) => x.status === 'rejected' ? x.reason.message : 'started'))));`,
    { IMLP_WASM_THREADS: bad });
    const messages = result<string[]>(r);
    for (const m of messages) {
      assert.match(m, /^IMLP_WASM_THREADS must be a whole number from 0 to 8, not ".+": unset, 0 or 1 run the single-threaded wasm backend \(the default\); 2–8 its multithreaded build/);
      assert.ok(m.includes(`not "${bad}"`) && m.endsWith('Fix or unset IMLP_WASM_THREADS.'), m);
    }
  }
});

test('IMLP_WASM_THREADS: unset, empty, 0 and 1 keep one thread; 2–8 are thread counts', () => {
  assert.equal(wasmThreadsSetting({}), 1);
  for (const v of ['', ' ', '0', '1']) assert.equal(wasmThreadsSetting({ IMLP_WASM_THREADS: v }), 1);
  assert.equal(wasmThreadsSetting({ IMLP_WASM_THREADS: '2' }), 2);
  assert.equal(wasmThreadsSetting({ IMLP_WASM_THREADS: ' 8 ' }), 8);
  for (const v of ['abc', '-1', '1.5', '9', '2 threads']) assert.throws(() => wasmThreadsSetting({ IMLP_WASM_THREADS: v }), /IMLP_WASM_THREADS must be a whole number from 0 to 8/);
});
