import type { backend_util, TensorInfo } from '@tensorflow/tfjs';
import { type KernelScope } from './kernelScope';

/** [[top, bottom], [left, right]] rows/columns to add (positive) or remove (negative) at each edge. */
export type SpatialEdges = [[number, number], [number, number]];

/**
 * Prepares an NHWC input for a Conv2D that must see it with `edges` added around it: negative edges are
 * cut off with Slice (rare: kernel smaller than stride, or padding larger than the kernel), positive
 * ones become Conv2D's explicit padding so that no padded copy is made.
 */
export function cropForConv(scope: KernelScope, x: TensorInfo, edges: SpatialEdges): { x: TensorInfo; pad: backend_util.ExplicitPadding } {
  const [[top, bottom], [left, right]] = edges;
  const cut = (n: number) => Math.max(0, -n);
  const keep = (n: number) => Math.max(0, n);
  let input = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    input = scope.run(
      'Slice',
      { x },
      { begin: [0, cut(top), cut(left), 0], size: [n, h - cut(top) - cut(bottom), w - cut(left) - cut(right), c] },
    );
  }
  return { x: input, pad: [[0, 0], [keep(top), keep(bottom)], [keep(left), keep(right)], [0, 0]] };
}
