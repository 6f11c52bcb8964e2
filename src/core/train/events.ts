// Typed events of a training run. The CLI prints them, the results store persists them and the
// VS Code worker forwards them; all three consume exactly this union.

export interface StepEvent { type: 'step'; epoch: number; step: number; globalStep: number; stepsPerEpoch: number; loss: number }
export interface EpochEvent { type: 'epoch'; epoch: number; trainLoss: number; seconds: number }
export interface EvalEvent { type: 'eval'; epoch: number; globalStep: number; testLoss: number; testAccuracy: number }
export interface CheckpointEvent { type: 'checkpoint'; epoch: number; globalStep: number; path: string }
export interface DoneEvent { type: 'done'; status: 'finished' | 'cancelled'; testAccuracy: number | null; testLoss: number | null; seconds: number }
export interface ErrorEvent { type: 'error'; message: string }
export interface LogEvent { type: 'log'; level: 'info' | 'warn'; message: string }

export type TrainEvent = StepEvent | EpochEvent | EvalEvent | CheckpointEvent | DoneEvent | ErrorEvent | LogEvent;
