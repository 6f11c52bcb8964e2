// Student's t quantiles for confidence intervals. Degrees of freedom here are always whole numbers
// (n − 1 for a mean, n − 2 for a slope), for which the central probability has an exact finite sum
// (Abramowitz & Stegun 26.7.3–4): no incomplete beta or log-gamma approximations are needed, and
// no dependency (the one well-kept package, @stdlib's, pulls in over 200 packages for this).

function assertDof(dof: number): void {
  if (!Number.isInteger(dof) || dof < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${dof}`);
}

/** P(|T| ≤ t) for T ~ Student's t with `dof` degrees of freedom, t ≥ 0. */
export function studentTCentralProbability(t: number, dof: number): number {
  assertDof(dof);
  if (!(t >= 0)) throw new RangeError(`t must be ≥ 0, got ${t}`);
  if (t === Infinity) return 1;
  // sin θ and cos² θ of θ = atan(t/√ν), computed directly rather than through θ for accuracy.
  const r = dof + t * t;
  const sin = t / Math.sqrt(r);
  const cos2 = dof / r;
  let term: number;
  let sum: number;
  if (dof % 2 === 1) {
    const theta = Math.atan2(t, Math.sqrt(dof));
    // θ + sin θ (cos θ + 2/3 cos³θ + … + [2·4…(ν−3)]/[1·3…(ν−2)] cos^(ν−2) θ)
    term = Math.sqrt(cos2);
    sum = dof === 1 ? 0 : term;
    for (let k = 1; 2 * k + 1 <= dof - 2; k++) {
      term *= ((2 * k) / (2 * k + 1)) * cos2;
      sum += term;
    }
    return (2 / Math.PI) * (theta + sin * sum);
  }
  // sin θ (1 + 1/2 cos²θ + 1·3/(2·4) cos⁴θ + … + [1·3…(ν−3)]/[2·4…(ν−2)] cos^(ν−2) θ)
  term = 1;
  sum = 1;
  for (let k = 1; 2 * k <= dof - 2; k++) {
    term *= ((2 * k - 1) / (2 * k)) * cos2;
    sum += term;
  }
  return sin * sum;
}

/** The p-quantile of Student's t with `dof` (a positive integer) degrees of freedom, 0 < p < 1. */
export function studentTQuantile(p: number, dof: number): number {
  assertDof(dof);
  if (!(p > 0 && p < 1)) throw new RangeError(`p must lie in (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, dof);
  const target = 2 * p - 1;
  // Bisection on the monotone central probability, run until the bracket cannot shrink further:
  // it cannot diverge, and ~60 steps of an O(ν) sum cost nothing at the sample sizes of a sweep.
  let lo = 0;
  let hi = 1;
  while (studentTCentralProbability(hi, dof) < target) {
    lo = hi;
    hi *= 2;
  }
  for (;;) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) return mid;
    if (studentTCentralProbability(mid, dof) < target) lo = mid;
    else hi = mid;
  }
}
