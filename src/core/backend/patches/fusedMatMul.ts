// _FusedMatMul (matmul + bias + activation, used by tf.layers dense and tf.fused.matMul) on wasm has
// BatchMatMul's slow scalar loop, and that loop also adds the bias wrongly: element (i, j) gets
// bias[min(i·N + j, N−1)], so every row after the first gets bias[N−1]. The XNNPACK path is correct for
// every activation, so plain products (see plainMatMul.ts) go there with the bias and activation fused.
// The rest (batched b, or a bias that is not [N]) is computed unfused: BatchMatMul, Add, activation.
import type { KernelBackend, KernelFunc, TensorInfo, _FusedMatMulAttrs } from '@tensorflow/tfjs';
import { type KernelScope, withKernelScope } from './kernelScope';
import { canPlainMatMul, matMulShape, plainOperands } from './plainMatMul';

interface FusedInputs {
  a: TensorInfo;
  b: TensorInfo;
  bias?: TensorInfo;
  preluActivationWeights?: TensorInfo;
}

export function fusedMatMul(backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as unknown as FusedInputs;
    const attrs = args.attrs as unknown as _FusedMatMulAttrs;
    const { transposeA, transposeB } = attrs;
    const { batchA, batchB, outShape } = matMulShape(a, b, transposeA, transposeB);
    const n = outShape[outShape.length - 1] as number;
    const biasFits = bias === undefined || (bias.shape.length === 1 && bias.shape[0] === n);
    const stockIsFast = batchA === 1 && batchB === 1 && !transposeA && !transposeB;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || (stockIsFast && biasFits)) return original(args);

    return withKernelScope(args.backend as KernelBackend, backendName, (scope) => {
      if (biasFits && canPlainMatMul(a, b, transposeA, transposeB)) {
        const operands = plainOperands(scope, a, b, transposeA, transposeB);
        const out = scope.run(
          original,
          { ...args.inputs, ...operands },
          { ...attrs, transposeA: false, transposeB: false },
        );
        out.shape = outShape;
        return out;
      }
      const product = scope.run('BatchMatMul', { a, b }, { transposeA, transposeB });
      const sum = bias === undefined ? product : scope.run('Add', { a: product, b: bias });
      return activate(scope, sum, attrs, preluActivationWeights);
    });
  };
}

/** The activations tfjs fuses, each with the backend's own kernel. */
function activate(scope: KernelScope, x: TensorInfo, attrs: _FusedMatMulAttrs, prelu?: TensorInfo): TensorInfo {
  switch (attrs.activation) {
    case 'linear':
      return x;
    case 'relu':
      return scope.run('Relu', { x });
    case 'relu6':
      return scope.run('Relu6', { x });
    case 'elu':
      return scope.run('Elu', { x });
    case 'sigmoid':
      return scope.run('Sigmoid', { x });
    case 'leakyrelu':
      return scope.run('LeakyRelu', { x }, { alpha: attrs.leakyreluAlpha ?? 0.2 });
    case 'prelu':
      if (prelu === undefined) throw new Error('_FusedMatMul: prelu activation without weights');
      return scope.run('Prelu', { x, alpha: prelu });
    default:
      throw new Error(`_FusedMatMul: unsupported activation ${String(attrs.activation)}`);
  }
}
