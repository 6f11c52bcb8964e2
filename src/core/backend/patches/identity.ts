// Identity (tf.clone, and the gradient tape keeping every op's inputs for the backward pass) copies the
// tensor on wasm, where the cpu and webgl backends share its buffer: tensors are immutable and the backend
// counts references. For an I-MLP the tape's copies of M's weights are 21M floats per step. Shared here
// like cpu; the addon's one-pass updates (blas.ts) write in place only into buffers with one reference.
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';

export function identity(_backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return original(args);
    (args.backend as KernelBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
}
