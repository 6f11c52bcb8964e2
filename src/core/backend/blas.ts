// Optional native accelerator of the wasm backend: BatchMatMul and _FusedMatMul (bias, linear or relu)
// through OpenBLAS sgemm, and Adam's update and the sync's pull in one pass each, an N-API addon built by
// `npm run build:native` (native/blas). Single-thread wasm SIMD tops out near 20–30 GFLOP/s; OpenBLAS
// reaches several times that, so MLP steps get ~3× faster (notes: compute-backends.md §6–7). The addon computes on Float32Array views of the wasm heap,
// nothing is copied. Every case it does not take goes to the kernels registered before it (the
// project's patches, then the stock kernels), and so does everything while it is switched off.
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { BatchMatMulAttrs, KernelFunc, TensorInfo, _FusedMatMulAttrs } from '@tensorflow/tfjs';
import { type BlasMode, blasAddonPath, setOpenBlasCoreType, setOpenBlasThreads } from './openblasEnv';
import { matMulShape } from './patches/plainMatMul';

/** native/blas/imlp_blas.c */
interface BlasAddon {
  gemm(
    a: Float32Array, b: Float32Array, out: Float32Array, bias: Float32Array | null,
    batchA: number, batchB: number, m: number, n: number, k: number,
    transposeA: boolean, transposeB: boolean, activation: number,
  ): void;
  adam(
    w: Float32Array, out: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, epsilon: number, c2: number, step: number,
  ): void;
  lerp(w: Float32Array, t: Float32Array, out: Float32Array, alpha: number, oneMinusAlpha: number): void;
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
  refCount(dataId: TensorInfo['dataId']): number;
}

const ACTIVATIONS: Partial<Record<string, number>> = { linear: 0, relu: 1 };

/** The addon the kernels call; undefined while it is off or missing. */
let active: BlasAddon | undefined;
let registered = false;
const loads = new Map<string, BlasAddon | Error>();

/** Whether the wasm backend's matmuls run on OpenBLAS now (transposed operands then cost nothing extra). */
export function blasActive(): boolean {
  return active !== undefined;
}

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
    // Before libopenblas loads; in a worker only its own copy: the main thread did it (prepareOpenBlasEnv).
    setOpenBlasCoreType();
    setOpenBlasThreads();
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
    const stock = tf.getKernel(kernelName, 'wasm');
    if (stock === undefined) throw new Error(`no ${kernelName} kernel on wasm to put OpenBLAS in front of`);
    tf.unregisterKernel(kernelName, 'wasm');
    // Keeps the stock setup (see patches/index.ts), which binds the fallback to a new backend instance.
    tf.registerKernel({ ...stock, kernelName, backendName: 'wasm', kernelFunc: make(stock.kernelFunc) });
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
  return computeInto(backend as WasmHeap, outShape, bias ? [a, b, bias] : [a, b], (out, [A, B, bias]) =>
    addon.gemm(A!, B!, out, bias ?? null, batchA, batchB, m, n, k, transposeA, transposeB, activation));
}

/**
 * A new float32 tensor of `shape` that `fill` writes, given heap views of it and of `inputs`; freed if
 * `fill` throws. Allocated first: allocating may grow the heap, which detaches views taken before.
 */
function computeInto(heap: WasmHeap, shape: number[], inputs: TensorInfo[], fill: (out: Float32Array, views: Float32Array[]) => void): TensorInfo {
  const out = heap.makeOutput(shape, 'float32');
  try {
    fill(heap.typedArrayFromHeap(out), inputs.map((t) => heap.typedArrayFromHeap(t)));
  } catch (err) {
    heap.disposeData(out.dataId);
    throw err;
  }
  return out;
}

export interface AdamConstants { beta1: number; beta2: number; epsilon: number; lr: number }

/**
 * Adam's update of w and its moments m, v (bias corrections c1 = 1 − β1^t, c2 = 1 − β2^t) in one pass,
 * bit-identical to optimizer.ts's ops. Op by op, tfjs makes 12 temporary tensors the size of the parameter
 * per step: ~1 GB of allocation and memory traffic per step for an I-MLP's 12.6M-entry layers, the largest
 * cost after the matmuls. The moments are updated in place; w gets a new buffer, because XNNPACK caches
 * packed weights by tensor and would keep using the old values. Returns false, changing nothing, while the
 * accelerator is off, and where m or v shares its buffer with another tensor (it must keep its values).
 */
export function blasAdam(w: tf.Variable, m: tf.Variable, v: tf.Variable, g: tf.Tensor, k: AdamConstants, c1: number, c2: number): boolean {
  return replace(w, [m, v], [g], (W, out, [M, V, G]) => active!.adam(W, out, M!, V!, G!, k.beta1, 1 - k.beta1, k.beta2, 1 - k.beta2, k.epsilon, c2, k.lr / c1));
}

/**
 * The sync form's pull w ← (1 − α)·w + α·t in one pass, bit-identical to imlp.ts's blend (instead of three
 * temporary tensors). False, changing nothing, while the accelerator is off.
 */
export function blasLerp(w: tf.Variable, t: tf.Tensor, alpha: number): boolean {
  return replace(w, [], [t], (W, out, [T]) => active!.lerp(W, T!, out, alpha, 1 - alpha));
}

/**
 * Gives `w` a new buffer that `compute(w, out, [...written, ...read])` fills, `written` being updated in
 * place (each must own its buffer). False, calling nothing, when the accelerator cannot take it.
 */
function replace(w: tf.Variable, written: tf.Tensor[], read: tf.Tensor[], compute: (w: Float32Array, out: Float32Array, others: Float32Array[]) => void): boolean {
  if (active === undefined || tf.getBackend() !== 'wasm') return false;
  const heap = tf.backend() as unknown as WasmHeap;
  const all = [w, ...written, ...read];
  if (all.some((t) => t.dtype !== 'float32' || t.size !== w.size)) return false;
  if (written.some((t) => heap.refCount(t.dataId) !== 1)) return false;
  const out = computeInto(heap, w.shape, all, (o, [W, ...others]) => compute(W!, o, others));
  const next = tf.engine().makeTensorFromTensorInfo(out);
  w.assign(next);
  next.dispose();
  return true;
}
