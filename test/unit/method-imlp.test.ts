// The Interpolated MLP against the spec's checks 3–5 (spec/imlp-method.md §7) on real tensors, on the
// default wasm backend and on the cpu reference; plus exclusions, schedules, the memory guard and leaks.
//
// Tolerances. Check 3 compares M (dense matrices, mostly zeros) with P (conv, pooling, Mixer) in
// float32: they differ only by summation order, so max |error| ≤ 1e-5 · max(1, max |logit|). Check 4 is
// bitwise. Check 5: norms are taken in float64 from float32 values; each sync rounds once per entry.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { type BackendName, initBackend } from '../../src/core/backend';
import type { LayerSpec, OptimizerConfig } from '../../src/core/experiment/types';
import { LayerError } from '../../src/core/models/layers';
import { type Network, buildNetwork, resolveLayers } from '../../src/core/models/network';
import { presetLayers } from '../../src/core/models/presets';
import { mulberry32 } from '../../src/core/random';
import { crossEntropy } from '../../src/core/train/loss';
import { type Optimizer, makeOptimizer } from '../../src/core/train/optimizer';
import { InterpolatedMLP, type Targets } from '../../src/core/method/imlp';
import { MemoryBudgetError, checkMemory, estimateMemory, memoryBudget, parseBytes } from '../../src/core/method/memory';
import { MirrorError, buildMirror, mirrorFlops } from '../../src/core/method/mirror';
import { alphaAt, cumulativePull } from '../../src/core/method/schedule';

const BACKENDS: BackendName[] = ['wasm', 'cpu'];
const CHECK3_TOL = 1e-5;
const ADAM: OptimizerConfig = { name: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
const ALL = { biases: true, exclude: [] } as const;

before(async () => { await initBackend('wasm'); });

const rng = mulberry32(77);
const uniform = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng());
const images = (b: number, shape: number[]) => tf.tensor4d(uniform(b * shape[0]! * shape[1]! * shape[2]!), [b, ...shape] as [number, number, number, number]);
const labels = (b: number, classes: number) => tf.tensor1d(Array.from({ length: b }, (_, i) => i % classes), 'int32');

/** A Mixer prior small enough for many steps on the cpu backend (patch 7 on 14×14: 4 tokens). */
const TINY_MIXER: LayerSpec[] = [
  { type: 'mixer', patch: 7, channels: 8, tokenHidden: 6, channelHidden: 12, blocks: 2 },
  { type: 'layernorm' }, { type: 'globalavgpool' }, { type: 'dense', units: 10, bias: true },
];

/** A prior (preset name or layers) with seeded weights and random LayerNorm γ, β (so their targets are not the trivial 1, 0). */
function randomPrior(layers: string | LayerSpec[], input: number[], seed: number): Network {
  const specs = typeof layers === 'string' ? presetLayers(layers)! : layers;
  const prior = buildNetwork(resolveLayers(specs, input, 10, 'prior.layers'), seed);
  prior.params.forEach((v, name) => {
    if (name.endsWith('.gamma')) v.assign(tf.tensor(uniform(v.size, 0.5, 1.5), v.shape));
    if (name.endsWith('.beta')) v.assign(tf.tensor(uniform(v.size, -0.5, 0.5), v.shape));
  });
  return prior;
}

/** max |a − b| / max(1, max |b|). */
function relError(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  assert.equal(x.length, y.length);
  let err = 0;
  let scale = 1;
  for (let i = 0; i < x.length; i++) {
    err = Math.max(err, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return err / scale;
}

const bits = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer.slice(0));

async function onBackends(fn: (backend: BackendName) => void): Promise<void> {
  try {
    for (const b of BACKENDS) {
      await initBackend(b);
      fn(b);
    }
  } finally {
    await initBackend('wasm');
  }
}

function disposeTargets(t: Targets): void {
  t.forEach((v) => v.dispose());
}

test('the mirror: one dense layer per linear segment, named after the prior parameters it comes from', () => {
  const shapes = (preset: string, input: number[]) => {
    const m = buildMirror(resolveLayers(presetLayers(preset)!, input, 10, 'prior.layers'));
    return Object.fromEntries(m.params.map((p) => [p.name, p.shape]));
  };
  assert.deepEqual(shapes('cnn-small', [28, 28, 1]), {
    '0.w': [784, 14 * 14 * 16], '0.b': [14 * 14 * 16], '2.w': [14 * 14 * 16, 7 * 7 * 32], '2.b': [7 * 7 * 32], '5.w': [7 * 7 * 32, 10], '5.b': [10],
  });
  // Global average pooling and the head are one linear segment, hence one dense layer.
  assert.deepEqual(shapes('cnn-gap', [28, 28, 1])['6+7.w'], [4 * 4 * 64, 10]);
  const mixer = shapes('mixer-small', [28, 28, 1]);
  assert.deepEqual(Object.keys(mixer), [
    '0.embed.w', '0.embed.b', '0.block0.ln1.gamma', '0.block0.ln1.beta', '0.block0.token1.w', '0.block0.token1.b',
    '0.block0.token2.w', '0.block0.token2.b', '0.block0.ln2.gamma', '0.block0.ln2.beta', '0.block0.channel1.w', '0.block0.channel1.b',
    '0.block0.channel2.w', '0.block0.channel2.b', '1.gamma', '1.beta', '2+3.w', '2+3.b',
  ]);
  assert.deepEqual(mixer['0.block0.token1.w'], [16 * 32, 64 * 32]);
  assert.deepEqual(mixer['0.block0.channel1.w'], [16 * 32, 16 * 64]);
  const m = buildMirror(resolveLayers(presetLayers('cnn-tiny')!, [28, 28, 1], 10, 'prior.layers'));
  assert.equal(mirrorFlops(m), 2 * (784 * 1568 + 1568 * 784 + 784 * 10));
  assert.deepEqual([m.first, m.head], ['0', '5']);

  const withPool = (l: LayerSpec) => resolveLayers([{ type: 'conv', filters: 4, kernel: 3, stride: 1, padding: 1, bias: true }, l, { type: 'flatten' }, { type: 'dense', units: 10, bias: true }], [8, 8, 1], 10, 'prior.layers');
  assert.throws(() => buildMirror(withPool({ type: 'maxpool', size: 2, stride: 2 })), (e: Error) =>
    e instanceof MirrorError && /prior\.layers\[1\]: maxpool has no dense form.*avgpool/.test(e.message));
  assert.throws(() => withPool({ type: 'batchnorm' }), (e: Error) => e instanceof LayerError && /prior\.layers\[1\]: batchnorm/.test(e.message));
  // conv → avgpool → flatten → dense with no nonlinearity is a single dense layer of M.
  assert.deepEqual(buildMirror(withPool({ type: 'avgpool', size: 2, stride: 2 })).params.map((p) => [p.name, p.shape]), [['0+1+3.w', [64, 10]], ['0+1+3.b', [10]]]);
});

test('check 3: at α = 1 M computes P (forward form, and applyPlain after sync(1))', async (t) => {
  // Every preset on wasm; on cpu (JS kernels, ~30× slower) the small ones: the dense forms are the same JS.
  const cases: Record<BackendName, [string, number[]][]> = {
    wasm: [['cnn-tiny', [28, 28, 1]], ['cnn-small', [28, 28, 1]], ['cnn-gap', [28, 28, 1]], ['mixer-small', [28, 28, 1]], ['cnn-small', [32, 32, 3]], ['mixer-small-32', [32, 32, 3]]],
    cpu: [['cnn-tiny', [28, 28, 1]], ['mixer-small', [28, 28, 1]]],
    tensorflow: [],
  };
  // A prior whose linear segments compose several maps (conv → avgpool → conv, then gap → head).
  const composed: LayerSpec[] = [
    { type: 'conv', filters: 6, kernel: 3, stride: 1, padding: 1, bias: true }, { type: 'avgpool', size: 2, stride: 2 },
    { type: 'conv', filters: 8, kernel: 3, stride: 2, padding: 0, bias: false }, { type: 'gelu' }, { type: 'layernorm' },
    { type: 'globalavgpool' }, { type: 'dense', units: 10, bias: true },
  ];
  await onBackends((backend) => {
    const errors: string[] = [];
    const check = (name: string, prior: Network, input: number[]) => {
      const m = new InterpolatedMLP(prior.layers, 5, ALL);
      const x = images(4, input);
      const p = prior.apply(x);
      const T = m.targets(prior.params);
      const forward = m.apply(x, 1, T);
      const eForward = relError(forward, p);
      m.sync(1, T);
      const plain = m.applyPlain(x);
      const eSync = relError(plain, p);
      assert.ok(eForward <= CHECK3_TOL && eSync <= CHECK3_TOL, `${backend} ${name}: forward ${eForward}, after sync ${eSync}`);
      // After sync(1), W = 0·W + 1·T = T exactly, so both forms compute the same numbers.
      assert.ok(bits(plain).equals(bits(forward)), `${backend} ${name}: sync(1) then plain differs from forward at α = 1`);
      errors.push(`${name} ${input.join('×')} ${Math.max(eForward, eSync).toExponential(1)}`);
      tf.dispose([x, p, forward, plain]);
      disposeTargets(T);
      m.dispose();
      prior.dispose();
    };
    for (const [preset, input] of cases[backend]) check(preset, randomPrior(preset, input, 11), input);
    check('tiny mixer (2 blocks)', randomPrior(TINY_MIXER, [14, 14, 1], 12), [14, 14, 1]);
    check('composed', buildNetwork(resolveLayers(composed, [12, 12, 2], 10, 'prior.layers'), 3), [12, 12, 2]);
    t.diagnostic(`${backend}: max |M − P| / scale: ${errors.join(', ')}`);
  });
});

test('check 4: at α = 0 training M is bit-identical to training the plain MLP (forward and sync forms)', async (t) => {
  await onBackends((backend) => {
    const priors: [string, string | LayerSpec[], number[]][] = [['tiny mixer', TINY_MIXER, [14, 14, 1]]];
    if (backend === 'wasm') priors.push(['cnn-tiny', 'cnn-tiny', [28, 28, 1]], ['mixer-small', 'mixer-small', [28, 28, 1]]);
    for (const [preset, layers, input] of priors) {
      const prior = randomPrior(layers, input, 2);
      // a: forward form at α = 0; b: the plain MLP, with a sync at α = 0 after every step.
      const [a, b] = [new InterpolatedMLP(prior.layers, 9, ALL), new InterpolatedMLP(prior.layers, 9, ALL)];
      const T = a.targets(prior.params);
      const [optA, optB] = [makeOptimizer(ADAM), makeOptimizer(ADAM)];
      const step = (net: InterpolatedMLP, opt: Optimizer, f: (x: tf.Tensor) => tf.Tensor2D, x: tf.Tensor, y: tf.Tensor1D) => tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => crossEntropy(f(x), y), Array.from(net.params.values()));
        opt.step(net.params, grads);
        return bits(value);
      });
      const snapshot = (net: InterpolatedMLP) => Buffer.concat(Array.from(net.params.values(), bits));
      for (let s = 0; s < 3; s++) {
        const x = images(8, input);
        const y = labels(8, 10);
        const la = step(a, optA, (v) => a.apply(v, 0, T), x, y);
        const lb = step(b, optB, (v) => b.applyPlain(v), x, y);
        assert.ok(la.equals(lb), `${backend} ${preset}: losses differ at step ${s}`);
        assert.ok(snapshot(a).equals(snapshot(b)), `${backend} ${preset}: the forward form at α = 0 changed the weights at step ${s}`);
        const beforeSync = snapshot(b);
        b.sync(0, T);
        assert.ok(snapshot(b).equals(beforeSync), `${backend} ${preset}: sync(0) changed the weights`);
        tf.dispose([x, y]);
      }
      disposeTargets(T);
      [optA, optB].forEach((o) => o.dispose());
      [a, b, prior].forEach((n) => n.dispose());
    }
    t.diagnostic(`${backend}: 3 Adam steps, ${priors.map((p) => p[0]).join(', ')}: losses and weights bit-identical`);
  });
});

/** ‖a − b‖₂ in float64. */
function distance(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - y[i]!) ** 2;
  return Math.sqrt(s);
}

test('check 5: K syncs contract ‖W − T‖ by (1 − α)^K; the forward form passes (1 − α)·∂L/∂W_eff to W', async (t) => {
  await onBackends((backend) => {
    const prior = randomPrior('mixer-small', [28, 28, 1], 4);
    const [alpha, k] = [0.3, 6];

    const m = new InterpolatedMLP(prior.layers, 8, ALL);
    const T = m.targets(prior.params);
    const d0 = new Map(Array.from(m.params, ([n, w]) => [n, distance(w, T.get(n)!)]));
    for (let i = 0; i < k; i++) m.sync(alpha, T);
    let worstSync = 0;
    for (const [n, w] of m.params) {
      const rel = Math.abs(distance(w, T.get(n)!) / d0.get(n)! / (1 - alpha) ** k - 1);
      worstSync = Math.max(worstSync, rel);
      assert.ok(rel <= 1e-5, `${backend} ${n}: ‖W_K − T‖ off (1 − α)^K·‖W_0 − T‖ by ${rel}`);
    }

    // Forward form: the gradient reaching W, against the gradient of a copy whose weights are W_eff.
    const fwd = new InterpolatedMLP(prior.layers, 8, { biases: true, exclude: ['head'] });
    const copy = new InterpolatedMLP(prior.layers, 0, ALL);
    tf.tidy(() => fwd.effective(alpha, T).forEach((v, n) => copy.params.get(n)!.assign(v)));
    const x = images(6, [28, 28, 1]);
    const y = labels(6, 10);
    const grads = (net: InterpolatedMLP, f: () => tf.Tensor2D) => tf.variableGrads(() => crossEntropy(f(), y), Array.from(net.params.values())).grads;
    const gW = grads(fwd, () => fwd.apply(x, alpha, T));
    const gEff = grads(copy, () => copy.applyPlain(x));
    let worstGrad = 0;
    for (const [n, w] of fwd.params) {
      const factor = fwd.interpolated.has(n) ? 1 - alpha : 1;
      const expected = tf.mul(gEff[copy.params.get(n)!.name]!, factor);
      const rel = relError(gW[w.name]!, expected);
      worstGrad = Math.max(worstGrad, rel);
      assert.ok(rel <= 1e-6, `${backend} ${n}: ∂L/∂W differs from ${factor}·∂L/∂W_eff by ${rel}`);
      expected.dispose();
    }
    assert.ok(!fwd.interpolated.has(`${fwd.mirror.head}.w`), 'the head is excluded');
    t.diagnostic(`${backend}: sync contraction max relative error ${worstSync.toExponential(1)} (α = ${alpha}, K = ${k}); gradient max error / scale ${worstGrad.toExponential(1)}`);
    tf.dispose([x, y, ...Object.values(gW), ...Object.values(gEff)]);
    disposeTargets(T);
    [m, fwd, copy, prior].forEach((n) => n.dispose());
  });
});

test('exclude head / first and biases = false leave those parameters at M\'s own values', () => {
  const prior = randomPrior('mixer-small', [28, 28, 1], 6);
  const all = new InterpolatedMLP(prior.layers, 1, ALL);
  assert.equal(all.interpolated.size, all.params.size, 'by default every parameter is interpolated');
  const m = new InterpolatedMLP(prior.layers, 1, { biases: false, exclude: ['head', 'first'] });
  assert.deepEqual([...m.interpolated], ['0.block0.token1.w', '0.block0.token2.w', '0.block0.channel1.w', '0.block0.channel2.w']);
  const T = m.targets(prior.params);
  tf.tidy(() => {
    const eff = m.effective(0.7, T);
    for (const [n, w] of m.params) {
      if (m.interpolated.has(n)) assert.ok(relError(eff.get(n)!, tf.add(tf.mul(w, 0.3), tf.mul(T.get(n)!, 0.7))) === 0, n);
      else assert.equal(eff.get(n), w, `${n} is M's own variable`);
    }
  });
  const before = new Map(Array.from(m.params, ([n, w]) => [n, bits(w)]));
  m.sync(0.7, T);
  for (const [n, w] of m.params) assert.equal(bits(w).equals(before.get(n)!), !m.interpolated.has(n), `sync and ${n}`);
  disposeTargets(T);
  [all, m, prior].forEach((n) => n.dispose());
});

function sameValues(a: tf.Tensor, b: tf.Tensor): boolean {
  const [x, y] = [a.dataSync(), b.dataSync()];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

test('dense(P) rebuilt on the device (a co-trained prior) equals the JS construction entry by entry, for every preset, on wasm and cpu', async () => {
  const cases: [string | LayerSpec[], number[]][] = [
    ['cnn-tiny', [28, 28, 1]], ['cnn-small', [32, 32, 3]], ['cnn-gap', [28, 28, 1]],
    ['mixer-small', [28, 28, 1]], ['mixer-small-32', [32, 32, 3]], [TINY_MIXER, [14, 14, 1]],
  ];
  try {
    for (const backend of BACKENDS) {
      await initBackend(backend);
      for (const [layers, input] of backend === 'cpu' ? cases.slice(0, 1).concat(cases.slice(-1)) : cases) {
        const prior = randomPrior(layers, input, 5);
        const m = new InterpolatedMLP(prior.layers, 1, ALL);
        const saved = new Map(Array.from(prior.params, ([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));
        const js = m.targets(saved);
        for (let round = 0; round < 2; round++) {
          // The second round rebuilds from changed weights with the plan made in the first.
          const device = m.targets(prior.params);
          assert.deepEqual(Array.from(device.keys()).sort(), Array.from(js.keys()).sort());
          // Equal entry by entry (=== : the JS Kronecker products write −0 where a negative weight meets the identity's 0).
          for (const [n, v] of js) assert.ok(sameValues(device.get(n)!, v), `${backend} ${String(layers).slice(0, 20)} ${n} round ${round}`);
          disposeTargets(device);
          disposeTargets(js);
          tf.tidy(() => prior.params.forEach((v) => v.assign(tf.mul(v, 1.5))));
          js.clear();
          for (const [n, v] of m.targets(new Map(Array.from(prior.params, ([k, t]) => [k, (t.dataSync() as Float32Array).slice()])))) js.set(n, v);
        }
        disposeTargets(js);
        [m, prior].forEach((x) => x.dispose());
      }
    }
  } finally {
    await initBackend('wasm');
  }
});

test('targets accept saved Float32Array weights; errors name what is missing; α outside [0, 1] is refused', () => {
  const prior = randomPrior('cnn-tiny', [28, 28, 1], 3);
  const m = new InterpolatedMLP(prior.layers, 1, ALL);
  const saved = new Map(Array.from(prior.params, ([n, v]) => [n, v.dataSync() as Float32Array]));
  const [a, b] = [m.targets(prior.params), m.targets(saved)];
  for (const [n, v] of a) assert.ok(bits(v).equals(bits(b.get(n)!)), n);
  saved.delete('2.w');
  assert.throws(() => m.targets(saved), /the prior has no parameter "2\.w"/);
  assert.throws(() => m.sync(1.5, a), RangeError);
  assert.throws(() => m.apply(tf.zeros([1, 28, 28, 1]), -0.1, a), RangeError);
  assert.throws(() => m.sync(0.5, new Map()), /no target for "0\.w"/);
  [a, b].forEach(disposeTargets);
  [m, prior].forEach((n) => n.dispose());
});

test('no tensor leaks across targets, apply, applyPlain, sync and a training step', () => {
  const prior = randomPrior('mixer-small', [28, 28, 1], 1);
  const m = new InterpolatedMLP(prior.layers, 1, ALL);
  const opt = makeOptimizer(ADAM);
  const x = images(2, [28, 28, 1]);
  const y = labels(2, 10);
  const round = () => {
    const T = m.targets(prior.params);
    tf.dispose([m.apply(x, 0.4, T), m.applyPlain(x)]);
    tf.tidy(() => opt.step(m.params, tf.variableGrads(() => crossEntropy(m.apply(x, 0.4, T), y), Array.from(m.params.values())).grads));
    m.sync(0.2, T);
    disposeTargets(T);
  };
  round(); // the first step creates Adam's moments
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) round();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
  opt.dispose();
  [m, prior].forEach((n) => n.dispose());
});

test('α schedules: exact values at t = 0, T/2 and T; the sync form\'s cumulative pull', () => {
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);
  const at = (s: Parameters<typeof alphaAt>[0], a0: number) => [0, 50, 100].map((t) => alphaAt(s, a0, t, 100));
  assert.deepEqual(at({ kind: 'constant' }, 0.3), [0.3, 0.3, 0.3]);
  at({ kind: 'exponential', gamma: 0.99 }, 0.8).forEach((v, i) => close(v, 0.8 * 0.99 ** [0, 50, 100][i]!));
  at({ kind: 'linear' }, 0.6).forEach((v, i) => close(v, [0.6, 0.3, 0][i]!));
  at({ kind: 'cosine' }, 0.6).forEach((v, i) => close(v, [0.6, 0.3, 0][i]!));
  assert.equal(alphaAt({ kind: 'linear' }, 0.6, 150, 100), 0, 'past the end the schedule stays at its last value');
  assert.equal(alphaAt({ kind: 'exponential', gamma: 1.5 }, 0.9, 3, 10), 1, 'clamped to 1');
  assert.throws(() => alphaAt({ kind: 'cosine' }, 0.5, 0, 0), RangeError);
  close(cumulativePull([0.5, 0.5, 0.5]), 0.875);
  close(cumulativePull(Array(10).fill(0.1)), 1 - 0.9 ** 10);
  assert.equal(cumulativePull([]), 0);
  assert.equal(cumulativePull([0.2, 1]), 1);
});

test('memory guard: cnn-small fits; a 32→64 stride-1 conv on 32×32 (8 GiB) is refused with the numbers', () => {
  const query = { inputShape: [28, 28, 1], classes: 10, optimizer: ADAM, mode: 'forward' as const, source: 'frozen' as const };
  const small = estimateMemory({ ...query, priorLayers: presetLayers('cnn-small')! });
  assert.deepEqual(small.layers.map((l) => [l.layer, l.din, l.dout]), [['prior.layers[0]', 784, 3136], ['prior.layers[2]', 3136, 1568], ['prior.layers[5]', 1568, 10]]);
  const mBytes = 4 * (784 * 3136 + 3136 + 3136 * 1568 + 1568 + 1568 * 10 + 10);
  assert.equal(small.parts[0]!.bytes, mBytes);
  // W, T, Adam's moments (2), gradients and transposes (2), forward form (4), Adam's update (13); the
  // largest matrix while it is built in JS; the prior.
  const priorBytes = 4 * (9 * 16 + 16 + 9 * 16 * 32 + 32 + 1568 * 10 + 10);
  assert.equal(small.totalBytes, 23 * mBytes + 4 * 3136 * 1568 + priorBytes);
  checkMemory(small, 2 ** 30);
  // On the wasm heap (3 GiB planned of 4): the CIFAR-sized presets fit, except cnn-medium, which aborted
  // the process when tried (M's parameters 224 MiB; Adam in the forward form peaks near 20× that).
  const cifar = (preset: string) => estimateMemory({ ...query, inputShape: [32, 32, 3], priorLayers: presetLayers(preset)! });
  for (const preset of ['cnn-small', 'cnn-gap', 'mixer-small-32']) checkMemory(cifar(preset), 3 * 2 ** 30);
  assert.throws(() => checkMemory(cifar('cnn-medium'), 3 * 2 ** 30), /needs about 5\.\d\d GiB, more than the memory budget of 3\.00 GiB/);

  const big: LayerSpec[] = [
    { type: 'conv', filters: 32, kernel: 3, stride: 1, padding: 1, bias: true }, { type: 'relu' },
    { type: 'conv', filters: 64, kernel: 3, stride: 1, padding: 1, bias: true }, { type: 'relu' },
    { type: 'flatten' }, { type: 'dense', units: 10, bias: true },
  ];
  const est = estimateMemory({ ...query, inputShape: [32, 32, 3], priorLayers: big, mode: 'sync' });
  assert.equal(est.layers[1]!.bytes, 8 * 2 ** 30);
  assert.throws(() => checkMemory(est, 16 * 2 ** 30), (e: Error) => e instanceof MemoryBudgetError &&
    e.message.includes(`needs about ${(est.totalBytes / 2 ** 30).toFixed(2)} GiB, more than the memory budget of 16.00 GiB`) &&
    /prior\.layers\[2\]\s+32768 × 65536\s+2,147,483,648 entries\s+8\.00 GiB/.test(e.message) &&
    /Adam moments m, v \(×2\)\s+16\.\d\d GiB/.test(e.message) && /larger conv stride, fewer channels/.test(e.message));
  // A matrix over 2^32 entries is refused whatever the budget: no Float32Array can hold it.
  const huge = estimateMemory({ ...query, inputShape: [32, 32, 3], priorLayers: big.map((l, i) => (i === 0 ? { ...l, filters: 64 } : i === 2 ? { ...l, filters: 128 } : l)) });
  assert.throws(() => checkMemory(huge, Infinity), /prior\.layers\[2\] has a dense form with more than 2\^32 = 4,294,967,296 entries/);
  // Layers with no dense form are named before any size is computed.
  assert.throws(() => estimateMemory({ ...query, priorLayers: [{ type: 'maxpool', size: 2, stride: 2 }, { type: 'flatten' }, { type: 'dense', units: 10, bias: true }] }), /prior\.layers\[0\]: maxpool/);
});

test('memory budget: IMLP_MEMORY_BUDGET in bytes or with a unit, else a share of free memory (≤ 3 GiB on wasm)', () => {
  assert.equal(parseBytes('4GiB'), 4 * 2 ** 30);
  assert.equal(parseBytes(' 512 MiB '), 512 * 2 ** 20);
  assert.equal(parseBytes('8GB'), 8e9);
  assert.equal(parseBytes('1.5gib'), 1.5 * 2 ** 30);
  assert.equal(parseBytes('123456'), 123456);
  assert.equal(parseBytes('2e9'), 2e9);
  assert.throws(() => parseBytes('lots'), /IMLP_MEMORY_BUDGET: "lots" is not a size.*"4GiB"/);
  assert.throws(() => parseBytes('4 parsecs'), MemoryBudgetError);
  assert.equal(memoryBudget('wasm', { IMLP_MEMORY_BUDGET: '20GiB' }), 20 * 2 ** 30, 'the env overrides the wasm cap too');
  assert.ok(memoryBudget('wasm', {}) <= 3 * 2 ** 30);
  assert.ok(memoryBudget('cpu', { IMLP_MEMORY_BUDGET: '' }) > 0);
});
