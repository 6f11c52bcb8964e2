// The wasm kernel patches (and the cpu conv patch) against the stock tfjs cpu kernels, values and
// gradients on seeded random data; training steps free every intermediate; backend selection.
//
// Tolerance: an output matches when max|got − want| / max|want| ≤ 1e-4 (relative to the reference's
// largest magnitude, so that elements near zero do not dominate). float32 sums in another order
// differ by ~1e-6 of that; a wrong index or a missing term differs by far more.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { evaluate, inputs, type KernelCase as Case, randn, relativeError } from './kernelCheck';

// The patches themselves, not the optional OpenBLAS kernels in front of them (backend-blas.test.ts).
process.env.IMLP_BLAS = '0';

const TOLERANCE = 1e-4;

/** Runs every case on the active backend and compares with the stock-cpu reference; no data may leak. */
function assertMatchesReference(cases: Case[]): void {
  for (const c of cases) {
    const dataIds = tf.backend().numDataIds();
    const got = evaluate(c);
    assert.equal(tf.backend().numDataIds(), dataIds, `${c.name}: kernel intermediates leaked`);
    const want = reference.get(c) as Float32Array[];
    got.forEach((g, i) => {
      const err = relativeError(g, want[i] as Float32Array);
      assert.ok(err <= TOLERANCE, `${c.name}, output ${i}: relative error ${err.toExponential(2)}`);
    });
  }
}

// ---- cases ------------------------------------------------------------------------------------

const convCases: Case[] = [];
{
  const pads: tf.Conv2DAttrs['pad'][] = [
    'same',
    'valid',
    1,
    [[0, 0], [2, 0], [1, 2], [0, 0]],
  ];
  // Every stride × padding × kernel; input channels × batch cycle so that each pair meets each stride,
  // output channels vary over 1..8. H ≠ W and odd H exercise the crops of the patches.
  const channelsAndBatch = [1, 3, 8].flatMap((c) => [1, 4].map((n) => [c, n] as const));
  let i = 0;
  for (const stride of [1, 2])
    for (const pad of pads)
      for (const k of [1, 3, 5]) {
        const [ci, n] = channelsAndBatch[i++ % channelsAndBatch.length] as readonly [number, number];
        const co = 1 + ((i * 5) % 8);
        convCases.push({
          name: `conv2d k${k} s${stride} pad ${JSON.stringify(pad)} ${ci}→${co} ch, batch ${n}`,
          inputs: inputs([n, 9, 8, ci], [k, k, ci, co]),
          run: ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad),
          grads: [0, 1],
        });
      }
}

const maxPoolCases: Case[] = [
  ...[
    { window: [2, 2], shape: [4, 8, 6, 3] },
    { window: [3, 3], shape: [1, 9, 9, 8] },
    { window: [2, 3], shape: [4, 8, 9, 1] },
  ].map(({ window, shape }) => ({
    name: `maxPool ${window} tiling ${shape}`,
    inputs: inputs(shape),
    run: ([x]: tf.Tensor[]) => tf.maxPool(x as tf.Tensor4D, window as [number, number], window as [number, number], 'valid'),
    grads: [0],
  })),
  // Overlapping or padded pools keep the stock kernel, which is right for non-negative windows.
  ...[
    { window: 3, stride: 2, pad: 'same' as const },
    { window: 2, stride: 2, pad: 'same' as const },
  ].map(({ window, stride, pad }) => ({
    name: `maxPool ${window}/${stride} ${pad} (stock kernel)`,
    inputs: inputs([2, 9, 9, 3]),
    run: ([x]: tf.Tensor[]) => tf.maxPool((x as tf.Tensor4D).abs(), window, stride, pad),
    grads: [0],
  })),
];

const matMulCases: Case[] = [];
for (const [m, k, n] of [
  [5, 7, 3],
  [33, 65, 17],
] as const)
  for (const transposeA of [false, true])
    for (const transposeB of [false, true]) {
      const shapeA = transposeA ? [k, m] : [m, k];
      const shapeB = transposeB ? [n, k] : [k, n];
      // tfjs 4.22 cannot differentiate b when only a is batched (no broadcast reduction in the grad).
      for (const batch of [[], [3], [2, 3]])
        matMulCases.push({
          name: `matMul a${[...batch, ...shapeA]}${transposeA ? 'ᵀ' : ''} b${shapeB}${transposeB ? 'ᵀ' : ''}`,
          inputs: inputs([...batch, ...shapeA], shapeB),
          run: ([a, b]) => tf.matMul(a as tf.Tensor, b as tf.Tensor, transposeA, transposeB),
          grads: batch.length === 0 ? [0, 1] : [0],
        });
      matMulCases.push({
        name: `matMul batched a and b ${transposeA} ${transposeB} (stock kernel)`,
        inputs: inputs([3, ...shapeA], [3, ...shapeB]),
        run: ([a, b]) => tf.matMul(a as tf.Tensor, b as tf.Tensor, transposeA, transposeB),
        grads: [0, 1],
      });
    }

const activations = ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'prelu', 'sigmoid'] as const;
const fusedCases: Case[] = [];
for (const transposeA of [false, true])
  for (const transposeB of [false, true])
    for (const batch of [[], [3]])
      for (const activation of activations) {
        const [m, k, n] = [6, 10, 4];
        fusedCases.push({
          name: `fused.matMul ${activation} batch ${batch} ${transposeA} ${transposeB}`,
          inputs: inputs([...batch, ...(transposeA ? [k, m] : [m, k])], transposeB ? [n, k] : [k, n], [n], [n]),
          run: ([a, b, bias, alpha]) =>
            tf.fused.matMul({
              a: a as tf.Tensor,
              b: b as tf.Tensor,
              transposeA,
              transposeB,
              bias: bias as tf.Tensor,
              activation,
              preluActivationWeights: activation === 'prelu' ? (alpha as tf.Tensor) : undefined,
              leakyreluAlpha: 0.1,
            }),
          grads: [],
        });
      }
// Inside tf.grads tfjs fuses only 'linear', so that is the fused gradient there is to check.
fusedCases.push({
  name: 'fused.matMul transposed, batched, with bias: gradients',
  inputs: inputs([3, 10, 6], [4, 10], [4]),
  run: ([a, b, bias]) =>
    tf.fused.matMul({ a: a as tf.Tensor, b: b as tf.Tensor, transposeA: true, transposeB: true, bias }),
  grads: [0, 2],
});
// Neither a [1] bias nor a batched b can take XNNPACK's fused path: computed unfused.
for (const activation of activations)
  fusedCases.push(
    {
      name: `fused.matMul ${activation} with a [1] bias`,
      inputs: inputs([6, 10], [4, 10], [1], [4]),
      run: ([a, b, bias, alpha]) =>
        tf.fused.matMul({ a: a as tf.Tensor, b: b as tf.Tensor, transposeB: true, bias, activation, preluActivationWeights: alpha }),
      grads: [],
    },
    {
      name: `fused.matMul ${activation} batched b with bias`,
      inputs: inputs([3, 6, 10], [3, 10, 4], [4], [4]),
      run: ([a, b, bias, alpha]) =>
        tf.fused.matMul({ a: a as tf.Tensor, b: b as tf.Tensor, bias, activation, preluActivationWeights: alpha, leakyreluAlpha: 0.1 }),
      grads: [],
    },
  );

const reference = new Map<Case, Float32Array[]>();

before(async () => {
  // The reference is the stock cpu backend, before initBackend('cpu') patches its conv weight gradient.
  tf.env().set('IS_TEST', true); // silences the cpu backend's "install tfjs-node" banner
  await tf.setBackend('cpu');
  for (const c of [...convCases, ...maxPoolCases, ...matMulCases, ...fusedCases]) reference.set(c, evaluate(c));
  tf.env().set('IS_TEST', false);
});

// ---- patched kernels --------------------------------------------------------------------------

test('wasm Conv2DBackpropFilter and Conv2DBackpropInput match stock cpu', async () => {
  await initBackend('wasm');
  assertMatchesReference(convCases);
});

test('wasm MaxPoolGrad matches stock cpu and routes all-negative windows to the maximum', async () => {
  await initBackend('wasm');
  assertMatchesReference(maxPoolCases);
  const x = tf.tensor4d([-4, -3, -1, -2], [1, 2, 2, 1]);
  const dx = tf.grad((v) => tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid').sum())(x);
  assert.deepEqual(Array.from(dx.dataSync()), [0, 0, 1, 0]);
  tf.dispose([x, dx]);
});

test('wasm BatchMatMul matches stock cpu for every transpose and batching', async () => {
  await initBackend('wasm');
  assertMatchesReference(matMulCases);
});

test('wasm _FusedMatMul matches stock cpu with bias and every activation', async () => {
  await initBackend('wasm');
  assertMatchesReference(fusedCases);
});

test('cpu Conv2DBackpropFilter patch matches the stock cpu kernel', async () => {
  const info = await initBackend('cpu');
  assert.deepEqual(info.patches, ['Conv2DBackpropFilter']);
  assertMatchesReference(convCases);
});

// ---- training without leaks -------------------------------------------------------------------

test('training steps on wasm keep tensor and wasm buffer counts constant', async () => {
  await initBackend('wasm');
  const x = tf.tensor4d(randn(8 * 12 * 12 * 1, 5), [8, 12, 12, 1]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
  const v = (shape: number[], s: number) => tf.variable(tf.tensor(randn(shape.reduce((a, b) => a * b, 1), s), shape).mul(0.3));
  const w1 = v([3, 3, 1, 4], 6) as tf.Variable<tf.Rank.R4>;
  const b1 = tf.variable(tf.zeros([4]));
  const w2 = v([3, 3, 4, 6], 7) as tf.Variable<tf.Rank.R4>;
  const wd = v([3 * 3 * 6, 3], 8);
  const bd = tf.variable(tf.zeros([3]));
  const optimizer = tf.train.adam(0.01);
  const loss = () => {
    const h1 = tf.maxPool(tf.conv2d(x, w1, 1, 'same').add(b1).relu() as tf.Tensor4D, 2, 2, 'valid');
    const h2 = tf.conv2d(h1, w2, 2, 'same').relu();
    const logits = tf.fused.matMul({ a: h2.reshape([8, -1]), b: wd, bias: bd });
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  };
  const step = () => {
    const cost = optimizer.minimize(loss, true) as tf.Scalar;
    const value = cost.dataSync()[0] as number;
    cost.dispose();
    return value;
  };
  const first = step(); // creates Adam's moment variables
  const counts = () => [tf.memory().numTensors, tf.backend().numDataIds()];
  const before = counts();
  let last = first;
  for (let i = 0; i < 4; i++) last = step();
  assert.deepEqual(counts(), before);
  assert.ok(Number.isFinite(last) && last < first, `loss ${first} → ${last}`);
  tf.dispose([x, labels, w1, b1, w2, wd, bd]);
  optimizer.dispose();
});

test('wasm Identity shares the buffer (as cpu does) instead of copying, and the values outlive the original', async () => {
  await initBackend('wasm');
  const x = tf.tensor2d([[1, -2, 3], [4, 5, -6]]);
  const ids = tf.backend().numDataIds();
  const y = tf.clone(x);
  assert.equal(tf.backend().numDataIds(), ids, 'no new buffer');
  assert.equal((tf.backend() as unknown as { refCount(id: object): number }).refCount(x.dataId), 2);
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, -2, 3, 4, 5, -6]);
  assert.deepEqual(y.shape, [2, 3]);
  y.dispose();
  assert.equal(tf.backend().numDataIds(), ids - 1, 'freed with its last tensor');
});

// ---- backend selection --------------------------------------------------------------------------

const tfjsNodeInstalled = (() => {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

test('auto picks wasm when tfjs-node is absent and says why', { skip: tfjsNodeInstalled }, async () => {
  const logged: string[] = [];
  const info = await initBackend('auto', (m) => logged.push(m));
  assert.equal(info.name, 'wasm');
  assert.equal(info.requested, 'auto');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(info.reason, /^auto: @tensorflow\/tfjs-node not installed; using wasm \(SIMD, 1 thread\); BLAS accelerator off \(IMLP_BLAS=0\)$/);
  assert.deepEqual(logged, [info.reason]);
  assert.equal(info.tfjsVersion, '4.22.0');
  assert.deepEqual(info.patches, ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'BatchMatMul', '_FusedMatMul', 'Identity']);
});

test('requesting tensorflow without tfjs-node rejects with how to install it', { skip: tfjsNodeInstalled }, async () => {
  await assert.rejects(initBackend('tensorflow'), /npm i @tensorflow\/tfjs-node.*"wasm"/s);
});

test('initialising again registers no patch twice', async () => {
  await initBackend('wasm');
  const patched = tf.getKernel('BatchMatMul', 'wasm').kernelFunc;
  await initBackend('cpu');
  await initBackend('wasm');
  assert.equal(tf.getKernel('BatchMatMul', 'wasm').kernelFunc, patched);
  assert.equal(tf.getBackend(), 'wasm');
});
