// Seeded parameter initialisation, computed in JS so that a seed gives the same weights on every
// backend. The scheme is PyTorch's default for Linear and Conv2d (Kaiming-uniform with a = √5,
// i.e. U(±1/√fan_in) for weights and biases), so numbers are comparable with a PyTorch reference.
import * as tf from '@tensorflow/tfjs';
import { STREAM, mixSeed, mulberry32 } from '../random';

export const INIT_SCHEME = 'torch-default: U(±1/sqrt(fan_in)) for weights and biases';

export type Rng = () => number;

export function initRng(seed: number): Rng {
  return mulberry32(mixSeed(seed, STREAM.init));
}

export function uniformParam(rng: Rng, shape: number[], fanIn: number): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = (rng() * 2 - 1) * bound;
  return tf.tensor(data, shape, 'float32');
}
