// Optional native accelerator of the wasm backend: BatchMatMul and _FusedMatMul (bias, linear or relu)
// through OpenBLAS sgemm, an N-API addon built by `npm run build:native` (native/blas). Single-thread
// wasm SIMD tops out near 20–30 GFLOP/s; OpenBLAS reaches several times that, so MLP steps get ~3×
// faster (notes: compute-backends.md §6–7). The addon computes on Float32Array views of the wasm heap,
// nothing is copied. Every case it does not take goes to the kernels registered before it (the
// project's patches, then the stock kernels), and so does everything while it is switched off.
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { BatchMatMulAttrs, KernelFunc, TensorInfo, _FusedMatMulAttrs } from '@tensorflow/tfjs';
import { type BlasMode, blasAddonPath, setOpenBlasCoreType } from './openblasEnv';
import { matMulShape } from './patches/plainMatMul';

/** native/blas/imlp_blas.c */
interface BlasAddon {
  gemm(
    a: Float32Array, b: Float32Array, out: Float32Array, bias: Float32Array | null,
    batchA: number, batchB: number, m: number, n: number, k: number,
    transposeA: boolean, transposeB: boolean, activation: number,
  ): void;
  info(): { coreName: string; config: string; threads: number };
}

/** What the wasm backend's matmuls run on. */
export interface Accelerator {
  name: 'openblas' | 'none';
  /** What it is ("matmuls on OpenBLAS 0.3.21 (SkylakeX, 2 threads)"), or why there is none. */
  detail: string;
  /** OpenBLAS's core (kernel set) in use, when active. */
  coreName?: string;
}

/** The BackendWasm methods used here (tfjs-backend-wasm 4.22.0, pinned). */
interface WasmHeap {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  disposeData(dataId: TensorInfo['dataId']): boolean;
}

const ACTIVATIONS: Partial<Record<string, number>> = { linear: 0, relu: 1 };

/** The addon the kernels call; undefined while it is off or missing. */
let active: BlasAddon | undefined;
let registered = false;
const loads = new Map<string, BlasAddon | Error>();

/**
 * Switches the wasm backend's matmuls to OpenBLAS or back (call after the patches are installed: they
 * are the fallback). `on` throws when the addon cannot be loaded; `auto` then says why in `detail`.
 */
export function useBlas(mode: BlasMode, addonPath: string | undefined = blasAddonPath()): Accelerator {
  active = undefined;
  if (mode === 'off') return { name: 'none', detail: 'BLAS accelerator off (IMLP_BLAS=0)' };
  const addon = addonPath === undefined ? new Error('not built (npm run build:native)') : load(addonPath);
  if (addon instanceof Error) {
    if (mode === 'on') throw new Error(`IMLP_BLAS=1 but the OpenBLAS addon is unusable: ${addon.message}`);
    return { name: 'none', detail: `no BLAS accelerator: ${addon.message}` };
  }
  register();
  active = addon;
  const { coreName, config, threads } = addon.info();
  const version = /OpenBLAS (\S+)/.exec(config)?.[1] ?? '';
  return {
    name: 'openblas',
    detail: `matmuls on OpenBLAS ${version} (${coreName}, ${threads} thread${threads === 1 ? '' : 's'})`,
    coreName,
  };
}

function load(path: string): BlasAddon | Error {
  let addon = loads.get(path);
  if (addon === undefined) {
    setOpenBlasCoreType(); // before libopenblas loads; in a worker only its own copy: the main thread did it
    try {
      addon = require(path) as BlasAddon;
    } catch (err) {
      const message = (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? `${path} does not exist` : `${path} failed to load (${String((err as Error).message).split('\n')[0]})`;
      addon = new Error(message);
    }
    loads.set(path, addon);
  }
  return addon;
}

/** Puts the BLAS kernels in front of the registered ones, once per process (the registry is global). */
function register(): void {
  if (registered) return;
  for (const [kernelName, make] of [['BatchMatMul', batchMatMul], ['_FusedMatMul', fusedMatMul]] as const) {
    const fallback = tf.getKernel(kernelName, 'wasm')?.kernelFunc;
    if (fallback === undefined) throw new Error(`no ${kernelName} kernel on wasm to put OpenBLAS in front of`);
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: make(fallback) });
  }
  registered = true;
}

function batchMatMul(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    return gemm(args.backend, a, b, transposeA, transposeB, undefined, 0) ?? fallback(args);
  };
}

function fusedMatMul(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b, bias } = args.inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo };
    const { transposeA, transposeB, activation } = args.attrs as unknown as _FusedMatMulAttrs;
    const code = ACTIVATIONS[activation ?? 'linear'];
    const out = code === undefined ? undefined : gemm(args.backend, a, b, transposeA, transposeB, bias, code);
    return out ?? fallback(args);
  };
}

/** The product on OpenBLAS, or undefined for the cases left to the fallback. */
function gemm(
  backend: object, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean,
  bias: TensorInfo | undefined, activation: number,
): TensorInfo | undefined {
  const addon = active;
  if (addon === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const k = a.shape[a.shape.length - (transposeA ? 2 : 1)] as number;
  const kB = b.shape[b.shape.length - (transposeB ? 1 : 2)] as number;
  if (k !== kB) return undefined; // the stock kernel's error message
  const { batchA, batchB, outShape } = matMulShape(a, b, transposeA, transposeB);
  const [m, n] = outShape.slice(-2) as [number, number];
  // tfjs pairs a[i % batchA] with b[i % batchB]; other broadcasts and empty products stay with tfjs.
  const batch = Math.max(batchA, batchB);
  if (m * n * k === 0 || util.sizeFromShape(outShape) !== batch * m * n) return undefined;
  if (bias !== undefined) {
    const size = util.sizeFromShape(bias.shape);
    const row = size === 1 || (size === n && bias.shape[bias.shape.length - 1] === n);
    if (bias.dtype !== 'float32' || !row || bias.shape.length > outShape.length) return undefined;
  }
  const heap = backend as WasmHeap;
  // Allocate first: it may grow the heap, which detaches views taken before.
  const out = heap.makeOutput(outShape, 'float32');
  try {
    const view = (t: TensorInfo) => heap.typedArrayFromHeap(t);
    addon.gemm(view(a), view(b), view(out), bias ? view(bias) : null, batchA, batchB, m, n, k, transposeA, transposeB, activation);
  } catch (err) {
    heap.disposeData(out.dataId);
    throw err;
  }
  return out;
}
