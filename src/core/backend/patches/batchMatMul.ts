// BatchMatMul on wasm uses XNNPACK only for untransposed operands with a batch of 1; every other case
// (all backprop products x^T·dy and dy·W^T among them) runs a scalar loop at ~1 GFLOP/s. Rewritten as
// a plain product (see plainMatMul.ts); a batched b keeps the stock kernel.
import type { BatchMatMulAttrs, KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { canPlainMatMul, matMulShape, plainOperands } from './plainMatMul';
import { withKernelScope } from './kernelScope';

export function batchMatMul(backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    if (!canPlainMatMul(a, b, transposeA, transposeB)) return original(args);
    return withKernelScope(args.backend as KernelBackend, backendName, (scope) => {
      const out = scope.run(original, plainOperands(scope, a, b, transposeA, transposeB), {
        transposeA: false,
        transposeB: false,
      });
      out.shape = matMulShape(a, b, transposeA, transposeB).outShape;
      return out;
    });
  };
}
