import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildNetwork, forwardFlops, mlpLayers, parameterCount, resolveLayers } from '../../src/core/models/network';
import { LayerError } from '../../src/core/models/layers';
import { makeOptimizer } from '../../src/core/train/optimizer';

before(async () => { await tf.setBackend('cpu'); });

test('an MLP resolves shapes, sets the head to the class count and counts parameters', () => {
  const layers = resolveLayers(mlpLayers([32], 'relu'), [28, 28, 1], 7, 'model');
  assert.deepEqual(layers.map((l) => l.outShape), [[784], [32], [32], [7]]);
  const net = buildNetwork(layers, 0);
  assert.equal(parameterCount(net), 784 * 32 + 32 + 32 * 7 + 7);
  const logits = net.apply(tf.zeros([2, 28, 28, 1]));
  assert.deepEqual(logits.shape, [2, 7]);
  assert.equal(forwardFlops(layers), 2 * (784 * 32 + 32 * 7));
  logits.dispose();
  net.dispose();
});

test('initialisation is seeded and bounded by 1/sqrt(fan_in)', () => {
  const layers = resolveLayers(mlpLayers([16], 'relu'), [4, 4, 1], 10, 'model');
  const a = buildNetwork(layers, 3);
  const b = buildNetwork(layers, 3);
  const c = buildNetwork(layers, 4);
  const w = (n: typeof a) => Array.from(n.params.get('1.w')!.dataSync());
  assert.deepEqual(w(a), w(b));
  assert.notDeepEqual(w(a), w(c));
  assert.ok(w(a).every((v) => Math.abs(v) <= 1 / Math.sqrt(16)));
  [a, b, c].forEach((n) => n.dispose());
});

test('CNN and Mixer layers give the expected output shapes', () => {
  const cnn = resolveLayers([
    { type: 'conv', filters: 8, kernel: 3, stride: 2, padding: 1, bias: true }, { type: 'relu' },
    { type: 'avgpool', size: 2, stride: 2 }, { type: 'flatten' }, { type: 'dense', units: 10, bias: true },
  ], [28, 28, 1], 10, 'model');
  assert.deepEqual(cnn.map((l) => l.outShape), [[14, 14, 8], [14, 14, 8], [7, 7, 8], [392], [10]]);
  const mixer = resolveLayers([
    { type: 'mixer', patch: 7, channels: 16, tokenHidden: 8, channelHidden: 32, blocks: 2 },
    { type: 'layernorm' }, { type: 'globalavgpool' }, { type: 'dense', units: 10, bias: true },
  ], [28, 28, 1], 10, 'model');
  assert.deepEqual(mixer.map((l) => l.outShape), [[16, 16], [16, 16], [16], [10]]);
  const net = buildNetwork(mixer, 1);
  const y = net.apply(tf.randomNormal([3, 28, 28, 1]));
  assert.deepEqual(y.shape, [3, 10]);
  y.dispose();
  net.dispose();
});

test('layer errors name the layer and say what to do', () => {
  assert.throws(() => resolveLayers([{ type: 'dense', units: 10, bias: true }], [28, 28, 1], 10, 'prior.layers'),
    (e: Error) => e instanceof LayerError && /prior\.layers\[0\]: dense needs a vector input.*flatten/.test(e.message));
  assert.throws(() => resolveLayers([{ type: 'batchnorm' }, { type: 'flatten' }, { type: 'dense', units: 10, bias: true }], [28, 28, 1], 10, 'prior.layers'),
    /prior\.layers\[0\]: batchnorm is not supported.*no dense form/);
  assert.throws(() => resolveLayers([{ type: 'flatten' }], [28, 28, 1], 10, 'model.layers'), /last layer must be .*dense/);
  assert.throws(() => resolveLayers([{ type: 'mixer', patch: 5, channels: 4, tokenHidden: 4, channelHidden: 4, blocks: 1 }, { type: 'globalavgpool' }, { type: 'dense', units: 10, bias: true }], [28, 28, 1], 10, 'm'),
    /patch 5 does not tile a 28×28 input/);
});

test('Adam follows the bias-corrected update and restores bit-exactly', () => {
  const cfg = { name: 'adam' as const, lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
  const w = tf.variable(tf.tensor1d([1, -2]));
  const vars = new Map([['w', w]]);
  const opt = makeOptimizer(cfg);
  opt.step(vars, { [w.name]: tf.tensor1d([0.5, -1]) });
  // First Adam step moves every weight by lr·sign(g) (m̂ = g, v̂ = g²).
  assert.deepEqual(Array.from(w.dataSync()).map((v) => +v.toFixed(6)), [0.9, -1.9]);

  const saved = Object.fromEntries(Array.from(opt.stateTensors()).map(([k, v]) => [k, v.clone()]));
  const copy = makeOptimizer(cfg);
  copy.restore(opt.stateJson(), saved);
  const w2 = tf.variable(w.clone());
  const g = tf.tensor1d([0.3, 0.2]);
  opt.step(vars, { [w.name]: g });
  copy.step(new Map([['w', w2]]), { [w2.name]: g });
  assert.deepEqual(Array.from(w2.dataSync()), Array.from(w.dataSync()));
  [opt, copy].forEach((o) => o.dispose());
});
