import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ExperimentConfig } from '../../src/core/experiment/types';
import { type Checkpoint, type CheckpointTensor, ResultsStore, type WriteFile, writeFileAtomic } from '../../src/core/results';
import { loadCheckpoint, saveCheckpoint } from '../../src/core/results/checkpoint';

const roots: string[] = [];
after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'imlp-ckpt-'));
  roots.push(dir);
  return dir;
}

/** Values that a lossy or misaligned copy would change: -0, ±∞, a NaN payload, subnormals, extremes. */
function checkpoint(tag: number): Checkpoint {
  const odd = new Float32Array([NaN, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, Math.PI, tag]);
  new DataView(odd.buffer).setUint32(0, 0x7fc00123, true); // a NaN with a payload
  const big = new Float32Array(3 * 4 * 5 + 1).map((_, i) => Math.sin(i + tag) * 1e3);
  return {
    epoch: tag,
    globalStep: tag * 100,
    tensors: {
      'param/w0': { shape: [3, 4, 5], data: big.subarray(1) }, // a view with a byteOffset
      'param/b0': { shape: [8], data: odd },
      'opt/step': { shape: [], data: new Float32Array([tag]) },
      'opt/empty': { shape: [0, 3], data: new Float32Array(0) },
    },
    state: { step: tag * 100, optimizer: { name: 'adam', t: tag }, rng: [1, 2, 3] },
  };
}

function assertSameCheckpoint(actual: Checkpoint | null, expected: Checkpoint): void {
  assert.ok(actual, 'a checkpoint was loaded');
  assert.equal(actual.epoch, expected.epoch);
  assert.equal(actual.globalStep, expected.globalStep);
  assert.deepEqual(actual.state, expected.state);
  assert.deepEqual(Object.keys(actual.tensors), Object.keys(expected.tensors));
  for (const [name, t] of Object.entries(expected.tensors)) {
    const got: CheckpointTensor | undefined = actual.tensors[name];
    assert.ok(got, name);
    assert.deepEqual(got.shape, t.shape, name);
    assert.ok(got.data instanceof Float32Array, name);
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    assert.ok(bytes(got.data).equals(bytes(t.data)), `${name} is bit-exact`);
  }
}

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

test('checkpoint round trip is bit-exact and a second save replaces the first cleanly', () => {
  const dir = tempDir();
  assert.equal(loadCheckpoint(dir), null);
  assert.equal(saveCheckpoint(dir, checkpoint(1)), join(dir, 'checkpoint'));
  assertSameCheckpoint(loadCheckpoint(dir), checkpoint(1));
  saveCheckpoint(dir, checkpoint(2));
  assertSameCheckpoint(loadCheckpoint(dir), checkpoint(2));
  assert.deepEqual(readdirSync(dir).sort(), ['checkpoint']);
  assert.deepEqual(readdirSync(join(dir, 'checkpoint')).sort(), ['manifest.json', 'tensors.bin']);
});

test('checkpoints through a run handle', () => {
  const config = { name: 'quick' } as ExperimentConfig;
  const run = new ResultsStore(tempDir()).createRun({ config, seed: 0, versions: { imlp: '0', tfjs: '0' } });
  assert.equal(run.loadCheckpoint(), null);
  run.saveCheckpoint(checkpoint(3));
  assertSameCheckpoint(run.loadCheckpoint(), checkpoint(3));
});

test('a corrupted checkpoint is detected and the error names the file and the way out', () => {
  const dir = tempDir();
  saveCheckpoint(dir, checkpoint(1));
  const bin = join(dir, 'checkpoint', 'tensors.bin');
  const good = readFileSync(bin);

  const flipped = Buffer.from(good);
  flipped[17] = (flipped[17] ?? 0) ^ 0x01;
  writeFileSync(bin, flipped);
  assert.throws(() => loadCheckpoint(dir), (e: Error) =>
    e.message.includes(bin) && /SHA-256 does not match/.test(e.message) && /without --resume/.test(e.message));

  writeFileSync(bin, good.subarray(0, good.length - 4));
  assert.throws(() => loadCheckpoint(dir), /tensors\.bin is damaged: it holds \d+ bytes, the manifest says \d+/);

  writeFileSync(bin, good);
  writeFileSync(join(dir, 'checkpoint', 'manifest.json'), '{"format": "imlp-checkpoint", "vers');
  assert.throws(() => loadCheckpoint(dir), /manifest\.json is damaged/);
});

test('a shape that does not match the data is refused before any file is touched', () => {
  const dir = tempDir();
  saveCheckpoint(dir, checkpoint(1));
  const bad: Checkpoint = { ...checkpoint(2), tensors: { w: { shape: [2, 3], data: new Float32Array(5) } } };
  assert.throws(() => saveCheckpoint(dir, bad), /tensor "w" has shape \[2, 3\] \(6 values\) but holds 5 values/);
  assertSameCheckpoint(loadCheckpoint(dir), checkpoint(1));
});

test('a crash at any step of a save leaves the previous checkpoint loadable', async (t) => {
  const previous = () => {
    const dir = tempDir();
    saveCheckpoint(dir, checkpoint(1));
    return dir;
  };
  const staleTemp = (dir: string) => {
    mkdirSync(join(dir, 'checkpoint.tmp-99999'));
    writeFileSync(join(dir, 'checkpoint.tmp-99999', 'tensors.bin'), 'half-written');
  };

  await t.test('killed while writing checkpoint.tmp-<pid>/', () => {
    const dir = previous();
    staleTemp(dir);
    assertSameCheckpoint(loadCheckpoint(dir), checkpoint(1));
  });

  await t.test('killed between renaming checkpoint/ aside and moving the new one in', () => {
    const dir = previous();
    renameSync(join(dir, 'checkpoint'), join(dir, 'checkpoint.old'));
    cpSync(join(dir, 'checkpoint.old'), join(dir, 'checkpoint.tmp-99999'), { recursive: true }); // the finished new one
    assertSameCheckpoint(loadCheckpoint(dir), checkpoint(1));
    // The next save recovers the layout: only checkpoint/ is left.
    saveCheckpoint(dir, checkpoint(2));
    assertSameCheckpoint(loadCheckpoint(dir), checkpoint(2));
    assert.deepEqual(readdirSync(dir), ['checkpoint']);
  });

  await t.test('killed before removing checkpoint.old/', () => {
    const dir = previous();
    cpSync(join(dir, 'checkpoint'), join(dir, 'checkpoint.old'), { recursive: true });
    saveCheckpoint(dir, checkpoint(2)); // a save over that state works…
    assert.deepEqual(readdirSync(dir), ['checkpoint']);
    cpSync(join(dir, 'checkpoint'), join(dir, 'checkpoint.old'), { recursive: true });
    rmSync(join(dir, 'checkpoint.old', 'tensors.bin')); // …and an incomplete old one is never read
    assertSameCheckpoint(loadCheckpoint(dir), checkpoint(2));
  });
});

test('a write failure keeps the previous checkpoint and names the path', async (t) => {
  for (const failing of ['tensors.bin', 'manifest.json']) {
    await t.test(`failing on ${failing}`, () => {
      const dir = tempDir();
      saveCheckpoint(dir, checkpoint(1));
      const write: WriteFile = (path, data) => {
        if (path.endsWith(failing)) throw enospc();
        writeFileAtomic(path, data);
      };
      assert.throws(() => saveCheckpoint(dir, checkpoint(2), write), (e: Error & { code?: string }) =>
        e.code === 'ENOSPC' && e.message.includes(join(dir, `checkpoint.tmp-${process.pid}`)) && /previous checkpoint is kept/.test(e.message));
      assertSameCheckpoint(loadCheckpoint(dir), checkpoint(1));
      assert.deepEqual(readdirSync(dir), ['checkpoint'], 'the temp folder is cleaned up');
    });
  }

  await t.test('through a store with an injected writer', () => {
    let failing = false;
    const store = new ResultsStore(tempDir(), {
      writeFile: (path, data) => {
        if (failing) throw enospc();
        writeFileAtomic(path, data);
      },
    });
    const run = store.createRun({ config: { name: 'quick' } as ExperimentConfig, seed: 0, versions: { imlp: '0', tfjs: '0' } });
    run.saveCheckpoint(checkpoint(1));
    failing = true;
    assert.throws(() => run.saveCheckpoint(checkpoint(2)), /checkpoint\.tmp-\d+.*ENOSPC/);
    assertSameCheckpoint(run.loadCheckpoint(), checkpoint(1));
  });

  await t.test('writeFileAtomic names the path on a real fs error and leaves no temp file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-folder'), 'x');
    const target = join(dir, 'not-a-folder', 'run.json');
    assert.throws(() => writeFileAtomic(target, '{}'), (e: Error & { code?: string }) => e.code === 'ENOTDIR' && e.message.includes(target));
    writeFileAtomic(join(dir, 'a.json'), 'one');
    writeFileAtomic(join(dir, 'a.json'), [Buffer.from('tw'), Buffer.from('o')]);
    assert.equal(readFileSync(join(dir, 'a.json'), 'utf8'), 'two');
    assert.deepEqual(readdirSync(dir).sort(), ['a.json', 'not-a-folder']);
  });
});
