// The settings that change what α means. Two sweeps that differ in any of them measure different
// curves, so a report states them and flags a sweep whose runs disagree.
import type { DatasetConfig, ExperimentConfig, ScheduleConfig } from '../experiment/types';

export type SettingName = 'mode' | 'syncEvery' | 'schedule' | 'biases' | 'exclude' | 'priorSource' | 'priorPreset' | 'dataset' | 'epochs';

export interface SettingValues {
  name: SettingName;
  /** For the reader: "sync every", "prior preset"… */
  label: string;
  /** Distinct values among the sweep's α runs, in the order first seen; more than one means mixed sweeps. */
  values: string[];
}

export function describeSchedule(schedule: ScheduleConfig): string {
  return schedule.kind === 'exponential' ? `exponential(gamma=${schedule.gamma})` : schedule.kind;
}

/** The prior's name as it appears in tables: its preset, or "custom" for layers written out by hand. */
export function describePrior(config: ExperimentConfig): string | undefined {
  return config.prior ? (config.prior.preset ?? 'custom') : undefined;
}

function describeDataset(d: DatasetConfig): string {
  const parts: string[] = [d.name];
  if (d.trainSubset !== undefined) parts.push(`train ${d.trainSubset}`);
  if (d.testSubset !== undefined) parts.push(`test ${d.testSubset}`);
  if (d.resize32) parts.push('32×32');
  return parts.join(', ');
}

const NONE = '-';

const SETTINGS: readonly { name: SettingName; label: string; read: (c: ExperimentConfig) => string }[] = [
  { name: 'mode', label: 'mode', read: (c) => c.interpolation?.mode ?? NONE },
  {
    name: 'syncEvery',
    label: 'sync every',
    read: (c) => (c.interpolation ? (c.interpolation.syncEvery === 'epoch' ? 'epoch' : `${c.interpolation.syncEvery} steps`) : NONE),
  },
  { name: 'schedule', label: 'schedule', read: (c) => (c.interpolation ? describeSchedule(c.interpolation.schedule) : NONE) },
  { name: 'biases', label: 'biases', read: (c) => (c.interpolation ? (c.interpolation.biases ? 'yes' : 'no') : NONE) },
  { name: 'exclude', label: 'exclude', read: (c) => (c.interpolation ? c.interpolation.exclude.join('+') || 'none' : NONE) },
  { name: 'priorSource', label: 'prior source', read: (c) => c.prior?.source ?? NONE },
  { name: 'priorPreset', label: 'prior preset', read: (c) => describePrior(c) ?? NONE },
  { name: 'dataset', label: 'dataset', read: (c) => describeDataset(c.dataset) },
  { name: 'epochs', label: 'epochs', read: (c) => String(c.training.epochs) },
];

export function collectSettings(configs: readonly ExperimentConfig[]): SettingValues[] {
  return SETTINGS.map(({ name, label, read }) => ({ name, label, values: [...new Set(configs.map(read))] }));
}
