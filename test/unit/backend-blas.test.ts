// The optional OpenBLAS accelerator (src/core/backend/blas.ts, native/blas): its BatchMatMul and
// _FusedMatMul against the stock tfjs cpu kernels (values and gradients), no leaks, equal training with
// and without it, OPENBLAS_CORETYPE reaching a worker's OpenBLAS; and, always, that a missing, broken or
// switched-off addon leaves plain wasm working and says so. The addon tests skip when it is not built
// (`npm run build:native`, which needs Debian's libopenblas-dev; npm test's pretest builds it).
//
// Tolerance as in backend-patches.test.ts: max|got − want| / max|want| ≤ 1e-4.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { evaluate, inputs, type KernelCase, randn, relativeError } from './kernelCheck';
import { diagnose } from '../../src/core/backend/doctor';
import { blasAddonPath, blasMode, coreTypeFor, recommendedCoreType } from '../../src/core/backend/openblasEnv';

const TOLERANCE = 1e-4;
const ADDON = blasAddonPath();
const built = ADDON !== undefined && existsSync(ADDON);
const needsAddon = built ? {} : { skip: 'the OpenBLAS addon is not built (npm run build:native; needs libopenblas-dev)' };

/** Calls of the addon's gemm: the test's require returns the module object blas.ts calls through. */
let gemmCalls = 0;
if (built) {
  const addon = require(ADDON) as { gemm: (...args: unknown[]) => void };
  const gemm = addon.gemm;
  addon.gemm = (...args) => {
    gemmCalls++;
    gemm(...args);
  };
}

interface Case extends KernelCase {
  /** False when the case is expected to bypass OpenBLAS (an activation it leaves to the patches). */
  blas: boolean;
}

/** Each case on the active backend against the stock-cpu reference; no data may leak. */
function assertMatchesReference(cases: Case[], viaBlas: boolean): void {
  for (const c of cases) {
    const dataIds = tf.backend().numDataIds();
    const calls = gemmCalls;
    const got = evaluate(c);
    assert.equal(tf.backend().numDataIds(), dataIds, `${c.name}: kernel intermediates leaked`);
    if (viaBlas && c.blas) assert.ok(gemmCalls > calls, `${c.name}: OpenBLAS was not called`);
    if (!viaBlas) assert.equal(gemmCalls, calls, `${c.name}: OpenBLAS was called while off`);
    got.forEach((g, i) => {
      const err = relativeError(g, (reference.get(c) as Float32Array[])[i] as Float32Array);
      assert.ok(err <= TOLERANCE, `${c.name}, output ${i}: relative error ${err.toExponential(2)}`);
    });
  }
}

// ---- cases ------------------------------------------------------------------------------------

const matMulCases: Case[] = [];
for (const [m, k, n] of [[5, 7, 3], [33, 65, 17]] as const)
  for (const transposeA of [false, true])
    for (const transposeB of [false, true]) {
      const shapeA = transposeA ? [k, m] : [m, k];
      const shapeB = transposeB ? [n, k] : [k, n];
      const mm = ([a, b]: tf.Tensor[]) => tf.matMul(a as tf.Tensor, b as tf.Tensor, transposeA, transposeB);
      const t = `${transposeA ? 'ᵀ' : ''}·b${transposeB ? 'ᵀ' : ''}`;
      // tfjs 4.22 cannot differentiate an operand broadcast over the other's batch (no reduction in the grad).
      const batches: [number[], number[], number[]][] = [
        [[], [], [0, 1]], [[3], [], [0]], [[2, 3], [], [0]], [[3], [3], [0, 1]], [[], [3], []], [[2, 3], [3], [0]], [[1], [4], []],
      ];
      for (const [batchA, batchB, grads] of batches)
        matMulCases.push({
          name: `matMul a[${batchA}|${shapeA}]${t}[${batchB}|${shapeB}]`,
          inputs: inputs([...batchA, ...shapeA], [...batchB, ...shapeB]),
          run: mm,
          grads,
          blas: true,
        });
    }

const fusedCases: Case[] = [];
const [m, k, n] = [6, 10, 4];
for (const transposeA of [false, true])
  for (const transposeB of [false, true])
    for (const [batchA, batchB] of [[[], []], [[3], []], [[3], [3]]] as [number[], number[]][])
      for (const activation of ['linear', 'relu', 'elu'] as const)
        for (const biasShape of [null, [n], [1], [1, n]])
          fusedCases.push({
            name: `fused.matMul ${activation}, bias ${biasShape ?? 'none'}, a[${batchA}]${transposeA ? 'ᵀ' : ''} b[${batchB}]${transposeB ? 'ᵀ' : ''}`,
            inputs: inputs(
              [...batchA, ...(transposeA ? [k, m] : [m, k])],
              [...batchB, ...(transposeB ? [n, k] : [k, n])],
              ...(biasShape ? [biasShape] : []),
            ),
            run: ([a, b, bias]) =>
              tf.fused.matMul({ a: a as tf.Tensor, b: b as tf.Tensor, transposeA, transposeB, bias, activation }),
            grads: [],
            blas: activation !== 'elu',
          });
// Inside tf.grads tfjs fuses only 'linear': the fused gradient there is to check.
fusedCases.push({
  name: 'fused.matMul transposed, batched, with bias: gradients',
  inputs: inputs([3, 10, 6], [4, 10], [4]),
  run: ([a, b, bias]) => tf.fused.matMul({ a: a as tf.Tensor, b: b as tf.Tensor, transposeA: true, transposeB: true, bias }),
  grads: [0, 2],
  blas: true,
});

// The conv weight gradient's im2col product (patches/conv2dBackpropFilter.ts) runs on OpenBLAS too.
const convCases: Case[] = ([
  [[4, 9, 8, 3], [3, 3, 3, 5], 2, [[0, 0], [1, 1], [1, 1], [0, 0]]],
  [[2, 7, 7, 4], [3, 3, 4, 6], 1, 'same'],
  [[3, 11, 9, 2], [3, 3, 2, 4], 2, 'valid'],
] as const).map(([x, w, stride, pad]) => ({
  name: `conv2d ${w.slice(0, 2).join('×')} stride ${stride} pad ${JSON.stringify(pad)}, ${w[2]}→${w[3]}: gradients`,
  inputs: inputs([...x], [...w]),
  run: ([a, b]: tf.Tensor[]) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad as tf.Conv2DAttrs['pad']),
  grads: [0, 1],
  blas: true,
}));

const reference = new Map<Case, Float32Array[]>();

before(async () => {
  tf.env().set('IS_TEST', true); // silences the cpu backend's "install tfjs-node" banner
  await tf.setBackend('cpu');
  for (const c of [...matMulCases, ...fusedCases, ...convCases]) reference.set(c, evaluate(c));
  tf.env().set('IS_TEST', false);
});

// ---- with the addon ---------------------------------------------------------------------------

test('OpenBLAS BatchMatMul matches stock cpu: transposes, batches, broadcasting, gradients', needsAddon, async () => {
  const info = await initBackend('wasm', undefined, { blas: 'on' });
  assert.equal(info.accelerator.name, 'openblas');
  assert.match(info.reason, /^wasm requested; using wasm \(SIMD, 1 thread\); matmuls on OpenBLAS \S+ \(\w+, \d+ threads?\)$/);
  assertMatchesReference(matMulCases, true);
});

test('OpenBLAS _FusedMatMul matches stock cpu: bias none/[n]/[1]/[1,n], linear and relu (elu via the patches)', needsAddon, async () => {
  await initBackend('wasm', undefined, { blas: 'on' });
  assertMatchesReference(fusedCases, true);
});

test('conv gradients with the im2col weight gradient on OpenBLAS match stock cpu', needsAddon, async () => {
  await initBackend('wasm', undefined, { blas: 'on' });
  assertMatchesReference(convCases, true);
});

test('switched off, the matmuls run on the patched wasm kernels and OpenBLAS is not called', needsAddon, async () => {
  const info = await initBackend('wasm', undefined, { blas: 'off' });
  assert.equal(info.accelerator.name, 'none');
  assert.match(info.reason, /; BLAS accelerator off \(IMLP_BLAS=0\)$/);
  assertMatchesReference([...matMulCases.slice(0, 7), ...fusedCases.slice(0, 12)], false);
});

/** Five Adam steps of a small MLP (fused dense layer, matMul, relu); the losses and final weights. */
function trainMlp(): { losses: number[]; weights: Float32Array; counts: number[][] } {
  const x = tf.tensor2d(randn(32 * 48, 11), [32, 48]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 10), 'int32'), 10);
  const v = (shape: number[], s: number) => tf.variable(tf.tensor(randn(shape[0]! * shape[1]!, s), shape).mul(0.2));
  const w1 = v([48, 64], 12);
  const b1 = tf.variable(tf.zeros([64]));
  const w2 = v([64, 10], 13);
  const optimizer = tf.train.adam(0.01);
  const loss = () => {
    const h = tf.fused.matMul({ a: x, b: w1 as tf.Tensor2D, bias: b1, activation: 'relu' });
    return tf.losses.softmaxCrossEntropy(labels, tf.matMul(h, w2 as tf.Tensor2D)) as tf.Scalar;
  };
  const losses: number[] = [];
  const counts: number[][] = [];
  for (let i = 0; i < 5; i++) {
    const cost = optimizer.minimize(loss, true) as tf.Scalar;
    losses.push(cost.dataSync()[0] as number);
    cost.dispose();
    counts.push([tf.memory().numTensors, tf.backend().numDataIds()]);
  }
  const weights = w1.dataSync() as Float32Array;
  tf.dispose([x, labels, w1, b1, w2]);
  optimizer.dispose();
  return { losses, weights, counts };
}

test('training steps give the same losses and weights with and without OpenBLAS, and leak nothing', needsAddon, async () => {
  await initBackend('wasm', undefined, { blas: 'off' });
  const plain = trainMlp();
  await initBackend('wasm', undefined, { blas: 'on' });
  const calls = gemmCalls;
  const blas = trainMlp();
  assert.ok(gemmCalls - calls >= 5 * 3, 'forward and backward products ran on OpenBLAS');
  // After the first step (which creates Adam's moments) the counts stay constant.
  for (const c of blas.counts.slice(2)) assert.deepEqual(c, blas.counts[1]);
  blas.losses.forEach((l, i) => assert.ok(Math.abs(l - plain.losses[i]!) <= 1e-4 * Math.abs(plain.losses[i]!), `step ${i}: loss ${l} vs ${plain.losses[i]}`));
  assert.ok(blas.losses.at(-1)! < blas.losses[0]!, 'the loss falls');
  const err = relativeError(blas.weights, plain.weights);
  assert.ok(err <= 1e-4, `weights after 5 steps: relative error ${err.toExponential(2)}`);
});

test("OPENBLAS_CORETYPE set by the main thread reaches a worker's OpenBLAS; set in the worker it does not", { skip: needsAddon.skip ?? (recommendedCoreType() ? false : 'no core type to force on this CPU') }, () => {
  // Child processes, as OpenBLAS reads the variable once per process. Worker: load the addon, report its core.
  const inWorker = `process.env.OPENBLAS_CORETYPE = ${JSON.stringify(recommendedCoreType())};
    require('node:worker_threads').parentPort.postMessage(require(${JSON.stringify(ADDON)}).info().coreName);`;
  const worker = `new (require('node:worker_threads').Worker)(${JSON.stringify(inWorker)}, { eval: true }).on('message', (m) => console.log(m));`;
  const core = (main: string) => {
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', main + worker], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const detected = (() => {
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    return spawnSync(process.execPath, ['-e', `console.log(require(${JSON.stringify(ADDON)}).info().coreName)`], { encoding: 'utf8', env }).stdout.trim();
  })();
  assert.equal(core(`require(${JSON.stringify(join(__dirname, '../../src/core/backend/openblasEnv.ts'))}).prepareOpenBlasEnv();`), recommendedCoreType());
  assert.equal(core(''), detected);
});

test('before workers start, runs get one OpenBLAS thread each, also when the user asked for more (said)', () => {
  // A fresh process per case: prepareOpenBlasEnv writes the real environment.
  const threads = (preset?: string) => {
    const env: NodeJS.ProcessEnv = { ...process.env, IMLP_BLAS_ADDON: __filename };
    delete env.OPENBLAS_NUM_THREADS;
    delete env.IMLP_BLAS;
    if (preset !== undefined) env.OPENBLAS_NUM_THREADS = preset;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e',
      `const note = require(${JSON.stringify(join(__dirname, '../../src/core/backend/openblasEnv.ts'))}).prepareOpenBlasEnv(); console.log(process.env.OPENBLAS_NUM_THREADS ?? 'unset', note ?? '')`], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  assert.equal(threads(), '1');
  assert.equal(threads('1'), '1');
  assert.match(threads('3'), /^1 OPENBLAS_NUM_THREADS=3 is not used for training in worker threads: they share one OpenBLAS pool, which hangs with more than one thread; each runs on 1$/);
});

test('a run in the launching thread (imlp run) also gets one OpenBLAS thread: results must not depend on where a run trains', needsAddon, () => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.OPENBLAS_NUM_THREADS;
  delete env.IMLP_BLAS;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e',
    `require(${JSON.stringify(join(__dirname, '../../src/core/backend'))}).initBackend('wasm').then((i) => console.log(i.accelerator.detail))`], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^matmuls on OpenBLAS \S+ \(\w+, 1 thread\)$/m);
});

// ---- without it (always run) ------------------------------------------------------------------

test('with the addon missing, wasm still works and the reason says so', async () => {
  const missing = join(tmpdir(), 'no-such-dir', 'imlp_blas.node');
  const logged: string[] = [];
  const info = await initBackend('wasm', (msg) => logged.push(msg), { blas: 'auto', blasAddon: missing });
  assert.equal(info.name, 'wasm');
  assert.equal(info.accelerator.name, 'none');
  assert.equal(info.reason, `wasm requested; using wasm (SIMD, 1 thread); no BLAS accelerator: ${missing} does not exist`);
  assert.deepEqual(logged, [info.reason]);
  assertMatchesReference([...matMulCases.slice(0, 7), ...fusedCases.slice(0, 12)], false);
});

test('a broken addon file is reported and not used; IMLP_BLAS=1 then rejects', async () => {
  const broken = join(mkdtempSync(join(tmpdir(), 'imlp-blas-')), 'imlp_blas.node');
  writeFileSync(broken, 'not a shared object');
  const info = await initBackend('wasm', undefined, { blas: 'auto', blasAddon: broken });
  assert.equal(info.accelerator.name, 'none');
  assert.match(info.reason, /; no BLAS accelerator: .*imlp_blas\.node failed to load \(.+\)$/);
  await assert.rejects(initBackend('wasm', undefined, { blas: 'on', blasAddon: broken }), /IMLP_BLAS=1 but the OpenBLAS addon is unusable: .*failed to load/);
  const off = await initBackend('wasm', undefined, { blas: 'off', blasAddon: broken });
  assert.match(off.reason, /; BLAS accelerator off \(IMLP_BLAS=0\)$/);
});

test('IMLP_BLAS takes 1, 0 or auto; OPENBLAS_CORETYPE follows the CPU flags', () => {
  assert.equal(blasMode({}), 'auto');
  assert.equal(blasMode({ IMLP_BLAS: 'auto' }), 'auto');
  assert.equal(blasMode({ IMLP_BLAS: '1' }), 'on');
  assert.equal(blasMode({ IMLP_BLAS: ' 0 ' }), 'off');
  assert.throws(() => blasMode({ IMLP_BLAS: 'yes' }), /IMLP_BLAS must be 1, 0 or auto, not "yes"/);
  const cpu = (flags: string) => `processor\t: 0\nflags\t\t: fpu sse2 ${flags}\n`;
  assert.equal(coreTypeFor(cpu('avx2 fma avx512f avx512cd avx512bw avx512dq avx512vl')), 'SkylakeX');
  assert.equal(coreTypeFor(cpu('avx2 fma avx512f')), 'Haswell'); // AVX-512 F alone (Xeon Phi) lacks SkylakeX's set
  assert.equal(coreTypeFor(cpu('avx')), undefined);
  assert.equal(coreTypeFor('Processor\t: AArch64\nFeatures\t: fp asimd\n'), undefined);
});

test('doctor reports the backends, the accelerator and a matmul speed', async () => {
  const d = await diagnose(64, 1);
  assert.equal(d.tfjs, '4.22.0');
  assert.equal(d.backends.wasm.available, true);
  assert.equal(d.backends.cpu.available, true);
  assert.equal(d.accelerator.name, built && blasMode() !== 'off' ? 'openblas' : 'none');
  assert.ok(d.matmul.wasm > 0);
  assert.equal(d.matmul.blas === null, d.accelerator.name === 'none');
  assert.equal(tf.getBackend(), 'wasm');
});
