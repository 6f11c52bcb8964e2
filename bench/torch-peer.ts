// The PyTorch peer: Debian's python3-torch run with the system python3 (pyenv's python has no torch),
// tuned as in notes/compute-backends.md §8 and Addendum. The tuning lives in the peer's environment
// only, so it cannot change the TF.js numbers.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LayerSpec } from '../src/core/experiment/types';
import type { ImlpId, WorkloadId } from './workloads';

export const SYSTEM_PYTHON = '/usr/bin/python3';
export const PEER_SCRIPT = join(__dirname, 'torch_step.py');
// libopenblas0-pthread: python3-torch alone pulls in the reference BLAS (libblas3, the first
// alternative of its libblas.so.3 dependency), which would make the peer's matmuls several times slower.
const APT_PACKAGES = ['python3-torch', 'libopenblas0-pthread'];

export interface PeerResult {
  /** torch.__version__; Debian's build reports "1.13.0a0" for package 1.13.1. */
  torch: string;
  /** The python3-torch package version, when dpkg knows it. */
  debianPackage?: string;
  threads: number;
  blas: string[];
  env: Record<string, string | null>;
  matmulMs: number[];
  workloads: Partial<Record<WorkloadId, number[]>>;
  /** The I-MLP workloads' steps split as the engine's are: "steps" (P's and M's) and "sync". */
  phases: Partial<Record<WorkloadId, Record<string, number[]>>>;
}

/**
 * Thread and allocator settings without which torch's OpenMP and OpenBLAS pools fight over 2 cores and
 * every step page-faults (Addendum), and the OpenBLAS core type, which Debian OpenBLAS 0.3.21 misdetects
 * (§6): the same value as the engine's addon gets.
 */
export function peerEnv(coreType: string | undefined): Record<string, string> {
  return {
    OMP_WAIT_POLICY: 'PASSIVE',
    OPENBLAS_THREAD_TIMEOUT: '4',
    MALLOC_MMAP_THRESHOLD_: '1000000000',
    MALLOC_TRIM_THRESHOLD_: '1000000000',
    ...(coreType ? { OPENBLAS_CORETYPE: coreType } : {}),
  };
}

export function importsTorch(): boolean {
  return existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function aptGet(args: string[]): { ok: boolean; tail: string } {
  const r = spawnSync('apt-get', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 << 20 });
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim().split('\n').slice(-3).join(' | ');
  return { ok: r.status === 0, tail };
}

/** Makes torch importable by the system python3, installing it from Debian when missing. Returns a reason when it cannot. */
export function ensureTorch(log: (line: string) => void): { ok: true } | { ok: false; reason: string } {
  if (!existsSync(SYSTEM_PYTHON)) return { ok: false, reason: `${SYSTEM_PYTHON} not found` };
  if (importsTorch()) return { ok: true };
  const install = ['install', '-y', '--no-install-recommends', ...APT_PACKAGES];
  log(`torch peer: ${SYSTEM_PYTHON} cannot import torch; installing it: apt-get ${install.join(' ')} (about a minute)`);
  let r = aptGet(install);
  if (!r.ok) {
    log(`torch peer: the install failed (${r.tail}); running apt-get update and retrying`);
    const update = aptGet(['update']);
    if (!update.ok) return { ok: false, reason: `apt-get update failed: ${update.tail}` };
    r = aptGet(install);
  }
  if (!r.ok) return { ok: false, reason: `apt-get install failed: ${r.tail}` };
  if (!importsTorch()) return { ok: false, reason: 'installed, but `import torch` still fails' };
  log(`torch peer: installed ${APT_PACKAGES.join(' and ')} with apt-get`);
  return { ok: true };
}

export interface PeerPlan {
  only: WorkloadId[];
  /** The I-MLP workloads' priors as the engine resolves them (bench/torch_step.py builds P and M from them). */
  imlp: Partial<Record<ImlpId, { layers: LayerSpec[]; input: number[]; alpha: number }>>;
  threads: number;
  warmup: number;
  steps: number;
  matmulReps: number;
  lr: number;
  eps: number;
  seed: number;
}

/** One run of the peer: a fresh process, so every round pays the same start-up and none is timed. */
export function runPeer(plan: PeerPlan, env: Record<string, string>): PeerResult {
  const args = [
    PEER_SCRIPT, '--only', plan.only.join(','), '--imlp', JSON.stringify(plan.imlp), '--warmup', String(plan.warmup),
    '--steps', String(plan.steps), '--matmul-reps', String(plan.matmulReps), '--threads', String(plan.threads),
    '--lr', String(plan.lr), '--eps', String(plan.eps), '--seed', String(plan.seed),
  ];
  const r = spawnSync(SYSTEM_PYTHON, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
  if (r.status !== 0) {
    const why = (r.stderr || String(r.error ?? '')).trim().split('\n').slice(-3).join(' | ');
    throw new Error(`torch peer exited with ${r.status}: ${why}`);
  }
  const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerResult;
  result.debianPackage = debianVersion('python3-torch');
  return result;
}

function debianVersion(pkg: string): string | undefined {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}
