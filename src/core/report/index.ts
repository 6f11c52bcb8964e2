export { summarizeSweep, summarizeSweeps, type AlphaRow, type FlopsSummary, type MissingPair, type ReferenceStats, type ReportInput, type ReportRun, type ReportStatus, type SweepReport, type UsedRun } from './summary';
export type { SettingName, SettingValues } from './settings';
export { reportText } from './text';
export { reportCsv } from './csv';
export { PALETTE, escapeXml, reportSvg, sweepColor, type SvgOptions } from './svg';
