// MaxPoolGrad on wasm sends the gradient to the first element of a window instead of its maximum when
// every value in the window is negative (x = [-4,-3,-1,-2] pooled 2×2 gives [1,0,0,0], not [0,0,1,0]).
// For non-overlapping pools that tile the input exactly (stride = window, no padding) the gradient is
//   dx = where(x == upsample(y), upsample(dy), 0)
// with nearest-neighbour upsampling. Ties give every maximal element the gradient (measure zero
// for float data). Other pools keep the stock kernel.
import { backend_util } from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import { type KernelScope, withKernelScope } from './kernelScope';

export function maxPoolGrad(backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const { dy, input, output } = args.inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as MaxPoolGradAttrs;
    const info = backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const { top, bottom, left, right } = info.padInfo;
    const tiles =
      info.filterHeight === info.strideHeight &&
      info.filterWidth === info.strideWidth &&
      top + bottom + left + right === 0 &&
      info.outHeight * info.strideHeight === info.inHeight &&
      info.outWidth * info.strideWidth === info.inWidth;
    if (!tiles) return original(args);
    return withKernelScope(args.backend as KernelBackend, backendName, (scope) => {
      const upsample = (t: TensorInfo) => upsampleNearest(scope, t, info.strideHeight, info.strideWidth);
      const dyUp = upsample(dy);
      const isMax = scope.run('Equal', { a: input, b: upsample(output) });
      return scope.run('Select', { condition: isMax, t: dyUp, e: scope.run('ZerosLike', { x: dyUp }) });
    });
  };
}

/**
 * [N,H,W,C] → [N,H·sh,W·sw,C], each element repeated over an sh×sw block. ResizeNearestNeighbor with
 * half-pixel centres samples row floor((r+½)/s): (r+½)/s is at least ½/s from any integer, so float
 * rounding cannot pick a wrong row (without them, floor(r·fl(1/s)) can fall one short). The Tile
 * kernel would do the same exactly but ~20× slower.
 */
function upsampleNearest(scope: KernelScope, x: TensorInfo, sh: number, sw: number): TensorInfo {
  const [, h, w] = x.shape as [number, number, number, number];
  return scope.run(
    'ResizeNearestNeighbor',
    { images: x },
    { size: [h * sh, w * sw], alignCorners: false, halfPixelCenters: true },
  );
}
