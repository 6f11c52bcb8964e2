// Ready networks, usable as a CNN model (`"model": {"kind": "cnn", "preset": …}`) or as a prior
// (`"prior": {"preset": …}`). Every preset has a dense form: strided convs instead of max-pooling,
// no batchnorm (spec §2, §4). The head is written with 10 units; the trainer sets the last dense
// layer's units to the dataset's class count (see resolveLayers in network.ts), so presets serve
// cifar100 too. The names are repeated in schemas/experiment.schema.json (a test keeps them in sync).
import type { LayerSpec } from '../experiment/types';

export interface Preset {
  /** One line, shown in editor completions. */
  description: string;
  layers: readonly LayerSpec[];
}

const conv3x3s2 = (filters: number): LayerSpec => ({ type: 'conv', filters, kernel: 3, stride: 2, padding: 1, bias: true });
const relu: LayerSpec = { type: 'relu' };
const head: LayerSpec = { type: 'dense', units: 10, bias: true };

/** Two strided 3×3 convs halve the image twice (28 → 14 → 7, 32 → 16 → 8), then a linear head. */
const cnn = (c1: number, c2: number): LayerSpec[] => [conv3x3s2(c1), relu, conv3x3s2(c2), relu, { type: 'flatten' }, head];

/** MLP-Mixer with one block; the Mixer's pre-head LayerNorm, mean over tokens, then a linear head. */
const mixer = (patch: number): LayerSpec[] => [
  { type: 'mixer', patch, channels: 32, tokenHidden: 64, channelHidden: 64, blocks: 1 },
  { type: 'layernorm' },
  { type: 'globalavgpool' },
  head,
];

export const PRESETS: Readonly<Record<string, Preset>> = {
  'cnn-tiny': { description: 'CNN: conv 3×3 8 (stride 2) → conv 3×3 16 (stride 2), ReLU, flatten, dense head.', layers: cnn(8, 16) },
  'cnn-small': { description: 'CNN: conv 3×3 16 (stride 2) → conv 3×3 32 (stride 2), ReLU, flatten, dense head.', layers: cnn(16, 32) },
  // Largest dense form: 32→64 channels on 16×16 → 8×8 (CIFAR), 8192 × 4096 floats = 128 MiB.
  'cnn-medium': { description: 'CNN: conv 3×3 32 (stride 2) → conv 3×3 64 (stride 2), ReLU, flatten, dense head.', layers: cnn(32, 64) },
  'cnn-gap': {
    description: 'CNN: three strided 3×3 convs (16, 32, 64), ReLU, global average pooling, dense head.',
    layers: [conv3x3s2(16), relu, conv3x3s2(32), relu, conv3x3s2(64), relu, { type: 'globalavgpool' }, head],
  },
  // Patch 7 tiles 28×28 images (mnist, fashion-mnist) into 16 tokens.
  'mixer-small': { description: 'MLP-Mixer for 28×28 images: patch 7, 32 channels, 1 block, LayerNorm, global average pooling, dense head.', layers: mixer(7) },
  // Patch 4 tiles 32×32 images (cifar, resize32) into 64 tokens.
  'mixer-small-32': { description: 'MLP-Mixer for 32×32 images: patch 4, 32 channels, 1 block, LayerNorm, global average pooling, dense head.', layers: mixer(4) },
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/** A fresh copy of a preset's layers (callers may change them), or undefined for an unknown name. */
export function presetLayers(name: string): LayerSpec[] | undefined {
  return Object.hasOwn(PRESETS, name) ? PRESETS[name]!.layers.map((l) => ({ ...l })) : undefined;
}
