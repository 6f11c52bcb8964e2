// The PyTorch peer of `npm run bench` (bench/torch_step.py) builds the I-MLP workloads' dense(P) itself;
// here its matrices must equal the engine's (InterpolatedMLP.targets, from denseForm.ts) for the same prior
// weights, so that both sides of the benchmark do the same work. The presets the benchmark uses, on a small
// 8×8×3 input. Skipped where the system python3 cannot import torch (`npm run bench` installs it).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { initBackend } from '../../src/core/backend';
import { InterpolatedMLP } from '../../src/core/method/imlp';
import { resolveLayers } from '../../src/core/models/network';
import { presetLayers } from '../../src/core/models/presets';
import { PEER_SCRIPT, SYSTEM_PYTHON, importsTorch } from '../../bench/torch-peer';
import { IMLP_PRIORS } from '../../bench/workloads';

const skip = importsTorch() ? false : `${SYSTEM_PYTHON} cannot import torch (apt-get install python3-torch)`;
const INPUT = [8, 8, 3];

before(async () => { await initBackend('cpu'); });

test("the peer's dense(P) equals the engine's for the benchmark's priors", { skip }, () => {
  const priors = Object.values(IMLP_PRIORS).map((name) => resolveLayers(presetLayers(name)!, INPUT, 10, 'prior.layers'));
  const r = spawnSync(SYSTEM_PYTHON, [PEER_SCRIPT, '--dense-check'], {
    input: JSON.stringify({ priors: priors.map((layers) => ({ layers: layers.map((l) => l.spec), input: INPUT })) }),
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { params: Record<string, number[]>; targets: Record<string, number[]> }[];
  priors.forEach((layers, i) => {
    const name = Object.values(IMLP_PRIORS)[i];
    const { params, targets } = out[i]!;
    const m = new InterpolatedMLP(layers, 0, { biases: true, exclude: [] });
    const engine = m.targets(new Map(Object.entries(params).map(([k, v]) => [k, Float32Array.from(v)])));
    try {
      assert.deepEqual(Object.keys(targets).sort(), [...engine.keys()].sort(), `${name}: the same parameters of M`);
      for (const [key, t] of engine) {
        const mine = t.dataSync();
        const peer = targets[key]!;
        assert.equal(peer.length, mine.length, `${name} ${key}: size`);
        // Equal up to float32 rounding: the peer composes pooling with the head by a torch matmul.
        let err = 0;
        mine.forEach((v, j) => (err = Math.max(err, Math.abs(v - peer[j]!) / Math.max(1, Math.abs(v)))));
        assert.ok(err <= 1e-6, `${name} ${key}: max relative difference ${err}`);
      }
    } finally {
      engine.forEach((t) => t.dispose());
      m.dispose();
    }
  });
});
