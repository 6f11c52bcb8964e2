import { broadcast_util, util } from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { type KernelScope, view } from './kernelScope';

// The wasm matmul kernels (BatchMatMul, _FusedMatMul) reach XNNPACK only for untransposed operands
// with a batch of 1; everything else runs a scalar loop ~25× slower. These helpers bring a product
// into that form: transposes are materialised with the Transpose kernel, and a batched `a` times an
// unbatched `b` is folded into one [1, B·M, K]·[1, K, N] product (same memory order as [B, M, N]).

export interface MatMulShape {
  /** Size of a's (resp. b's) batch dimensions, i.e. all but the last two. */
  batchA: number;
  batchB: number;
  /** The output's shape: broadcast batch dimensions, then M, N. */
  outShape: number[];
}

export function matMulShape(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulShape {
  const m = a.shape[a.shape.length - (transposeA ? 1 : 2)] as number;
  const n = b.shape[b.shape.length - (transposeB ? 2 : 1)] as number;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  return {
    batchA: util.sizeFromShape(outerA),
    batchB: util.sizeFromShape(outerB),
    outShape: [...broadcast_util.assertAndGetBroadcastShape(outerA, outerB), m, n],
  };
}

/** True when the stock kernel would take its scalar loop but a plain product can replace it. */
export function canPlainMatMul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return false;
  if (util.sizeFromShape(a.shape) === 0 || util.sizeFromShape(b.shape) === 0) return false;
  const { batchA, batchB } = matMulShape(a, b, transposeA, transposeB);
  return batchB === 1 && (transposeA || transposeB || batchA > 1);
}

/** a and b as [1, B·M, K] and [1, K, N] (views or materialised transposes owned by `scope`). */
export function plainOperands(
  scope: KernelScope,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): { a: TensorInfo; b: TensorInfo } {
  const a2 = transposeA ? scope.transpose(a, swapLastTwo(a.shape.length)) : a;
  const b2 = transposeB ? scope.transpose(b, swapLastTwo(b.shape.length)) : b;
  const k = a2.shape[a2.shape.length - 1] as number;
  const n = b2.shape[b2.shape.length - 1] as number;
  return { a: view(a2, [1, util.sizeFromShape(a2.shape) / k, k]), b: view(b2, [1, k, n]) };
}

function swapLastTwo(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
  return perm;
}
