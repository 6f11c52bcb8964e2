// Test accuracy versus α on the two-sided log axis, every sweep overlaid in its own colour: seed mean,
// 95% confidence band, one point per seed, the fitted lines per side (dashed), the plain MLP and the
// prior as horizontal references. Hovering a seed shows its run; clicking it opens the run.
import uPlot from 'uplot';
import { formatAlpha, percent } from '../src/core/report/format';
import type { SweepReport } from '../src/core/report/summary';
import { accuracyData, nearestSeedPoint, type AccuracyData, type ReferenceRole, type SeedPoint } from './chartData';
import { percentLabel, Plot, rules, themedAxis, timedRedraw, type LegendLine, type PlotOptions } from './plot';
import type { Theme } from './theme';

const DASH: Record<ReferenceRole | 'fit', number[]> = { fit: [6, 4], 'plain-mlp': [2, 3], prior: [9, 3, 2, 3] };
/** The band's fill: the sweep's colour at 18% opacity, as in the CLI's SVG. */
const BAND_ALPHA = '2e';
/** Room so points at α = 0 and α = 1 are not cut in half by the plot's edge. */
const X_PAD = 0.02;

export class AccuracyChart {
  private readonly plot: Plot;
  private data: AccuracyData = accuracyData([]);
  private hovered: SeedPoint | null = null;
  private readonly tooltip: HTMLElement;

  constructor(private readonly el: HTMLElement, private readonly legend: HTMLElement, private readonly note: HTMLElement,
    private theme: Theme, private readonly open: (runId: string) => void) {
    this.plot = new Plot(el, 320);
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'tooltip';
    this.tooltip.setAttribute('role', 'tooltip');
    this.tooltip.hidden = true;
  }

  setSweeps(sweeps: readonly SweepReport[]): void {
    this.data = accuracyData(sweeps);
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
  }

  isEmpty(): boolean {
    return this.data.points.length === 0 && this.data.references.length === 0;
  }

  /** Rebuilt on every draw: a view may bring another number of sweeps, seeds or fitted sides. */
  draw(): void {
    const d = this.data;
    timedRedraw('accuracy', () => {
      const data: uPlot.AlignedData = [d.x, ...d.sweeps.flatMap((s) => [s.lower, s.upper, s.mean, s.fitMlp, s.fitPrior, ...s.seeds])];
      const u = this.plot.build(this.options(), data);
      u.over.append(this.tooltip);
      u.over.addEventListener('click', () => {
        if (this.hovered) this.open(this.hovered.runId);
      });
    });
    this.hover(null);
    this.renderLegend();
    this.note.hidden = !this.isEmpty();
    this.el.dataset.sweeps = String(d.sweeps.length);
    this.el.dataset.points = String(d.points.length);
  }

  png(): string | null {
    if (this.isEmpty()) return null;
    return this.plot.png(this.theme, this.legendLines());
  }

  private options(): PlotOptions {
    const t = this.theme;
    const d = this.data;
    const series: uPlot.Series[] = [{ label: 'α position' }];
    const bands: uPlot.Band[] = [];
    for (const s of d.sweeps) {
      const lower = series.length;
      // The band's edges are not drawn themselves; the band fills between them.
      series.push({ label: `${s.label} CI low`, stroke: 'transparent', width: 0, points: { show: false } });
      series.push({ label: `${s.label} CI high`, stroke: 'transparent', width: 0, points: { show: false } });
      bands.push({ series: [lower + 1, lower], fill: s.color + BAND_ALPHA });
      // A sweep's α are a subset of the shared x: join its mean and fits over the other sweeps' α.
      series.push({ label: `${s.label} mean`, stroke: s.color, width: 2, spanGaps: true, points: { show: true, size: 6, fill: s.color } });
      series.push({ label: `${s.label} fit (MLP side)`, stroke: s.color, width: 1.5, dash: DASH.fit, spanGaps: true, points: { show: false } });
      series.push({ label: `${s.label} fit (prior side)`, stroke: s.color, width: 1.5, dash: DASH.fit, spanGaps: true, points: { show: false } });
      for (let k = 0; k < s.seeds.length; k++) {
        series.push({ label: `${s.label} seed #${k + 1}`, stroke: s.color, paths: () => null, points: { show: true, size: 5, width: 1, fill: s.color + '99' } });
      }
    }
    return {
      legend: { show: false },
      cursor: { x: false, y: false, points: { show: false }, drag: { x: false, y: false } },
      scales: { x: { time: false, range: [-X_PAD, 1 + X_PAD] }, y: { range: d.yRange } },
      series,
      bands,
      axes: [
        themedAxis(t, { label: 'α (two-sided log scale)', splits: () => d.ticks.map((k) => k.position), values: () => d.ticks.map((k) => k.label) }),
        themedAxis(t, { label: 'test accuracy', values: (_u, splits) => splits.map(percentLabel) }),
      ],
      hooks: {
        draw: [(u) => this.drawReferences(u)],
        setCursor: [(u) => this.onCursor(u)],
      },
    };
  }

  private drawReferences(u: uPlot): void {
    for (const r of this.data.references) rules(u, 'h', [u.valToPos(r.accuracy, 'y', true)], r.color, DASH[r.role]);
  }

  private onCursor(u: uPlot): void {
    const { left, top } = u.cursor;
    if (left === undefined || top === undefined || left < 0) return this.hover(null);
    this.hover(nearestSeedPoint(this.data.points, { left, top }, { x: (p) => u.valToPos(p, 'x'), y: (a) => u.valToPos(a, 'y') }));
    if (this.hovered) {
      const x = u.valToPos(this.hovered.x, 'x');
      this.tooltip.style.left = `${x}px`;
      this.tooltip.style.top = `${u.valToPos(this.hovered.accuracy, 'y')}px`;
      this.tooltip.classList.toggle('flip', x > u.over.clientWidth / 2);
    }
  }

  private hover(p: SeedPoint | null): void {
    this.hovered = p;
    this.tooltip.hidden = !p;
    this.plot.chart?.over.classList.toggle('pointing', !!p);
    if (!p) return;
    this.tooltip.replaceChildren(...[
      p.sweepLabel,
      `α = ${formatAlpha(p.alpha)}, seed ${p.seed}`,
      `test accuracy ${percent(p.accuracy)}%`,
      `run ${p.runId}`,
      'click to open the run',
    ].map((line) => Object.assign(document.createElement('div'), { textContent: line })));
  }

  /** A sweep's lines under its label: fit per side, warnings, and its reference lines. */
  private captionLines(i: number): string[] {
    const refs = this.data.references.filter((r) => r.sweep === i).map((r) => `${r.label} ${percent(r.accuracy)}%`);
    return [...this.data.sweeps[i]!.captions, ...(refs.length ? [`references (dashed): ${refs.join(', ')}`] : [])];
  }

  /** The legend as text lines, drawn under the exported PNG. */
  private legendLines(): LegendLine[] {
    return this.data.sweeps.flatMap((s, i) => [{ text: s.label, color: s.color }, ...this.captionLines(i).map((text) => ({ text: `  ${text}` }))]);
  }

  private renderLegend(): void {
    const items = this.data.sweeps.map((s, i) => {
      const item = document.createElement('div');
      item.className = 'legend-item';
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = s.color;
      const label = document.createElement('strong');
      label.textContent = s.label;
      const lines = this.captionLines(i).map((line) =>
        Object.assign(document.createElement('div'), { className: 'caption', textContent: line }));
      item.append(swatch, label, ...lines);
      return item;
    });
    this.legend.replaceChildren(...items);
  }
}
