// Where the optional OpenBLAS addon is (blas.ts), whether to use it (IMLP_BLAS), and OPENBLAS_CORETYPE.
// Debian's OpenBLAS 0.3.21 can misdetect a new CPU as Prescott (sgemm 5× slower, notes:
// compute-backends.md §6) and reads OPENBLAS_CORETYPE with getenv() once, when the library is loaded. A
// worker thread's process.env is a private copy that never reaches getenv(), so the main thread (the CLI,
// the extension host) sets it before a worker loads the addon. No TensorFlow.js here: the extension host
// imports this module.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** IMLP_BLAS: `1` use the addon (fail if it cannot load), `0` never, `auto` (default) when it loads. */
export type BlasMode = 'on' | 'off' | 'auto';

const MODES: Record<string, BlasMode> = { '': 'auto', auto: 'auto', '1': 'on', '0': 'off' };

const modeOf = (env: NodeJS.ProcessEnv): BlasMode | undefined => MODES[(env.IMLP_BLAS ?? '').trim().toLowerCase()];

export function blasMode(env: NodeJS.ProcessEnv = process.env): BlasMode {
  const mode = modeOf(env);
  if (mode === undefined) throw new Error(`IMLP_BLAS must be 1, 0 or auto, not "${env.IMLP_BLAS}"`);
  return mode;
}

const ADDON = join('native', 'blas', 'build', 'Release', 'imlp_blas.node');

/**
 * The addon file: IMLP_BLAS_ADDON when set (whether or not it exists), else the one built in this
 * checkout by `npm run build:native`, found from the bundles in dist/ or from src/core/backend.
 */
export function blasAddonPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.IMLP_BLAS_ADDON) return env.IMLP_BLAS_ADDON;
  return [join(__dirname, '..', ADDON), join(__dirname, '..', '..', '..', ADDON)].find((p) => existsSync(p));
}

/**
 * The core type to force for this CPU: SkylakeX kernels need AVX-512 F/CD/BW/DQ/VL, Haswell kernels
 * AVX2 and FMA; otherwise none (OpenBLAS's own detection).
 */
export function coreTypeFor(cpuinfo: string): 'SkylakeX' | 'Haswell' | undefined {
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? []);
  const has = (...names: string[]) => names.every((n) => flags.has(n));
  if (has('avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl')) return 'SkylakeX';
  if (has('avx2', 'fma')) return 'Haswell';
  return undefined;
}

export function recommendedCoreType(): 'SkylakeX' | 'Haswell' | undefined {
  try {
    return coreTypeFor(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return undefined; // not Linux
  }
}

/**
 * Before training workers start: sets OPENBLAS_CORETYPE (unless the user set it) and OPENBLAS_NUM_THREADS=1
 * in this process's real environment (effective on the main thread only) when the addon is there and not
 * switched off. `env` is the environment of the code that will load the addon (a worker's own copy).
 * Returns a note when it overrides the user's thread count: OpenBLAS's pool belongs to the process and
 * is shared by its workers, and with 2 threads the extension host's first training worker hung on its
 * first matmul (reproduced by the event-loop benchmark, by test/e2e/panel.ts on a second or third run).
 */
export function prepareOpenBlasEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const addon = blasAddonPath(env);
  if (modeOf(env) === 'off' || addon === undefined || !existsSync(addon)) return undefined;
  setOpenBlasCoreType();
  const asked = process.env.OPENBLAS_NUM_THREADS;
  process.env.OPENBLAS_NUM_THREADS = '1';
  return asked === undefined || asked === '1' ? undefined
    : `OPENBLAS_NUM_THREADS=${asked} is not used for training in worker threads: they share one OpenBLAS pool, which hangs with more than one thread; each runs on 1`;
}

/**
 * One OpenBLAS thread for training in the launching thread too (`imlp run`), unless the user set
 * OPENBLAS_NUM_THREADS: sgemm's results depend on its thread count (a quick run ends with other weights on
 * 1 and 2 threads), so a run resumed in VS Code, in a worker of `--parallel` or in the CLI sees the same
 * count and ends bit-identical to an uninterrupted one.
 */
export function setOpenBlasThreads(): void {
  process.env.OPENBLAS_NUM_THREADS ??= '1';
}

/** Sets OPENBLAS_CORETYPE to the recommended core type unless the user set it. */
export function setOpenBlasCoreType(): void {
  const coreType = recommendedCoreType();
  if (!process.env.OPENBLAS_CORETYPE && coreType !== undefined) process.env.OPENBLAS_CORETYPE = coreType;
}
