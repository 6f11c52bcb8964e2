// α schedules (spec/imlp-method.md §3): how the pull toward the prior changes over training. t counts
// steps in the forward form and syncs in the sync form; `total` is how many there are.
import type { ScheduleConfig } from '../experiment/types';

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** α at step / sync t of `total`: constant α0, exponential α0·γ^t, linear α0(1 − t/T), cosine α0·½(1 + cos πt/T); clamped to [0, 1]. */
export function alphaAt(schedule: ScheduleConfig, alpha0: number, t: number, total: number): number {
  switch (schedule.kind) {
    case 'constant':
      return clamp01(alpha0);
    case 'exponential':
      return clamp01(alpha0 * Math.pow(schedule.gamma, t));
    case 'linear':
    case 'cosine': {
      if (!(total > 0)) throw new RangeError(`a ${schedule.kind} α schedule needs a positive number of steps or syncs, got ${total}`);
      const f = Math.min(1, t / total);
      return clamp01(schedule.kind === 'linear' ? alpha0 * (1 - f) : alpha0 * 0.5 * (1 + Math.cos(Math.PI * f)));
    }
  }
}

/** The sync form's total pull toward the prior after syncs with these α: 1 − Π(1 − α_t). */
export function cumulativePull(alphas: number[]): number {
  return 1 - alphas.reduce((keep, a) => keep * (1 - clamp01(a)), 1);
}

/** Global steps (counted after the step, as the trainer does) at which the sync form's syncs fall. */
export function plannedSyncSteps(syncEvery: 'epoch' | number, stepsPerEpoch: number, epochs: number): number[] {
  const total = stepsPerEpoch * epochs;
  if (syncEvery === 'epoch') return Array.from({ length: epochs }, (_, e) => (e + 1) * stepsPerEpoch);
  return Array.from({ length: Math.floor(total / syncEvery) }, (_, i) => (i + 1) * syncEvery);
}
