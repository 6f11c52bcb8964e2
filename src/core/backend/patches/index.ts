// Kernel patches that make training on tfjs 4.22 backends complete, correct and fast (notes:
// compute-backends.md §4). Each patch is built from the backend's own fast kernels and keeps the
// stock kernel for the cases it does not cover.
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc } from '@tensorflow/tfjs';
import { batchMatMul } from './batchMatMul';
import { conv2dBackpropFilter } from './conv2dBackpropFilter';
import { conv2dBackpropInput } from './conv2dBackpropInput';
import { fusedMatMul } from './fusedMatMul';
import { identity } from './identity';
import { maxPoolGrad } from './maxPoolGrad';

export type PatchedBackend = 'wasm' | 'cpu';

/** Builds a patched kernel from the stock one (undefined where the backend has none). */
type Patch = (backendName: string, original: KernelFunc | undefined) => KernelFunc;

const needsStock =
  (make: (backendName: string, original: KernelFunc) => KernelFunc): Patch =>
  (backendName, original) => {
    if (original === undefined) throw new Error(`no stock kernel to patch on ${backendName}`);
    return make(backendName, original);
  };

const PATCHES: Record<PatchedBackend, Record<string, Patch>> = {
  wasm: {
    Conv2DBackpropFilter: conv2dBackpropFilter,
    Conv2DBackpropInput: needsStock(conv2dBackpropInput),
    MaxPoolGrad: needsStock(maxPoolGrad),
    BatchMatMul: needsStock(batchMatMul),
    _FusedMatMul: needsStock(fusedMatMul),
    Identity: needsStock(identity),
  },
  cpu: {
    Conv2DBackpropFilter: conv2dBackpropFilter,
  },
};

const installed = new Set<PatchedBackend>();

/**
 * Registers the patches for a backend once per process (the kernel registry is global) and returns
 * the names of the patched kernels. Call after setBackend has resolved.
 */
export function installPatches(backendName: PatchedBackend): string[] {
  const patches = PATCHES[backendName];
  if (!installed.has(backendName)) {
    for (const [kernelName, patch] of Object.entries(patches)) {
      const stock = tf.getKernel(kernelName, backendName);
      const kernelFunc = patch(backendName, stock?.kernelFunc);
      if (stock !== undefined) tf.unregisterKernel(kernelName, backendName);
      // The stock setup binds the kernel to the backend's module: it must run again for a new instance
      // of the backend (wasm with another thread count, wasmThreads.ts).
      tf.registerKernel({ ...stock, kernelName, backendName, kernelFunc });
    }
    installed.add(backendName);
  }
  return Object.keys(patches);
}
