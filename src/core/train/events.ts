// Typed events of a training run. The CLI prints them, the results store persists them and the
// VS Code worker forwards them; all three consume exactly this union.

export interface StepEvent {
  type: 'step'; epoch: number; step: number; globalStep: number; stepsPerEpoch: number; loss: number;
  /** The α in force for this step (I-MLP, forward form). */
  alpha?: number;
  /** A co-trained prior P's training loss on the same batch. */
  priorLoss?: number;
}
export interface EpochEvent { type: 'epoch'; epoch: number; trainLoss: number; seconds: number }
export interface EvalEvent {
  type: 'eval'; epoch: number; globalStep: number; testLoss: number; testAccuracy: number;
  /** Sync form: the same evaluation just before the sync that preceded this one. */
  beforeSync?: { testLoss: number; testAccuracy: number };
  /** A co-trained prior P evaluated on the same test set. */
  prior?: { testLoss: number; testAccuracy: number };
}
/** The sync form's in-place pull W ← (1 − α)W + α·dense(P), number `index` (0-based). */
export interface SyncEvent { type: 'sync'; epoch: number; globalStep: number; index: number; alpha: number }
export interface CheckpointEvent { type: 'checkpoint'; epoch: number; globalStep: number; path: string }
export interface DoneEvent {
  type: 'done'; status: 'finished' | 'cancelled'; testAccuracy: number | null; testLoss: number | null; seconds: number;
  /** Sync form: accuracy just before the final sync (the reported one follows `interpolation.evaluate`). */
  testAccuracyBeforeSync?: number; testAccuracyAfterSync?: number;
}
export interface ErrorEvent { type: 'error'; message: string }
export interface LogEvent { type: 'log'; level: 'info' | 'warn'; message: string }

export type TrainEvent = StepEvent | EpochEvent | EvalEvent | SyncEvent | CheckpointEvent | DoneEvent | ErrorEvent | LogEvent;
