// Conv2DBackpropFilter (the conv weight gradient): missing on wasm, so no CNN trains there; on cpu the
// stock kernel runs at ~10 MFLOP/s. Rewritten as one forward Conv2D, which both backends run fast:
//   dW[a,b,ci,co] = Σ_{n,i,j} xpad[n, i·s+a, j·s+b, ci] · dy[n,i,j,co]
// is a stride-1 'valid' conv of x transposed to [ci,H,W,N] (channels as batch, batch as channels) with
// dy transposed to [Ho,Wo,N,co] as the filter, dilated by the forward stride; the [ci,kh,kw,co] result
// is transposed to [kh,kw,ci,co].
// On wasm, where that conv (a kernel the size of the output, dilated) runs near 1 GFLOP/s, it is instead
// one matrix product of the im2col columns with dy, which the matmul kernels (XNNPACK, or the OpenBLAS
// addon) run at full speed: cols[(n,i,j), (a,b,ci)] = xpad[n, i·s+a, j·s+b, ci], dW = colsᵀ·dy. The
// columns take kh·kw times x's memory and are made by a conv with a one-hot filter, so a large case, or
// one with many taps per output channel, keeps the dilated conv.
import { backend_util } from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs, KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { blasActive } from '../blas';
import { cropForConv } from './convEdges';
import { type KernelScope, view, withKernelScope } from './kernelScope';

/**
 * Entries of the im2col columns above which the dilated conv is kept: 128 MiB of float32 with the OpenBLAS
 * addon; 8 MiB without, where the product's transposed operand is materialised by wasm's slow Transpose.
 */
const MAX_COLUMNS = { blas: 32 * 2 ** 20, plain: 2 * 2 ** 20 };

export function conv2dBackpropFilter(backendName: string, original: KernelFunc | undefined): KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    if (dataFormat !== 'NHWC') {
      if (original === undefined) throw new Error(`Conv2DBackpropFilter on ${backendName} supports only NHWC`);
      return original(args);
    }
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    // The forward pass read rows [−top, (Ho−1)·s + kh − top) of x: the conv pads (or crops) x to that.
    const bottom = (info.outHeight - 1) * info.strideHeight + info.filterHeight - info.padInfo.top - info.inHeight;
    const right = (info.outWidth - 1) * info.strideWidth + info.filterWidth - info.padInfo.left - info.inWidth;
    return withKernelScope(args.backend as KernelBackend, backendName, (scope) => {
      const rows = info.batchSize * info.outHeight * info.outWidth;
      const taps = info.filterHeight * info.filterWidth * info.inChannels;
      // A strided conv's columns need no crop of the rows past its last window (fewer than a stride): the
      // Slice that would cut them costs more on wasm than the whole product.
      const uncut = info.padInfo.top >= 0 && info.padInfo.left >= 0 && -bottom < info.strideHeight && -right < info.strideWidth;
      // The one-hot conv costs rows·taps² multiply-adds against the gradient's rows·taps·co: worth it while
      // taps stays within a few times co (it runs ~25× faster than the dilated conv).
      const maxColumns = blasActive() ? MAX_COLUMNS.blas : MAX_COLUMNS.plain;
      if (backendName === 'wasm' && uncut && rows * taps <= maxColumns && taps <= 8 * info.outChannels) {
        const pad: backend_util.ExplicitPadding = [[0, 0], [info.padInfo.top, Math.max(0, bottom)], [info.padInfo.left, Math.max(0, right)], [0, 0]];
        return im2colGradient(scope, x, pad, dy, info);
      }
      const cropped = cropForConv(scope, x, [
        [info.padInfo.top, bottom],
        [info.padInfo.left, right],
      ]);
      const dw = scope.run(
        'Conv2D',
        { x: scope.transpose(cropped.x, [3, 1, 2, 0]), filter: scope.transpose(dy, [1, 2, 0, 3]) },
        { strides: 1, pad: cropped.pad, dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] },
      );
      return scope.transpose(dw, [1, 2, 0, 3]);
    });
  };
}

/** dW = colsᵀ·dy, the im2col form (see the top of this file). */
function im2colGradient(scope: KernelScope, x: TensorInfo, pad: backend_util.ExplicitPadding, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, outHeight: ho, outWidth: wo, inChannels: ci, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  const taps = kh * kw * ci;
  // The columns by one Conv2D with a one-hot filter: output channel (a·kw + b)·ci + c copies input pixel
  // (i·s + a, j·s + b) channel c (×1, plus zeros: exact). wasm's slicing kernels would take ~10 ms per tap.
  const eye = new Float32Array(taps * taps);
  for (let t = 0; t < taps; t++) eye[t * taps + t] = 1;
  const cols = scope.run('Conv2D', { x, filter: scope.constant(eye, [kh, kw, ci, taps]) }, {
    strides: [info.strideHeight, info.strideWidth], pad, dataFormat: 'NHWC', dilations: 1,
  });
  const rows = n * ho * wo;
  const dw = scope.run('BatchMatMul', { a: view(cols, [1, rows, taps]), b: view(dy, [1, rows, co]) }, { transposeA: true, transposeB: false });
  // A kernel's output (Reshape shares the buffer), not a view: the scope frees everything but what is returned.
  return scope.run('Reshape', { x: dw }, { shape: [kh, kw, ci, co] });
}
