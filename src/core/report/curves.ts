// Training curves as files: a run's loss and accuracy over steps, and the α schedule it follows, to
// CSV (the data) and standalone SVG (the chart), the same for the panel's export and its command.
import type { LossSeries, ScheduleView } from '../../shared/protocol';
import { type Cell, field } from './csv';
import { escapeXml, niceStep, num, PALETTE } from './svg';

const csv = (header: readonly string[], rows: readonly Cell[][]): string =>
  [header.join(','), ...rows.map((r) => r.map(field).join(','))].join('\r\n') + '\r\n';

/** One row per step: M's (and a co-trained P's) training loss; test results and syncs on the steps where they happened. */
export function lossCsv(s: LossSeries): string {
  const evals = new Map(s.evals.map((e) => [e.step, e]));
  const syncs = new Map(s.syncs.map((e) => [e.step, e]));
  const steps = [...new Set([...s.steps, ...evals.keys(), ...syncs.keys()])].sort((a, b) => a - b);
  const at = new Map(s.steps.map((st, i) => [st, i]));
  const rows = steps.map((st) => {
    const i = at.get(st);
    const e = evals.get(st);
    return [st, i === undefined ? null : s.loss[i], i === undefined ? null : s.priorLoss?.[i], e?.accuracy, e?.loss, e?.priorAccuracy, syncs.get(st)?.alpha];
  });
  return csv(['step', 'trainLoss', 'priorTrainLoss', 'testAccuracy', 'testLoss', 'priorTestAccuracy', 'syncAlpha'], rows);
}

export function scheduleCsv(v: ScheduleView): string {
  return csv(['step', 'alpha', 'cumulativePull'], v.steps.map((st, i) => [st, v.alpha[i], v.cumulative?.[i]]));
}

interface Line {
  name: string;
  xs: readonly number[];
  ys: readonly number[];
  color: string;
  /** Right axis (0–1 fractions shown as %). */
  right?: boolean;
  dash?: string;
  /** Drawn as a step function (a value holds until the next point). */
  stepped?: boolean;
  /** Points only. */
  dots?: boolean;
}

interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  rightLabel?: string;
  lines: Line[];
  /** Vertical marks (syncs). */
  marks?: number[];
  /** Fixed left-axis range, e.g. [0, 1] for α. */
  yFixed?: [number, number];
}

const W = 800;
const H = 420;
const M = { left: 64, right: 64, top: 44, bottom: 80 };

function ticks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo);
  const out: number[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + 1e-12; k++) out.push(Number((k * step).toPrecision(10)));
  return out;
}

function range(values: readonly number[], fixed?: [number, number]): [number, number] {
  if (fixed) return fixed;
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

function chartSvg(c: Chart): string {
  const left = c.lines.filter((l) => !l.right);
  const right = c.lines.filter((l) => l.right);
  const xs = c.lines.flatMap((l) => [...l.xs]);
  const [x0, x1] = range(xs.length ? xs : [0, 1]);
  const [y0, y1] = range(left.flatMap((l) => [...l.ys]), c.yFixed);
  const [r0, r1] = range(right.flatMap((l) => [...l.ys]));
  const pl = M.left;
  const pr = W - M.right;
  const pt = M.top;
  const pb = H - M.bottom;
  const X = (x: number) => pl + ((x - x0) / (x1 - x0 || 1)) * (pr - pl);
  const Y = (y: number, lo: number, hi: number) => pb - ((y - lo) / (hi - lo || 1)) * (pb - pt);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text class="title" x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(c.title)}</text>`,
  ];
  for (const t of ticks(x0, x1)) {
    out.push(`<line class="grid" x1="${num(X(t))}" y1="${pt}" x2="${num(X(t))}" y2="${pb}" stroke="#e4e4e4"/>`);
    out.push(`<text class="tick x" x="${num(X(t))}" y="${pb + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    out.push(`<line class="grid" x1="${pl}" y1="${num(Y(t, y0, y1))}" x2="${pr}" y2="${num(Y(t, y0, y1))}" stroke="#e4e4e4"/>`);
    out.push(`<text class="tick y" x="${pl - 6}" y="${num(Y(t, y0, y1) + 4)}" text-anchor="end">${t}</text>`);
  }
  if (right.length) for (const t of ticks(r0, r1)) out.push(`<text class="tick y2" x="${pr + 6}" y="${num(Y(t, r0, r1) + 4)}">${Number((100 * t).toPrecision(6))}%</text>`);
  for (const m of c.marks ?? []) out.push(`<line class="mark" x1="${num(X(m))}" y1="${pt}" x2="${num(X(m))}" y2="${pb}" stroke="#999" stroke-dasharray="2 3"/>`);
  for (const l of c.lines) {
    const [lo, hi] = l.right ? [r0, r1] : [y0, y1];
    const pts = l.xs.map((x, i) => [X(x), Y(l.ys[i]!, lo, hi)] as const).filter(([, y]) => Number.isFinite(y));
    if (l.dots) {
      for (const [x, y] of pts) out.push(`<circle class="point" cx="${num(x)}" cy="${num(y)}" r="2.5" fill="${l.color}"/>`);
      continue;
    }
    const path = pts.map(([x, y], i) => (i === 0 ? `M${num(x)},${num(y)}` : l.stepped ? `H${num(x)}V${num(y)}` : `L${num(x)},${num(y)}`)).join('');
    out.push(`<path class="line" d="${path}" fill="none" stroke="${l.color}" stroke-width="1.5"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`);
  }
  out.push(`<rect class="frame" x="${pl}" y="${pt}" width="${pr - pl}" height="${pb - pt}" fill="none" stroke="#444"/>`);
  out.push(`<text class="axis-label x" x="${(pl + pr) / 2}" y="${pb + 36}" text-anchor="middle" font-size="12">${escapeXml(c.xLabel)}</text>`);
  out.push(`<text class="axis-label y" x="18" y="${(pt + pb) / 2}" transform="rotate(-90 18 ${(pt + pb) / 2})" text-anchor="middle" font-size="12">${escapeXml(c.yLabel)}</text>`);
  if (c.rightLabel) out.push(`<text class="axis-label y2" x="${W - 14}" y="${(pt + pb) / 2}" transform="rotate(90 ${W - 14} ${(pt + pb) / 2})" text-anchor="middle" font-size="12">${escapeXml(c.rightLabel)}</text>`);
  c.lines.forEach((l, i) => {
    const x = pl + i * 170;
    out.push(`<g class="key" transform="translate(${x} ${H - 22})"><line x1="0" y1="0" x2="22" y2="0" stroke="${l.color}" stroke-width="2"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/><text x="27" y="4">${escapeXml(l.name)}</text></g>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export function lossSvg(s: LossSeries, title: string): string {
  const lines: Line[] = [{ name: 'train loss (M)', xs: s.steps, ys: s.loss, color: PALETTE[0] }];
  if (s.priorLoss?.length) lines.push({ name: 'train loss (P)', xs: s.steps.slice(0, s.priorLoss.length), ys: s.priorLoss, color: PALETTE[1], dash: '6 3' });
  if (s.evals.length) lines.push({ name: 'test accuracy (M)', xs: s.evals.map((e) => e.step), ys: s.evals.map((e) => e.accuracy), color: PALETTE[2], right: true, dots: true });
  const prior = s.evals.filter((e) => e.priorAccuracy !== undefined);
  if (prior.length) lines.push({ name: 'test accuracy (P)', xs: prior.map((e) => e.step), ys: prior.map((e) => e.priorAccuracy!), color: PALETTE[3], right: true, dots: true });
  return chartSvg({ title, xLabel: 'step', yLabel: 'training loss', ...(s.evals.length ? { rightLabel: 'test accuracy' } : {}), lines, marks: s.syncs.map((e) => e.step) });
}

export function scheduleSvg(v: ScheduleView, title: string): string {
  const lines: Line[] = [{ name: `α_t (${v.schedule}, ${v.mode})`, xs: v.steps, ys: v.alpha, color: PALETTE[0], stepped: v.mode === 'sync' }];
  if (v.cumulative) lines.push({ name: 'cumulative pull 1 − Π(1 − α_t)', xs: v.steps, ys: v.cumulative, color: PALETTE[1], stepped: true, dash: '6 3' });
  return chartSvg({ title, xLabel: 'step', yLabel: 'α', lines, yFixed: [0, 1], ...(v.mode === 'sync' ? { marks: v.steps } : {}) });
}
