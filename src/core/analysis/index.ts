export { studentTCentralProbability, studentTQuantile } from './tdist';
export { groupByAlpha, ols, seedStats, type AlphaGroup, type LinearFit, type SampleStats, type SeedStats, type SingleValueStats, type SweepRun } from './stats';
export { fitCurve, MIN_DISTINCT_ALPHAS, predictAccuracy, twoSidedLogFit, type FitPoint, type Side, type SideFit, type TwoSidedFit } from './fit';
export { twoSidedAxis, type AxisTick, type TwoSidedAxis, type TwoSidedAxisOptions } from './axis';
export { formatFlops, trainingFlops } from './flops';
export { describeFinding } from './finding';
