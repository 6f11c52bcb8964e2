// The compute axis of the predecessor (Bachmann et al. 2023, "Scaling MLPs"): the backward pass costs
// about twice the forward pass, so one training sample costs three forward passes.

/** Training FLOPs = forward FLOPs per sample × 3 × samples seen (count every epoch's samples). */
export function trainingFlops(forwardFlopsPerSample: number, samplesSeen: number): number {
  for (const [name, v] of [['forwardFlopsPerSample', forwardFlopsPerSample], ['samplesSeen', samplesSeen]] as const) {
    if (!(v >= 0 && Number.isFinite(v))) throw new RangeError(`${name} must be a finite number ≥ 0, got ${v}`);
  }
  return forwardFlopsPerSample * 3 * samplesSeen;
}

const PREFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];

/** A FLOP count with an SI prefix and `significant` digits, e.g. 1.23e15 → "1.2 PFLOP". */
export function formatFlops(flops: number, significant = 2): string {
  if (!(flops >= 0 && Number.isFinite(flops))) throw new RangeError(`FLOPs must be a finite number ≥ 0, got ${flops}`);
  if (!Number.isInteger(significant) || significant < 1 || significant > 21) throw new RangeError(`significant must be an integer in [1, 21], got ${significant}`);
  if (flops === 0) return '0 FLOP';
  // Round first, then choose the prefix, so 999.96e9 becomes "1.0 TFLOP" rather than "1000 GFLOP".
  const rounded = Number(flops.toPrecision(significant));
  const power = Math.min(Math.max(Math.floor(Math.log10(rounded) / 3), 0), PREFIXES.length - 1);
  const scaled = rounded / 1000 ** power;
  // toFixed, not toPrecision, so 123 with two digits reads "120", never "1.2e+2".
  const decimals = Math.max(0, significant - 1 - Math.floor(Math.log10(scaled)));
  return `${scaled.toFixed(decimals)} ${PREFIXES[power]}FLOP`;
}
