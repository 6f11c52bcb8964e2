// One CSV row per run folder, for spreadsheets and other tools. RFC 4180: CRLF line ends, and a field
// with a comma, quote or line break is quoted with its quotes doubled.
import type { ReportRun, SweepReport } from './summary';

export type Cell = string | number | null | undefined;

// Accuracies stay fractions at full precision: the CSV is data, not a display.
const COLUMNS: readonly [string, (r: ReportRun, sweepId: string | null) => Cell][] = [
  ['sweepId', (_, sweepId) => sweepId],
  ['runId', (r) => r.id],
  ['role', (r) => r.role],
  ['alpha', (r) => r.alpha],
  ['seed', (r) => r.seed],
  ['status', (r) => r.status],
  ['testAccuracy', (r) => r.testAccuracy],
  ['testLoss', (r) => r.testLoss],
  ['seconds', (r) => r.seconds],
  ['mode', (r) => r.mode],
  ['schedule', (r) => r.schedule],
  ['prior', (r) => r.prior],
  ['name', (r) => r.name],
  ['flops', (r) => r.flops],
];

export function field(value: Cell): string {
  if (value === undefined || value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function reportCsv(reports: readonly SweepReport[]): string {
  const header = COLUMNS.map(([name]) => name).join(',');
  const rows = reports.flatMap((rep) => rep.runs.map((r) => COLUMNS.map(([, get]) => field(get(r, rep.sweepId))).join(',')));
  return [header, ...rows].join('\r\n') + '\r\n';
}
