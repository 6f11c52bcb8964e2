// Backend setup for training: native TensorFlow when the user installed @tensorflow/tfjs-node, else
// TF.js wasm (SIMD, XNNPACK) with the kernel patches training needs, else the pure-JS cpu backend. On
// wasm the matmuls go to the optional OpenBLAS addon when it is built (IMLP_BLAS, blas.ts), and
// IMLP_WASM_THREADS=n (n ≥ 2) opts into its multithreaded build (wasmThreads.ts).
// Notes: compute-backends.md §2–6.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendChoice } from '../experiment/types';
import { type Accelerator, useBlas } from './blas';
import { type BlasMode, blasMode } from './openblasEnv';
import { installPatches } from './patches';
import { loadTfjsNode } from './tfjsNode';
import { wasmDirectory } from './wasmPaths';
import { patchForThreads, wasmThreadsSetting } from './wasmThreads';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type { Accelerator } from './blas';

export interface BackendInfo {
  /** The backend now active. */
  name: BackendName;
  requested: BackendChoice;
  /** One line saying which backend was taken and why (also passed to `log`). */
  reason: string;
  /** How it runs, e.g. "SIMD, 1 thread". */
  detail: string;
  /** Kernels replaced by this project's patches on that backend. */
  patches: string[];
  /** The native accelerator of the wasm backend's matmuls, or why there is none. */
  accelerator: Accelerator;
  tfjsVersion: string;
}

export interface BackendOptions {
  /** Default: IMLP_BLAS. */
  blas?: BlasMode;
  /** The addon file. Default: IMLP_BLAS_ADDON, else the one `npm run build:native` builds. */
  blasAddon?: string;
  /** Threads of the wasm backend: 1 = the single-threaded SIMD build, 2–8 its threaded build. Default: IMLP_WASM_THREADS. */
  wasmThreads?: number;
}

interface Started {
  name: BackendName;
  /** How it runs, e.g. "SIMD, 1 thread". */
  detail: string;
  patches: string[];
}

/**
 * Makes `choice` the active tfjs backend (for 'auto': tensorflow, else wasm, else cpu). Safe to call
 * again to switch backends; patches are registered once per backend. With `blas: 'on'` it rejects
 * when wasm is taken and the OpenBLAS addon cannot be loaded.
 */
export async function initBackend(choice: BackendChoice, log?: (msg: string) => void, options: BackendOptions = {}): Promise<BackendInfo> {
  // Read whenever wasm may start: a bad IMLP_WASM_THREADS is an error, not a silent fall-back to cpu.
  const threads = choice === 'wasm' || choice === 'auto' ? options.wasmThreads ?? wasmThreadsSetting() : 1;
  const { started, why } = await start(choice, threads);
  const accelerator: Accelerator = started.name === 'wasm'
    ? useBlas(options.blas ?? blasMode(), options.blasAddon)
    : { name: 'none', detail: 'the BLAS accelerator serves the wasm backend only' };
  const reason = `${why}; using ${started.name} (${started.detail})${started.name === 'wasm' ? `; ${accelerator.detail}` : ''}`;
  log?.(reason);
  const { name, detail, patches } = started;
  return { name, requested: choice, reason, detail, patches, accelerator, tfjsVersion: tf.version.tfjs };
}

async function start(choice: BackendChoice, threads: number): Promise<{ started: Started; why: string }> {
  switch (choice) {
    case 'tensorflow':
      return { started: await startTensorflow(), why: 'tensorflow requested' };
    case 'wasm':
      return { started: await startWasm(threads), why: 'wasm requested' };
    case 'cpu':
      return { started: await startCpu(), why: 'cpu requested' };
    case 'auto':
      return startAuto(threads);
  }
}

async function startAuto(threads: number): Promise<{ started: Started; why: string }> {
  const node = loadTfjsNode();
  let why: string;
  if (node.loaded) {
    try {
      return { started: await activateTensorflow(), why: 'auto: @tensorflow/tfjs-node found' };
    } catch (err) {
      why = `auto: the tensorflow backend failed to start (${messageOf(err)})`;
    }
  } else {
    why = node.installed
      ? `auto: @tensorflow/tfjs-node failed to load (${messageOf(node.error)})`
      : 'auto: @tensorflow/tfjs-node not installed';
  }
  try {
    return { started: await startWasm(threads), why };
  } catch (err) {
    return { started: await startCpu(), why: `${why}; wasm failed to start (${messageOf(err)})` };
  }
}

async function startTensorflow(): Promise<Started> {
  const node = loadTfjsNode();
  if (!node.loaded) {
    const problem = node.installed ? `failed to load (${messageOf(node.error)})` : 'is not installed';
    throw new Error(
      `The "tensorflow" backend needs @tensorflow/tfjs-node, which ${problem}. ` +
        'Install it with `npm i @tensorflow/tfjs-node` (with install scripts enabled: it downloads the native ' +
        'TensorFlow library, so it needs internet access), or choose the "wasm" backend, which needs nothing extra.',
    );
  }
  return activateTensorflow();
}

async function activateTensorflow(): Promise<Started> {
  await activate('tensorflow');
  return { name: 'tensorflow', detail: 'native TensorFlow', patches: [] };
}

/** The thread count the wasm backend instance was created with (undefined: not created by startWasm). */
let wasmBuiltWith: number | undefined;

async function startWasm(threads: number): Promise<Started> {
  // Another thread count needs another build of the module: a fresh backend instance (the benchmark
  // alternates them; a training run starts one). The patches keep the stock kernels' setup, so they
  // bind to the new module.
  if (tf.engine().registry.wasm !== undefined && (wasmBuiltWith ?? 1) !== threads) {
    const factory = tf.findBackendFactory('wasm');
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory, WASM_PRIORITY);
  }
  setWasmPaths(wasmDirectory());
  const fresh = tf.engine().registry.wasm === undefined;
  const restore = threads > 1 && fresh ? patchForThreads(threads) : undefined;
  try {
    await activate('wasm');
  } finally {
    restore?.();
  }
  if (fresh) wasmBuiltWith = threads;
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const actual = getThreadsCount();
  return {
    name: 'wasm',
    detail: `${simd ? 'SIMD' : 'no SIMD'}, ${actual} thread${actual === 1 ? '' : 's'}`,
    patches: installPatches('wasm'),
  };
}

/** tfjs-backend-wasm's registration priority (4.22.0), kept when the backend is registered again. */
const WASM_PRIORITY = 2;

async function startCpu(): Promise<Started> {
  await activate('cpu');
  // The cpu backend prints a "Hi, looks like you are running TensorFlow.js in Node.js" banner on its
  // first tensor unless this flag of the backend instance is already cleared.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return { name: 'cpu', detail: 'pure JavaScript, slow', patches: installPatches('cpu') };
}

async function activate(name: BackendName): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend failed to initialise`);
}

/** The first line of an error's message (Node appends require stacks on further lines). */
export function messageOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}
