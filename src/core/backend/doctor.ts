// What `imlp doctor` reports: the versions, the backends this machine can start, the wasm backend's
// BLAS accelerator (or why there is none), OPENBLAS_CORETYPE, the wasm thread setting (IMLP_WASM_THREADS)
// and a quick matmul speed with and without the accelerator. Leaves the wasm backend active, with the
// accelerator IMLP_BLAS asks for.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { availableParallelism, cpus } from 'node:os';
import { type Accelerator, type BackendName, initBackend, messageOf } from '.';
import { blasAddonPath, recommendedCoreType } from './openblasEnv';
import { loadTfjsNode } from './tfjsNode';
import { wasmThreadsSetting } from './wasmThreads';

export interface DoctorReport {
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  tfjs: string;
  tfjsBackendWasm: string;
  backends: Record<BackendName, { available: boolean; detail: string }>;
  accelerator: Accelerator & { addon: string | null };
  openblasCoreType: { value: string | null; recommended: string | null };
  /** IMLP_WASM_THREADS as set, and the threads the wasm backend runs with (null when it did not start). */
  wasmThreads: { setting: string | null; threads: number | null; detail: string };
  /** GFLOP/s of a size³ float32 matmul (median of `reps`, read back) on wasm, and on wasm + BLAS when active. */
  matmul: { size: number; wasm: number; blas: number | null };
}

export async function diagnose(size = 1024, reps = 5): Promise<DoctorReport> {
  const backends = {} as DoctorReport['backends'];
  const node = loadTfjsNode();
  backends.tensorflow = node.loaded
    ? await probe('tensorflow')
    : { available: false, detail: node.installed ? `@tensorflow/tfjs-node failed to load (${messageOf(node.error)})` : '@tensorflow/tfjs-node not installed' };
  backends.cpu = await probe('cpu');
  backends.wasm = await probe('wasm');
  const wasmThreads = threadSetting(backends.wasm.available ? getThreadsCount() : null);
  if (backends.wasm.available) backends.wasm.detail += ` (${wasmThreads.detail})`;
  const plain = backends.wasm.available ? matmulGflops(size, reps) : 0;
  let accelerator: Accelerator;
  try {
    accelerator = backends.wasm.available ? (await initBackend('wasm')).accelerator : { name: 'none', detail: 'the wasm backend failed to start' };
  } catch (err) {
    accelerator = { name: 'none', detail: messageOf(err) }; // IMLP_BLAS=1 and no usable addon, or a bad IMLP_BLAS
  }
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    tfjs: tf.version.tfjs,
    tfjsBackendWasm: version_wasm,
    backends,
    accelerator: { ...accelerator, addon: blasAddonPath() ?? null },
    openblasCoreType: { value: process.env.OPENBLAS_CORETYPE ?? null, recommended: recommendedCoreType() ?? null },
    wasmThreads,
    matmul: { size, wasm: plain, blas: accelerator.name === 'openblas' ? matmulGflops(size, reps) : null },
  };
}

function threadSetting(threads: number | null): DoctorReport['wasmThreads'] {
  const setting = process.env.IMLP_WASM_THREADS ?? null;
  let detail: string;
  try {
    detail = wasmThreadsSetting() > 1
      ? `IMLP_WASM_THREADS=${setting}: the multithreaded build, opt-in`
      : `IMLP_WASM_THREADS ${setting === null ? 'unset' : `=${setting}`}: single-threaded, the default; 2–8 opts into threads`;
  } catch (err) {
    detail = messageOf(err);
  }
  return { setting, threads, detail };
}

/** Starts a backend (wasm without the accelerator) and says how it runs or why it does not start. */
async function probe(name: BackendName): Promise<{ available: boolean; detail: string }> {
  try {
    return { available: true, detail: (await initBackend(name, undefined, { blas: 'off' })).detail };
  } catch (err) {
    return { available: false, detail: messageOf(err) };
  }
}

function matmulGflops(size: number, reps: number): number {
  const [a, b] = [tf.randomNormal([size, size]), tf.randomNormal([size, size])];
  const ms: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
    if (i > 0) ms.push(performance.now() - t0); // the first call warms up
  }
  tf.dispose([a, b]);
  ms.sort((x, y) => x - y);
  return (2 * size ** 3) / (ms[Math.floor(ms.length / 2)] as number) / 1e6;
}
