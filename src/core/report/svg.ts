// Accuracy versus α on the two-sided log axis (spec §5) as a standalone SVG: no scripts, no external
// references, and the same string for the same reports, so plots can be committed and diffed.
import { fitCurve, twoSidedAxis, type SideFit, type TwoSidedAxis } from '../analysis';
import { describeFit, percent, sweepLabel } from './format';
import type { AlphaRow, ReferenceStats, SweepReport } from './summary';

export interface SvgOptions {
  /** Default 800. */
  width?: number;
  /** Height of the plot panel (title, axes, plot); the legend adds lines below it. Default 480. */
  height?: number;
  /** Default "Test accuracy versus α". */
  title?: string;
}

/** Tableau 10: distinct hues; sweeps beyond ten reuse them in order (the legend still tells them apart). */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const;
export const sweepColor = (index: number): string => PALETTE[index % PALETTE.length]!;

const MARGIN = { left: 64, right: 150, top: 44, bottom: 56 };
const LINE = 14;
const DASH = { fit: '6 4', 'plain-mlp': '2 3', prior: '9 3 2 3' } as const;
const MIN_LABEL_GAP = 12;
const KEY_SPACING = 105;

/** XML 1.0 text: escape markup and replace the control characters it does not allow. */
export function escapeXml(text: string): string {
  const map: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
  return text.replace(/[&<>"']/g, (c) => map[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd');
}

/** Two decimals are sub-pixel; fixed rounding keeps the output byte-stable. String(-0) is "0". */
export const num = (v: number): string => String(Number(v.toFixed(2)));

interface Frame {
  left: number;
  right: number;
  top: number;
  bottom: number;
  x: (alpha: number) => number;
  y: (accuracy: number) => number;
  yTicks: number[];
  axis: TwoSidedAxis;
}

/** The log part must reach the smallest α (and 1 − α) run; 1e-4 matches the spec's grid. */
export function axisFloor(reports: readonly SweepReport[]): number {
  const ends = reports.flatMap((r) => r.byAlpha.map((g) => Math.min(g.alpha, 1 - g.alpha))).filter((d) => d > 0);
  const smallest = Math.min(1e-4, ...ends);
  return Number(`1e${Math.floor(Math.log10(smallest))}`);
}

function plottedAccuracies(reports: readonly SweepReport[]): number[] {
  return reports.flatMap((r) => [
    ...r.byAlpha.flatMap((g) => [...g.runs.map((u) => u.accuracy), ...(g.stats.ci95 ?? [])]),
    ...references(r).map(([, ref]) => ref.stats.mean),
    ...fits(r).flatMap((f) => fitCurve(f).map((p) => p.accuracy)),
  ]);
}

/** Step of 1, 2, 2.5 or 5 × 10^k giving about five intervals. */
export function niceStep(span: number): number {
  const raw = span / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
}

/** Y range in accuracy (fraction) with a margin, widened to whole ticks; 0–100% when nothing is plotted. */
function yRange(values: readonly number[]): { lo: number; hi: number; ticks: number[] } {
  let lo = values.length ? Math.min(...values) : 0;
  let hi = values.length ? Math.max(...values) : 1;
  const pad = hi > lo ? 0.08 * (hi - lo) : 0.01;
  lo = Math.max(0, lo - pad);
  hi = Math.min(1, hi + pad);
  const step = niceStep(100 * (hi - lo));
  // Integer multiples of the step, so tick labels never carry rounding noise.
  const k0 = Math.floor((100 * lo) / step);
  const k1 = Math.ceil((100 * hi) / step);
  const ticks = Array.from({ length: k1 - k0 + 1 }, (_, i) => Number(((k0 + i) * step).toPrecision(10)) / 100);
  return { lo: ticks[0]!, hi: ticks[ticks.length - 1]!, ticks };
}

function frame(reports: readonly SweepReport[], width: number, height: number): Frame {
  const axis = twoSidedAxis({ floor: axisFloor(reports) });
  const left = MARGIN.left;
  const right = width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;
  const { lo, hi, ticks } = yRange(plottedAccuracies(reports));
  return {
    left, right, top, bottom, axis, yTicks: ticks,
    x: (alpha) => left + axis.toPosition(alpha) * (right - left),
    // A t interval can pass 100%; clamping keeps the band inside the frame without a clip path.
    y: (acc) => Math.min(bottom, Math.max(top, bottom - ((acc - lo) / (hi - lo)) * (bottom - top))),
  };
}

const fits = (r: SweepReport): SideFit[] => [r.fit.mlpSide, r.fit.priorSide].filter((f): f is SideFit => f !== null);
const references = (r: SweepReport): ['plain-mlp' | 'prior', ReferenceStats][] => {
  const out: ['plain-mlp' | 'prior', ReferenceStats][] = [];
  if (r.references.plainMlp) out.push(['plain-mlp', r.references.plainMlp]);
  if (r.references.prior) out.push(['prior', r.references.prior]);
  return out;
};

function axes(f: Frame, width: number, title: string): string[] {
  const out = [`<text class="title" x="${num(width / 2)}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`];
  for (const t of f.axis.ticks()) {
    const x = num(f.x(t.alpha));
    out.push(`<line class="grid" x1="${x}" y1="${num(f.top)}" x2="${x}" y2="${num(f.bottom)}" stroke="#e4e4e4"/>`);
    out.push(`<text class="tick x" x="${x}" y="${num(f.bottom + 16)}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  for (const t of f.yTicks) {
    const y = num(f.y(t));
    out.push(`<line class="grid" x1="${num(f.left)}" y1="${y}" x2="${num(f.right)}" y2="${y}" stroke="#e4e4e4"/>`);
    out.push(`<text class="tick y" x="${num(f.left - 6)}" y="${num(f.y(t) + 4)}" text-anchor="end">${Number((100 * t).toPrecision(10))}</text>`);
  }
  out.push(`<rect class="frame" x="${num(f.left)}" y="${num(f.top)}" width="${num(f.right - f.left)}" height="${num(f.bottom - f.top)}" fill="none" stroke="#444"/>`);
  out.push(`<text class="axis-label x" x="${num((f.left + f.right) / 2)}" y="${num(f.bottom + 38)}" text-anchor="middle" font-size="12">α (two-sided log scale)</text>`);
  const cy = num((f.top + f.bottom) / 2);
  out.push(`<text class="axis-label y" x="18" y="${cy}" transform="rotate(-90 18 ${cy})" text-anchor="middle" font-size="12">test accuracy (%)</text>`);
  return out;
}

/** Runs of consecutive α with an interval; a lone one becomes a narrow box so it stays visible. */
function bandPath(f: Frame, rows: readonly AlphaRow[]): string {
  const segments: AlphaRow[][] = [];
  let current: AlphaRow[] = [];
  for (const g of rows) {
    if (g.stats.ci95) current.push(g);
    else if (current.length) {
      segments.push(current);
      current = [];
    }
  }
  if (current.length) segments.push(current);
  return segments
    .map((seg) => {
      if (seg.length === 1) {
        const [lo, hi] = seg[0]!.stats.ci95!;
        const x = f.x(seg[0]!.alpha);
        return `M${num(x - 3)},${num(f.y(hi))}H${num(x + 3)}V${num(f.y(lo))}H${num(x - 3)}Z`;
      }
      const upper = seg.map((g) => [f.x(g.alpha), f.y(g.stats.ci95![1])] as const);
      const lower = seg.map((g) => [f.x(g.alpha), f.y(g.stats.ci95![0])] as const).reverse();
      return `M${[...upper, ...lower].map(([x, y]) => `${num(x)},${num(y)}`).join('L')}Z`;
    })
    .join('');
}

const polyline = (cls: string, color: string, pts: readonly (readonly [number, number])[], extra = ''): string =>
  `<polyline class="${cls}" points="${pts.map(([x, y]) => `${num(x)},${num(y)}`).join(' ')}" fill="none" stroke="${color}"${extra}/>`;

interface RefLabel { y: number; text: string; color: string }

function sweepLayers(f: Frame, r: SweepReport, color: string, labels: RefLabel[]): string[] {
  const out: string[] = [];
  const band = bandPath(f, r.byAlpha);
  if (band) out.push(`<path class="ci-band" d="${band}" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
  for (const [role, ref] of references(r)) {
    const y = f.y(ref.stats.mean);
    out.push(`<line class="reference ${role}" x1="${num(f.left)}" y1="${num(y)}" x2="${num(f.right)}" y2="${num(y)}" stroke="${color}" stroke-dasharray="${DASH[role]}"/>`);
    labels.push({ y, color, text: `${role === 'prior' ? 'prior alone' : 'plain MLP'} ${percent(ref.stats.mean)}%` });
  }
  for (const fit of fits(r)) {
    const pts = fitCurve(fit).map((p) => [f.x(p.alpha), f.y(p.accuracy)] as const);
    out.push(polyline(`fit fit-${fit.side}`, color, pts, ` stroke-width="1.5" stroke-dasharray="${DASH.fit}"`));
  }
  if (r.byAlpha.length > 1) out.push(polyline('mean', color, r.byAlpha.map((g) => [f.x(g.alpha), f.y(g.stats.mean)] as const), ' stroke-width="2"'));
  for (const g of r.byAlpha) {
    out.push(`<rect class="mean-point" x="${num(f.x(g.alpha) - 3)}" y="${num(f.y(g.stats.mean) - 3)}" width="6" height="6" fill="${color}"/>`);
    // Seeds at one α are spread a little sideways so they do not hide each other.
    g.runs.forEach((u, i) => {
      const dx = (i - (g.runs.length - 1) / 2) * 2.5;
      out.push(`<circle class="seed" cx="${num(f.x(g.alpha) + dx)}" cy="${num(f.y(u.accuracy))}" r="2.2" fill="${color}" fill-opacity="0.7"/>`);
    });
  }
  return out;
}

/** Reference labels right of the plot, pushed apart downwards so close lines keep readable labels. */
function referenceLabels(f: Frame, labels: RefLabel[]): string[] {
  const sorted = [...labels].sort((a, b) => a.y - b.y || (a.text < b.text ? -1 : 1));
  let last = -Infinity;
  return sorted.map((l) => {
    const y = Math.max(l.y + 4, last + MIN_LABEL_GAP);
    last = y;
    return `<text class="reference-label" x="${num(f.right + 6)}" y="${num(y)}" fill="${l.color}">${escapeXml(l.text)}</text>`;
  });
}

const KEY: readonly [string, string][] = [
  ['seed mean', '<line x1="0" y1="0" x2="22" y2="0" stroke="#555" stroke-width="2"/>'],
  ['95% CI', '<rect x="0" y="-5" width="22" height="10" fill="#555" fill-opacity="0.18"/>'],
  ['one seed', '<circle cx="11" cy="0" r="2.2" fill="#555"/>'],
  ['fit', `<line x1="0" y1="0" x2="22" y2="0" stroke="#555" stroke-width="1.5" stroke-dasharray="${DASH.fit}"/>`],
  ['plain MLP', `<line x1="0" y1="0" x2="22" y2="0" stroke="#555" stroke-dasharray="${DASH['plain-mlp']}"/>`],
  ['prior alone', `<line x1="0" y1="0" x2="22" y2="0" stroke="#555" stroke-dasharray="${DASH.prior}"/>`],
];

/** The caption lines under a sweep's legend entry: one per fitted side, then any warning. */
export function captionLines(r: SweepReport): string[] {
  const lines = [`MLP side: ${describeFit(r.fit.mlpSide)}`, `prior side: ${describeFit(r.fit.priorSide)}`];
  if (r.byAlpha.length === 0) lines.unshift('no finished α runs');
  if (r.mixedSettings.length) lines.push(`MIXED settings, the runs disagree on: ${r.mixedSettings.join(', ')}`);
  return lines;
}

/** The style key, then per sweep a swatch, its label and its caption lines; returns the markup and its height. */
function legend(reports: readonly SweepReport[], top: number, width: number): { markup: string[]; height: number } {
  const out = [`<g class="legend" transform="translate(${MARGIN.left} ${num(top)})">`];
  // The key wraps onto more rows when the plot is narrow.
  const perRow = Math.max(1, Math.floor((width - MARGIN.left) / KEY_SPACING));
  KEY.forEach(([label, mark], i) => {
    const x = (i % perRow) * KEY_SPACING;
    out.push(`<g transform="translate(${x} ${Math.floor(i / perRow) * LINE})">${mark}<text x="27" y="4">${label}</text></g>`);
  });
  let y = LINE * (Math.ceil(KEY.length / perRow) + 0.5);
  reports.forEach((r, i) => {
    out.push(`<rect class="swatch" x="0" y="${num(y - 5)}" width="22" height="10" fill="${sweepColor(i)}"/>`);
    out.push(`<text class="sweep-label" x="27" y="${num(y + 4)}" font-weight="bold">${escapeXml(sweepLabel(r))}</text>`);
    for (const line of captionLines(r)) {
      y += LINE;
      out.push(`<text class="caption" x="27" y="${num(y + 4)}">${escapeXml(line)}</text>`);
    }
    y += LINE * 1.2;
  });
  out.push('</g>');
  return { markup: out, height: y };
}

/** Accuracy versus α, every sweep overlaid in its own colour, with a legend and the fit's caption lines per sweep. */
export function reportSvg(reports: readonly SweepReport[], opts: SvgOptions = {}): string {
  const width = opts.width ?? 800;
  const height = opts.height ?? 480;
  // Below this the margins leave no room for the plot.
  if (!(width >= 400 && height >= 240)) throw new RangeError(`the plot needs width ≥ 400 and height ≥ 240, got ${width} × ${height}`);
  const f = frame(reports, width, height);
  const labels: RefLabel[] = [];
  const layers = reports.flatMap((r, i) => [`<g class="sweep">`, ...sweepLayers(f, r, sweepColor(i), labels), '</g>']);
  const title = opts.title ?? 'Test accuracy versus α';
  const empty = reports.every((r) => r.byAlpha.length === 0 && references(r).length === 0)
    ? [`<text class="empty" x="${num((f.left + f.right) / 2)}" y="${num((f.top + f.bottom) / 2)}" text-anchor="middle" fill="#888">no finished runs</text>`]
    : [];
  const key = legend(reports, height + 2, width);
  const total = height + key.height + 6;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(total)}" viewBox="0 0 ${num(width)} ${num(total)}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect class="background" width="100%" height="100%" fill="#fff"/>`,
    ...axes(f, width, title),
    ...layers,
    ...referenceLabels(f, labels),
    ...empty,
    ...key.markup,
    '</svg>',
    '',
  ].join('\n');
}
