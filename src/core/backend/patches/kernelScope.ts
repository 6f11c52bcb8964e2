import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

/**
 * Calls a backend's own kernels from inside a patched kernel: directly, so the engine neither tracks
 * nor records them, and then frees every intermediate except the output the patch returns.
 */
export class KernelScope {
  private readonly made: TensorInfo[] = [];

  constructor(
    private readonly backend: KernelBackend,
    private readonly backendName: string,
  ) {}

  /** Runs a kernel by name (this backend's registered one) or a kernel function; the scope owns the output. */
  run(kernel: string | KernelFunc, inputs: NamedTensorInfoMap, attrs: object = {}): TensorInfo {
    const func = typeof kernel === 'string' ? tf.getKernel(kernel, this.backendName)?.kernelFunc : kernel;
    if (func === undefined) throw new Error(`kernel ${kernel} is not registered for the ${this.backendName} backend`);
    const out = func({ inputs, backend: this.backend, attrs: attrs as NamedAttrMap });
    if (Array.isArray(out)) throw new Error('patched kernels only call single-output kernels');
    this.made.push(out);
    return out;
  }

  /** A float32 tensor of these values, owned by the scope like a kernel's output. */
  constant(values: Float32Array, shape: number[]): TensorInfo {
    const out = { dataId: this.backend.write(values, shape, 'float32'), shape, dtype: 'float32' as const };
    this.made.push(out);
    return out;
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Frees everything this scope made except `keep` (compared by identity). */
  dispose(keep?: TensorInfo): void {
    for (const t of this.made) if (t !== keep) this.backend.disposeData(t.dataId);
    this.made.length = 0;
  }
}

/** Runs `body` in a fresh scope; its result survives, every other output is freed, also on error. */
export function withKernelScope(
  backend: KernelBackend,
  backendName: string,
  body: (scope: KernelScope) => TensorInfo,
): TensorInfo {
  const scope = new KernelScope(backend, backendName);
  let out: TensorInfo | undefined;
  try {
    out = body(scope);
    return out;
  } finally {
    scope.dispose(out);
  }
}

/** The same data under another shape (row-major order unchanged). Views are never freed. */
export function view(x: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: x.dataId, shape, dtype: x.dtype };
}
