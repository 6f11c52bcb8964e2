// The status-bar text of a training run and its ETA, from the worker's step events. Pure.
import type { StepEvent } from '../core/train/events';

export interface StepProgress {
  /** 0-based, as in the events. */
  epoch: number;
  epochs: number;
  /** 0-based step within the epoch. */
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
  totalSteps: number;
  loss: number;
  /** Seconds left, when it can be estimated. */
  eta?: number;
}

/** Tracks one run's pace: steps done since it (re)started, over the time that took. */
export class EtaTracker {
  private start?: { time: number; step: number };

  constructor(private readonly epochs: number, private readonly now: () => number = Date.now) {}

  update(e: StepEvent): StepProgress {
    const t = this.now();
    this.start ??= { time: t, step: e.globalStep - 1 };
    const totalSteps = this.epochs * e.stepsPerEpoch;
    const done = e.globalStep - this.start.step;
    const elapsed = (t - this.start.time) / 1000;
    // The first steps include warm-up (kernels compiling); wait for a few before promising a time.
    const eta = done >= 3 && elapsed > 0 ? ((totalSteps - e.globalStep) * elapsed) / done : undefined;
    return {
      epoch: e.epoch, epochs: this.epochs, step: e.step, stepsPerEpoch: e.stepsPerEpoch,
      globalStep: e.globalStep, totalSteps, loss: e.loss, ...(eta !== undefined ? { eta } : {}),
    };
  }
}

/** "0:42", "12:05", "1:02:03". */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Loss with three decimals, or in exponent form when tiny or huge. */
export function formatLoss(loss: number): string {
  if (!Number.isFinite(loss)) return String(loss);
  return loss !== 0 && (Math.abs(loss) < 0.001 || Math.abs(loss) >= 1e4) ? loss.toExponential(2) : loss.toFixed(3);
}

/**
 * "$(beaker) I-MLP epoch 1/2 · step 120/469 · loss 0.231 · ETA 0:42", with " · run 3/27" when it is one
 * run of several and " (+1 more)" when other runs train at the same time.
 */
export function statusText(p: StepProgress, extra: { run?: number; runs?: number; others?: number } = {}): string {
  const parts = [
    `epoch ${p.epoch + 1}/${p.epochs}`,
    `step ${p.step + 1}/${p.stepsPerEpoch}`,
    `loss ${formatLoss(p.loss)}`,
    `ETA ${p.eta === undefined ? '…' : formatEta(p.eta)}`,
  ];
  if (extra.runs !== undefined && extra.runs > 1 && extra.run !== undefined) parts.push(`run ${extra.run}/${extra.runs}`);
  return `$(beaker) I-MLP ${parts.join(' · ')}${extra.others ? ` (+${extra.others} more)` : ''}`;
}

/** Before the first step of a run: "$(beaker) I-MLP starting α = 0.1 seed 0…". */
export function startingText(what: string): string {
  return `$(loading~spin) I-MLP starting ${what}…`;
}
