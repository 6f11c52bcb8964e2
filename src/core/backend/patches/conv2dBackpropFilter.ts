// Conv2DBackpropFilter (the conv weight gradient): missing on wasm, so no CNN trains there; on cpu the
// stock kernel runs at ~10 MFLOP/s. Rewritten as one forward Conv2D, which both backends run fast:
//   dW[a,b,ci,co] = Σ_{n,i,j} xpad[n, i·s+a, j·s+b, ci] · dy[n,i,j,co]
// is a stride-1 'valid' conv of x transposed to [ci,H,W,N] (channels as batch, batch as channels) with
// dy transposed to [Ho,Wo,N,co] as the filter, dilated by the forward stride; the [ci,kh,kw,co] result
// is transposed to [kh,kw,ci,co].
import { backend_util } from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs, KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { cropForConv } from './convEdges';
import { withKernelScope } from './kernelScope';

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
