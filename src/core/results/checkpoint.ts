// Checkpoints of a run: <run>/checkpoint/{manifest.json, tensors.bin}.
// tensors.bin is every tensor's float32 values, little-endian, back to back; manifest.json holds
// each tensor's name, shape and byte offset, the training state, and the SHA-256 of tensors.bin.
//
// A save never touches the current checkpoint until a complete new one exists:
//   1. write checkpoint.tmp-<pid>/ (each file fsynced), 2. rename checkpoint/ → checkpoint.old/,
//   3. rename checkpoint.tmp-<pid>/ → checkpoint/, 4. remove checkpoint.old/.
// A crash at any point leaves checkpoint/ or checkpoint.old/ complete (see loadCheckpoint); the
// reliability tests kill the process at each of these steps through faults.ts.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileError, fsyncDir, writeFileAtomic, type WriteFile } from './atomic';
import { faultPoint } from './faults';
import type { Checkpoint, CheckpointTensor } from './types';

const LIVE = 'checkpoint';
const OLD = 'checkpoint.old';
const TMP_PREFIX = 'checkpoint.tmp-';
const MANIFEST = 'manifest.json';
const BINARY = 'tensors.bin';
const FORMAT = 'imlp-checkpoint';
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface TensorEntry { name: string; shape: number[]; offset: number; length: number }
interface Manifest {
  format: typeof FORMAT;
  version: 1;
  epoch: number;
  globalStep: number;
  binary: { file: typeof BINARY; bytes: number; sha256: string };
  /** offset in bytes into tensors.bin, length in float32 values. */
  tensors: TensorEntry[];
  state: Record<string, unknown>;
}

/** Saves atomically (see the top of this file); returns the checkpoint folder. */
export function saveCheckpoint(runDir: string, ckpt: Checkpoint, write: WriteFile = writeFileAtomic): string {
  const { manifest, chunks } = encode(ckpt); // bad shapes fail here, before any file is touched
  const live = join(runDir, LIVE);
  const old = join(runDir, OLD);
  const tmp = join(runDir, `${TMP_PREFIX}${process.pid}`);
  for (const name of readdirSync(runDir)) {
    if (name.startsWith(TMP_PREFIX)) rmSync(join(runDir, name), { recursive: true, force: true }); // a crashed save's
  }
  // checkpoint.old/ beside a checkpoint/ is from a save that crashed before its step 4.
  if (existsSync(live)) rmSync(old, { recursive: true, force: true });

  try {
    mkdirSync(tmp);
    write(join(tmp, BINARY), chunks);
    faultPoint('checkpoint-partial');
    write(join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    fsyncDir(tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw fileError(`Could not save checkpoint in ${tmp} (the previous checkpoint is kept)`, err);
  }
  faultPoint('checkpoint-written');
  try {
    if (existsSync(live)) {
      renameSync(live, old);
      faultPoint('checkpoint-aside');
    }
    renameSync(tmp, live);
  } catch (err) {
    try {
      if (!existsSync(live) && existsSync(old)) renameSync(old, live);
    } catch { /* checkpoint.old/ stays complete and loadCheckpoint falls back to it */ }
    rmSync(tmp, { recursive: true, force: true });
    throw fileError(`Could not move the new checkpoint into ${live} (the previous checkpoint is kept)`, err);
  }
  fsyncDir(runDir);
  faultPoint('checkpoint-moved');
  rmSync(old, { recursive: true, force: true });
  return live;
}

/**
 * Recovery rule: checkpoint/ only ever appears by renaming a finished folder, so when it exists it
 * is the newest complete checkpoint. When it is missing but checkpoint.old/ exists, a save crashed
 * between its two renames and checkpoint.old/ is the newest complete one. checkpoint.tmp-* folders
 * are unfinished saves and are never read. Returns null when the run has no checkpoint; throws
 * when the one it finds fails its size or SHA-256 checks.
 */
export function loadCheckpoint(runDir: string): Checkpoint | null {
  const dir = [join(runDir, LIVE), join(runDir, OLD)].find((d) => existsSync(d));
  return dir === undefined ? null : readCheckpointDir(dir);
}

function encode(ckpt: Checkpoint): { manifest: Manifest; chunks: Uint8Array[] } {
  const tensors: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  const hash = createHash('sha256');
  let offset = 0;
  for (const [name, tensor] of Object.entries(ckpt.tensors)) {
    const expected = shapeSize(tensor.shape);
    if (expected !== tensor.data.length) {
      throw new Error(`Checkpoint tensor "${name}" has shape [${tensor.shape.join(', ')}] (${expected} values) but holds ${tensor.data.length} values.`);
    }
    const bytes = toLittleEndianBytes(tensor.data);
    hash.update(bytes);
    chunks.push(bytes);
    tensors.push({ name, shape: [...tensor.shape], offset, length: tensor.data.length });
    offset += bytes.byteLength;
  }
  const manifest: Manifest = {
    format: FORMAT,
    version: 1,
    epoch: ckpt.epoch,
    globalStep: ckpt.globalStep,
    binary: { file: BINARY, bytes: offset, sha256: hash.digest('hex') },
    tensors,
    state: ckpt.state,
  };
  return { manifest, chunks };
}

function readCheckpointDir(dir: string): Checkpoint {
  const manifestPath = join(dir, MANIFEST);
  const binaryPath = join(dir, BINARY);
  const damaged = (file: string, what: string) =>
    new Error(`Checkpoint file ${file} is damaged: ${what}. Restart the run without --resume (its training starts over).`);

  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch (err) {
    throw damaged(manifestPath, err instanceof Error ? err.message : String(err));
  }
  const problem = manifestProblem(manifest);
  if (problem) throw damaged(manifestPath, problem);

  let bin: Buffer;
  try {
    bin = readFileSync(binaryPath);
  } catch (err) {
    throw damaged(binaryPath, err instanceof Error ? err.message : String(err));
  }
  if (bin.byteLength !== manifest.binary.bytes) {
    throw damaged(binaryPath, `it holds ${bin.byteLength} bytes, the manifest says ${manifest.binary.bytes}`);
  }
  if (createHash('sha256').update(bin).digest('hex') !== manifest.binary.sha256) {
    throw damaged(binaryPath, 'its SHA-256 does not match the manifest');
  }

  const tensors: Record<string, CheckpointTensor> = {};
  for (const t of manifest.tensors) {
    tensors[t.name] = { shape: t.shape, data: fromLittleEndianBytes(bin.subarray(t.offset, t.offset + t.length * 4)) };
  }
  return { epoch: manifest.epoch, globalStep: manifest.globalStep, tensors, state: manifest.state };
}

/** Structural checks of a parsed manifest; returns what is wrong, or undefined. */
function manifestProblem(m: Manifest): string | undefined {
  if (typeof m !== 'object' || m === null || m.format !== FORMAT) return `not an ${FORMAT} manifest`;
  if (m.version !== 1) return `format version ${String(m.version)} is not supported (expected 1)`;
  if (!isCount(m.epoch) || !isCount(m.globalStep)) return 'epoch or globalStep is not a whole number';
  if (typeof m.binary !== 'object' || m.binary === null || !isCount(m.binary.bytes) || typeof m.binary.sha256 !== 'string') {
    return 'the "binary" entry is incomplete';
  }
  if (typeof m.state !== 'object' || m.state === null || !Array.isArray(m.tensors)) return 'state or tensors is missing';
  for (const t of m.tensors) {
    const ok = typeof t.name === 'string' && Array.isArray(t.shape) && t.shape.every(isCount) && isCount(t.offset) && isCount(t.length);
    if (!ok) return `tensor entry ${JSON.stringify(t)} is malformed`;
    if (shapeSize(t.shape) !== t.length) return `tensor "${t.name}" has shape [${t.shape.join(', ')}] but length ${t.length}`;
    if (t.offset + t.length * 4 > m.binary.bytes) return `tensor "${t.name}" runs past the end of ${BINARY}`;
  }
  return undefined;
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** On little-endian hosts (all common ones) a zero-copy view; otherwise a byte-swapped copy. */
function toLittleEndianBytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const view = new DataView(new ArrayBuffer(data.byteLength));
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return new Uint8Array(view.buffer);
}

/** Copies (a Buffer's offset is not necessarily 4-byte aligned, so it cannot be viewed as float32). */
function fromLittleEndianBytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}
