// Small seeded PRNG. Every random stream is derived from integers (seed, purpose, epoch, step), so
// a run resumed at any epoch or step reproduces exactly the same order and augmentation.

/** Purpose tags keep the random streams of subset, shuffle and augmentation independent. */
export const STREAM = { subset: 1, shuffle: 2, augment: 3, init: 4 } as const;

/** murmur3's 32-bit finaliser: a bijection with good avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a sequence of safe integers (negative and > 2^32 allowed) to a 32-bit seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    if (!Number.isSafeInteger(p)) throw new RangeError(`seed parts must be safe integers, got ${p}`);
    h = fmix32(h ^ (p >>> 0));
    h = fmix32(h ^ (Math.floor(p / 2 ** 32) >>> 0));
  }
  return h;
}

/** mulberry32: uniform floats in [0, 1). Fast, 32-bit state, ample for shuffling and augmentation. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, seed: number): Uint32Array {
  const rng = mulberry32(seed);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
