// The run table's columns and their order: pure, so the sorting is tested without a DOM.
import { formatFlops } from '../src/core/analysis/flops';
import { formatAlpha, percent } from '../src/core/report/format';
import type { PanelRun } from '../src/shared/protocol';

export type SortKey = 'role' | 'sweep' | 'alpha' | 'seed' | 'mode' | 'schedule' | 'accuracy' | 'flops' | 'duration' | 'status';

export interface Column {
  key: SortKey;
  title: string;
  /** The value sorted on; undefined sorts last in either direction. */
  value(r: PanelRun): string | number | undefined;
  text(r: PanelRun): string;
  numeric: boolean;
}

/** "1 h 02 m", "3 m 07 s", "12.3 s". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)} m ${two(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${two(Math.floor((s % 3600) / 60))} m`;
}

/** Status text; a running run with a known length says how far it is. */
function statusText(r: PanelRun): string {
  if (r.status === 'running' && r.globalStep !== undefined && r.totalSteps) return `running ${Math.floor((100 * r.globalStep) / r.totalSteps)}%`;
  return r.status;
}

const text = (v: string | number | undefined): string => (v === undefined ? '' : String(v));

export const COLUMNS: readonly Column[] = [
  { key: 'role', title: 'Role', value: (r) => r.role, text: (r) => text(r.role), numeric: false },
  { key: 'sweep', title: 'Sweep', value: (r) => r.sweepId, text: (r) => text(r.sweepId), numeric: false },
  { key: 'alpha', title: 'α', value: (r) => r.alpha, text: (r) => (r.alpha === undefined ? '' : formatAlpha(r.alpha)), numeric: true },
  { key: 'seed', title: 'Seed', value: (r) => r.seed, text: (r) => text(r.seed), numeric: true },
  { key: 'mode', title: 'Mode', value: (r) => r.mode, text: (r) => text(r.mode), numeric: false },
  { key: 'schedule', title: 'Schedule', value: (r) => r.schedule, text: (r) => text(r.schedule), numeric: false },
  { key: 'accuracy', title: 'Accuracy', value: (r) => r.testAccuracy, text: (r) => (r.testAccuracy === undefined ? '' : `${percent(r.testAccuracy)}%`), numeric: true },
  { key: 'flops', title: 'FLOPs', value: (r) => r.flops, text: (r) => (r.flops === undefined ? '' : formatFlops(r.flops)), numeric: true },
  { key: 'duration', title: 'Duration', value: (r) => r.seconds, text: (r) => (r.seconds === undefined ? '' : formatDuration(r.seconds)), numeric: true },
  { key: 'status', title: 'Status', value: (r) => r.status, text: statusText, numeric: false },
];

/** A sorted copy: by the column (missing values last either way), then by run id so the order is stable. */
export function sortRuns(runs: readonly PanelRun[], key: SortKey, direction: 1 | -1): PanelRun[] {
  const column = COLUMNS.find((c) => c.key === key)!;
  return [...runs].sort((a, b) => {
    const va = column.value(a);
    const vb = column.value(b);
    if (va === undefined || vb === undefined) {
      if (va !== vb) return va === undefined ? 1 : -1;
    } else if (va !== vb) {
      return direction * (typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb)));
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}
