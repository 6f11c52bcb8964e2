// Dense forms of the prior's linear layers (spec §2) against the engine's own layers (layers.ts),
// run with tf on the cpu backend as the reference: spec §7 checks 1 (conv) and 2 (Mixer), plus
// pooling, composition and the size estimate.
//
// Tolerance: both sides are float32 and differ only by summation order, so the error scales with the
// outputs' magnitude (inputs and weights are in [−1, 1]; a 5×5×16 conv output reaches |y| ≈ 20).
// Each comparison asserts max |error| ≤ REL_TOL · max(1, max |y|), REL_TOL = 2e-6 (~16 float32 ulp);
// the measured errors are printed as test diagnostics.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../../src/core/experiment/types';
import { gelu, layerNorm, makeLayer, type Shape } from '../../src/core/models/layers';
import { mulberry32 } from '../../src/core/random';
import {
  type LinearMap, DenseFormError, avgPoolDense, channelMixBiasDense, channelMixDense, composeLinear,
  convBiasDense, convDense, denseBytes, denseShapes, denseSize, globalAvgPoolDense, patchEmbedDense,
  tokenMixBiasDense, tokenMixDense,
} from '../../src/core/method/denseForm';

const REL_TOL = 2e-6;
const rng = mulberry32(1234);
const uniform = (n: number) => Float32Array.from({ length: n }, () => rng() * 2 - 1);
const batch = (shape: Shape) => tf.tensor(uniform(3 * shape.reduce((a, b) => a * b, 1)), [3, ...shape]);

before(async () => { await tf.setBackend('cpu'); });

/** y = x_flat·W + b for a batch x of any rank. */
function applyDense(x: tf.Tensor, m: LinearMap): tf.Tensor2D {
  return tf.tidy(() => {
    const y = tf.matMul<tf.Tensor2D>(tf.reshape(x, [x.shape[0]!, m.din]), tf.tensor2d(m.weight, [m.din, m.dout]));
    return m.bias ? tf.add<tf.Tensor2D>(y, tf.tensor1d(m.bias)) : y;
  });
}

/** Max |a − b| over the flattened batches, asserted within REL_TOL of the outputs' scale; returns that ratio. */
function assertClose(actual: tf.Tensor, expected: tf.Tensor, what: string): number {
  const a = actual.dataSync();
  const e = expected.dataSync();
  assert.equal(a.length, e.length, `${what}: sizes differ`);
  let max = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    max = Math.max(max, Math.abs(a[i]! - e[i]!));
    scale = Math.max(scale, Math.abs(e[i]!));
  }
  assert.ok(max <= REL_TOL * scale, `${what}: max |error| ${max} > ${REL_TOL} × output scale ${scale}`);
  return max / scale;
}

test('check 1: x_flat·dense(F) + b equals the conv, any stride, padding, kernel and shape', (t) => {
  let worst = 0;
  let configurations = 0;
  const shapes: [number, number, number, number][] = [[7, 5, 3, 4], [6, 9, 2, 5], [5, 8, 1, 3], [5, 6, 16, 2]];
  for (const [h, w, cin, cout] of shapes) {
    for (const stride of [1, 2]) {
      for (const padding of [0, 1]) {
        for (const kernel of [1, 3, 5]) {
          const spec: LayerSpec = { type: 'conv', filters: cout, kernel, stride, padding, bias: true };
          const layer = makeLayer(spec, [h, w, cin], 'test');
          const [ho, wo] = layer.outShape as [number, number, number];
          const filter = uniform(kernel * kernel * cin * cout);
          const bias = uniform(cout);
          const x = batch([h, w, cin]);
          const expected = layer.forward(x, { w: tf.tensor(filter, [kernel, kernel, cin, cout]), b: tf.tensor1d(bias) });
          const dense = convDense(filter, [h, w, cin], kernel, stride, padding, cout);
          assert.equal(dense.din, h * w * cin);
          assert.equal(dense.dout, ho * wo * cout);
          const actual = applyDense(x, { ...dense, bias: convBiasDense(bias, ho, wo) });
          configurations++;
          worst = Math.max(worst, assertClose(actual, expected, `conv ${h}×${w}×${cin}→${cout} k${kernel} s${stride} p${padding}`));
        }
      }
    }
  }
  t.diagnostic(`conv max |error| / scale ${worst.toExponential(2)} over ${configurations} configurations`);
});

test('check 2: token mixing, channel mixing and the patch embedding via their Kronecker forms', (t) => {
  const [s, sHid, c, cHid] = [6, 4, 5, 7];
  const x = batch([s, c]);
  // Token mixing as layers.ts does it: transpose to [B, C, S], dense on the last axis, transpose back.
  const wTok = uniform(s * sHid);
  const bTok = uniform(sHid);
  const tokenDirect = tf.transpose(tf.add(tf.reshape(
    tf.matMul(tf.reshape(tf.transpose(x, [0, 2, 1]), [3 * c, s]) as tf.Tensor2D, tf.tensor2d(wTok, [s, sHid])), [3, c, sHid]), tf.tensor1d(bTok)), [0, 2, 1]);
  const token = applyDense(x, { ...tokenMixDense(wTok, s, sHid, c), bias: tokenMixBiasDense(bTok, c) });
  const eTok = assertClose(token, tokenDirect, 'token mixing');

  // Channel mixing: dense on the last axis of [B, S, C].
  const wCh = uniform(c * cHid);
  const bCh = uniform(cHid);
  const channelDirect = tf.add(tf.reshape(tf.matMul(tf.reshape(x, [3 * s, c]) as tf.Tensor2D, tf.tensor2d(wCh, [c, cHid])), [3, s, cHid]), tf.tensor1d(bCh));
  const channel = applyDense(x, { ...channelMixDense(wCh, s, c, cHid), bias: channelMixBiasDense(bCh, s) });
  const eCh = assertClose(channel, channelDirect, 'channel mixing');

  // Patch embedding as the mixer does it: strided 'valid' conv, then reshape to [B, S, C].
  const [h, w, cin, patch, ch] = [8, 12, 3, 4, 6];
  const filter = uniform(patch * patch * cin * ch);
  const bias = uniform(ch);
  const img = batch([h, w, cin]);
  const embedDirect = tf.reshape(tf.add(tf.conv2d(img as tf.Tensor4D, tf.tensor4d(filter, [patch, patch, cin, ch]), patch, 'valid'), tf.tensor1d(bias)), [3, 6, ch]);
  const embed = applyDense(img, { ...patchEmbedDense(filter, [h, w, cin], patch, ch), bias: convBiasDense(bias, h / patch, w / patch) });
  const eEmb = assertClose(embed, embedDirect, 'patch embedding');
  t.diagnostic(`max |error| / scale: token ${eTok.toExponential(2)}, channel ${eCh.toExponential(2)}, embedding ${eEmb.toExponential(2)}`);
});

test('a whole Mixer layer equals its dense forms with the same LayerNorms, GELUs and residuals', (t) => {
  const spec = { type: 'mixer', patch: 4, channels: 6, tokenHidden: 5, channelHidden: 9, blocks: 2 } as const;
  const inShape: [number, number, number] = [8, 12, 2];
  const layer = makeLayer(spec, inShape, 'test');
  const p: Record<string, Float32Array> = {};
  const tp: Record<string, tf.Tensor> = {};
  for (const ps of layer.params) {
    p[ps.name] = uniform(ps.shape.reduce((a, b) => a * b, 1));
    tp[ps.name] = tf.tensor(p[ps.name]!, ps.shape);
  }
  const x = batch(inShape);
  const expected = layer.forward(x, tp);

  const [s, c] = layer.outShape as [number, number];
  const perToken = (u: tf.Tensor, g: string, b: string) => tf.reshape(layerNorm(tf.reshape(u, [3, s, c]), tp[g]!, tp[b]!), [3, s * c]);
  let u: tf.Tensor = applyDense(x, { ...patchEmbedDense(p['embed.w']!, inShape, spec.patch, c), bias: convBiasDense(p['embed.b']!, 2, 3) });
  for (let b = 0; b < spec.blocks; b++) {
    const q = (n: string) => p[`block${b}.${n}`]!;
    const tok1 = { ...tokenMixDense(q('token1.w'), s, spec.tokenHidden, c), bias: tokenMixBiasDense(q('token1.b'), c) };
    const tok2 = { ...tokenMixDense(q('token2.w'), spec.tokenHidden, s, c), bias: tokenMixBiasDense(q('token2.b'), c) };
    const ch1 = { ...channelMixDense(q('channel1.w'), s, c, spec.channelHidden), bias: channelMixBiasDense(q('channel1.b'), s) };
    const ch2 = { ...channelMixDense(q('channel2.w'), s, spec.channelHidden, c), bias: channelMixBiasDense(q('channel2.b'), s) };
    u = tf.add(u, applyDense(gelu(applyDense(perToken(u, `block${b}.ln1.gamma`, `block${b}.ln1.beta`), tok1)), tok2));
    u = tf.add(u, applyDense(gelu(applyDense(perToken(u, `block${b}.ln2.gamma`, `block${b}.ln2.beta`), ch1)), ch2));
  }
  t.diagnostic(`mixer (2 blocks) max |error| / scale ${assertClose(u, expected, 'mixer').toExponential(2)}`);
});

test('average pooling and global average pooling (image and tokens) as dense matrices', (t) => {
  const cases: [LayerSpec, Shape][] = [
    [{ type: 'avgpool', size: 2, stride: 2 }, [6, 8, 3]],
    [{ type: 'avgpool', size: 3, stride: 2 }, [7, 9, 2]],
    [{ type: 'avgpool', size: 2, stride: 1 }, [5, 4, 4]],
    [{ type: 'globalavgpool' }, [5, 7, 3]],
    [{ type: 'globalavgpool' }, [16, 6]],
  ];
  const errors = cases.map(([spec, shape]) => {
    const x = batch(shape);
    const expected = makeLayer(spec, shape, 'test').forward(x, {});
    const dense = spec.type === 'avgpool' ? avgPoolDense(shape as [number, number, number], spec.size, spec.stride) : globalAvgPoolDense(shape);
    return assertClose(applyDense(x, dense), expected, `${spec.type} on [${shape.join(', ')}]`);
  });
  t.diagnostic(`pooling max |error| / scale ${Math.max(...errors).toExponential(2)}`);
});

test('composition: globalavgpool → dense head and conv → avgpool → flatten → dense are each one matrix', (t) => {
  // Runs the layers one after another with the engine and compares with the single composed map.
  const run = (x: tf.Tensor, steps: [LayerSpec, Record<string, tf.Tensor>][]) => {
    let shape = x.shape.slice(1);
    return steps.reduce((h, [spec, params]) => {
      const layer = makeLayer(spec, shape, 'test');
      shape = layer.outShape;
      return layer.forward(h, params);
    }, x);
  };

  const [s, c, classes] = [16, 6, 10];
  const head = { weight: uniform(c * classes), din: c, dout: classes, bias: uniform(classes) };
  const tokens = batch([s, c]);
  const gapHead = composeLinear([globalAvgPoolDense([s, c]), head]);
  assert.deepEqual([gapHead.din, gapHead.dout], [s * c, classes]);
  const e1 = assertClose(applyDense(tokens, gapHead), run(tokens, [
    [{ type: 'globalavgpool' }, {}],
    [{ type: 'dense', units: classes, bias: true }, { w: tf.tensor2d(head.weight, [c, classes]), b: tf.tensor1d(head.bias) }],
  ]), 'globalavgpool → dense');

  // The conv's bias passes through pooling and the dense layer: b_total = (b_conv·W_pool)·W_dense + b_dense.
  const [h, w, cin, cout] = [6, 8, 2, 3];
  const filter = uniform(3 * 3 * cin * cout);
  const convBias = uniform(cout);
  const dense = { weight: uniform(3 * 4 * cout * classes), din: 3 * 4 * cout, dout: classes, bias: uniform(classes) };
  const chain = composeLinear([
    { ...convDense(filter, [h, w, cin], 3, 1, 1, cout), bias: convBiasDense(convBias, h, w) },
    avgPoolDense([h, w, cout], 2, 2),
    dense,
  ]);
  const img = batch([h, w, cin]);
  const e2 = assertClose(applyDense(img, chain), run(img, [
    [{ type: 'conv', filters: cout, kernel: 3, stride: 1, padding: 1, bias: true }, { w: tf.tensor4d(filter, [3, 3, cin, cout]), b: tf.tensor1d(convBias) }],
    [{ type: 'avgpool', size: 2, stride: 2 }, {}],
    [{ type: 'flatten' }, {}],
    [{ type: 'dense', units: classes, bias: true }, { w: tf.tensor2d(dense.weight, [dense.din, classes]), b: tf.tensor1d(dense.bias) }],
  ]), 'conv → avgpool → flatten → dense');

  // No segment with a bias gives no bias; mismatched shapes are refused with both shapes.
  assert.equal(composeLinear([globalAvgPoolDense([4, 2]), { weight: uniform(2 * 3), din: 2, dout: 3 }]).bias, undefined);
  assert.throws(() => composeLinear([globalAvgPoolDense([4, 2]), globalAvgPoolDense([4, 2])]), /a 8×2 map cannot feed a 8×2 map/);
  t.diagnostic(`composition max |error| / scale: gap→dense ${e1.toExponential(2)}, conv→pool→dense ${e2.toExponential(2)}`);
});

test('denseSize matches the spec\'s table and the matrices actually built, without allocating', () => {
  const conv = (cin: number, cout: number, stride: number): [Shape, LayerSpec] =>
    [[32, 32, cin], { type: 'conv', filters: cout, kernel: 3, stride, padding: 1, bias: false }];
  const GiB = 2 ** 30;
  assert.equal(denseSize(...conv(3, 16, 1)), 50_331_648);
  assert.equal(denseBytes(...conv(3, 16, 1)), 0.1875 * GiB);
  assert.equal(denseBytes(...conv(3, 32, 1)), 0.375 * GiB);
  assert.equal(denseBytes(...conv(16, 32, 2)), 0.5 * GiB);
  assert.equal(denseBytes(...conv(32, 64, 2)), 2 * GiB);
  assert.equal(denseBytes(...conv(32, 64, 1)), 8 * GiB);
  // A bias adds one entry per output.
  assert.equal(denseSize([32, 32, 3], { type: 'conv', filters: 16, kernel: 3, stride: 1, padding: 1, bias: true }), 50_331_648 + 32 * 32 * 16);

  assert.equal(denseSize([7, 5, 3], { type: 'conv', filters: 4, kernel: 3, stride: 2, padding: 0, bias: false }), convDense(uniform(3 * 3 * 3 * 4), [7, 5, 3], 3, 2, 0, 4).weight.length);
  assert.equal(denseSize([7, 9, 2], { type: 'avgpool', size: 3, stride: 2 }), avgPoolDense([7, 9, 2], 3, 2).weight.length);
  assert.equal(denseSize([16, 6], { type: 'globalavgpool' }), 16 * 6 * 6);
  assert.equal(denseSize([64], { type: 'dense', units: 10, bias: true }), 650);
  for (const spec of [{ type: 'flatten' }, { type: 'relu' }, { type: 'layernorm' }] as LayerSpec[]) assert.equal(denseSize([4, 4, 2], spec), 0);

  const mixer = { type: 'mixer', patch: 4, channels: 6, tokenHidden: 5, channelHidden: 9, blocks: 1 } as const;
  const built = [
    patchEmbedDense(uniform(4 * 4 * 2 * 6), [8, 12, 2], 4, 6),
    tokenMixDense(uniform(6 * 5), 6, 5, 6), tokenMixDense(uniform(5 * 6), 5, 6, 6),
    channelMixDense(uniform(6 * 9), 6, 6, 9), channelMixDense(uniform(9 * 6), 6, 9, 6),
  ];
  assert.deepEqual(denseShapes([8, 12, 2], mixer).map((d) => [d.name, d.din, d.dout]),
    ['embed.w', 'block0.token1.w', 'block0.token2.w', 'block0.channel1.w', 'block0.channel2.w'].map((n, i) => [n, built[i]!.din, built[i]!.dout]));

  assert.throws(() => denseSize([8, 8, 1], { type: 'maxpool', size: 2, stride: 2 }, 'prior.layers[1]'),
    (e: Error) => e instanceof DenseFormError && /prior\.layers\[1\]: maxpool has no dense form.*avgpool/.test(e.message));
  assert.throws(() => denseSize([8, 8, 1], { type: 'batchnorm' }, 'prior.layers[2]'), /prior\.layers\[2\]: batchnorm .*no dense form/);
});
