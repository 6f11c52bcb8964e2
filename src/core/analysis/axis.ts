// A two-sided logarithmic α axis: log10 α resolves the decades near 0 (MLP side) and −log10(1 − α)
// the decades near 1 (prior side). The two halves meet at α = 0.5 with equal value and slope, and the
// axis is symmetric: position(1 − α) = 1 − position(α).
//
// Below `floor` (and above 1 − floor) the axis turns linear over `zeroGap` decades, so α = 0 and α = 1
// sit at the ends, apart from the first log tick, and the map stays continuous and invertible.

export interface AxisTick {
  alpha: number;
  /** In [0, 1], like toPosition. */
  position: number;
  label: string;
}

export interface TwoSidedAxis {
  readonly floor: number;
  readonly zeroGap: number;
  /** α ∈ [0, 1] → position ∈ [0, 1]; 0 ↦ 0, 0.5 ↦ 0.5, 1 ↦ 1, increasing. */
  toPosition(alpha: number): number;
  /** The inverse of toPosition. */
  fromPosition(position: number): number;
  /** 0, floor, each decade up to 0.1, 0.5, then the mirror images up to 1. */
  ticks(): AxisTick[];
}

export interface TwoSidedAxisOptions {
  /** Smallest α (and 1 − α) on the log part; a power of ten keeps the ticks on decades. Default 1e-4. */
  floor?: number;
  /** Width, in decades, of the linear stretch from floor to 0. Default 1. */
  zeroGap?: number;
}

function label(alpha: number): string {
  if (alpha > 0 && alpha < 0.01) {
    const decade = Math.log10(alpha);
    if (Number.isInteger(decade)) return `1e${decade}`;
  }
  return String(alpha);
}

export function twoSidedAxis(options: TwoSidedAxisOptions = {}): TwoSidedAxis {
  const floor = options.floor ?? 1e-4;
  const zeroGap = options.zeroGap ?? 1;
  if (!(floor > 0 && floor < 0.5)) throw new RangeError(`floor must lie in (0, 0.5), got ${floor}`);
  if (!(zeroGap > 0 && Number.isFinite(zeroGap))) throw new RangeError(`zeroGap must be a positive number of decades, got ${zeroGap}`);
  const logFloor = Math.log10(floor);
  // Left half in "decades": 0 at α = 0, zeroGap at floor, zeroGap + log10(0.5/floor) at 0.5.
  const halfSpan = zeroGap + Math.log10(0.5) - logFloor;
  const left = (a: number): number => (a < floor ? zeroGap * (a / floor) : zeroGap + Math.log10(a) - logFloor) / (2 * halfSpan);
  const leftInverse = (p: number): number => {
    const u = p * 2 * halfSpan;
    return u < zeroGap ? (u / zeroGap) * floor : 10 ** (u - zeroGap + logFloor);
  };
  const axis: TwoSidedAxis = {
    floor,
    zeroGap,
    toPosition(alpha) {
      if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`α must lie in [0, 1], got ${alpha}`);
      // 1 − α is exact for α ≥ 0.5, so the prior side is as precise as the MLP side.
      return alpha <= 0.5 ? left(alpha) : 1 - left(1 - alpha);
    },
    fromPosition(position) {
      if (!(position >= 0 && position <= 1)) throw new RangeError(`position must lie in [0, 1], got ${position}`);
      return position <= 0.5 ? leftInverse(position) : 1 - leftInverse(1 - position);
    },
    ticks() {
      const low: number[] = [0];
      // Number('1e-4') is the double nearest 0.0001; 10 ** -4 is not.
      for (let e = Math.ceil(logFloor); e <= -1; e++) low.push(Number(`1e${e}`));
      if (low[1] !== floor) low.splice(1, 0, floor);
      // 1 − d rounded to 12 significant digits prints as 0.999 rather than 0.9990000000000001.
      const high = low.map((d) => Number((1 - d).toPrecision(12))).reverse();
      return [...low, 0.5, ...high].map((alpha) => ({ alpha, position: axis.toPosition(alpha), label: label(alpha) }));
    },
  };
  return axis;
}
