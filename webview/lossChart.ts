// Live training curves of the selected run: loss per step (M, and the co-trained prior P when it
// reports one) on the left axis, test accuracy per evaluation on the right, syncs as dashed marks.
import uPlot from 'uplot';
import type { LossSeries } from '../src/shared/protocol';
import { LossBuffer } from './chartData';
import { compactLabel, percentLabel, Plot, rules, themedAxis, timedRedraw, type LegendLine, type PlotOptions } from './plot';
import type { Theme } from './theme';

interface Line {
  label: string;
  color: (t: Theme) => string;
  values: (b: LossBuffer) => uPlot.AlignedData[number];
  accuracy: boolean;
  show: (b: LossBuffer) => boolean;
}

const LINES: readonly Line[] = [
  { label: 'M train loss', color: (t) => t.blue, values: (b) => b.arrays.loss, accuracy: false, show: () => true },
  { label: 'P train loss', color: (t) => t.orange, values: (b) => b.arrays.priorLoss, accuracy: false, show: (b) => b.hasPriorLoss },
  { label: 'M test accuracy', color: (t) => t.green, values: (b) => b.arrays.accuracy, accuracy: true, show: () => true },
  { label: 'P test accuracy', color: (t) => t.purple, values: (b) => b.arrays.priorAccuracy, accuracy: true, show: (b) => b.hasPriorAccuracy },
];

export class LossChart {
  readonly buffer = new LossBuffer();
  private readonly plot: Plot;
  private readonly note: HTMLElement;
  private redraws = 0;
  /** Which lines the current uPlot has; a prior's line appearing needs a new chart. */
  private shape = '';

  constructor(private readonly el: HTMLElement, note: HTMLElement, private theme: Theme) {
    this.plot = new Plot(el, 240);
    this.note = note;
  }

  reset(series: LossSeries): void {
    this.buffer.reset(series);
  }

  /** Nothing drawn until `runId`'s series comes; points of other runs are dropped meanwhile. */
  clear(runId: string | null): void {
    this.buffer.clear(runId);
  }

  /** False when the points belong to another run than the one drawn. */
  append(series: LossSeries): boolean {
    return this.buffer.append(series);
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.shape = '';
  }

  isEmpty(): boolean {
    return this.buffer.arrays.x.length === 0;
  }

  draw(): void {
    timedRedraw('loss', () => {
      const lines = LINES.filter((l) => l.show(this.buffer));
      const data: uPlot.AlignedData = [this.buffer.arrays.x, ...lines.map((l) => l.values(this.buffer))];
      const shape = lines.map((l) => l.label).join('|');
      if (shape !== this.shape || !this.plot.chart) {
        this.shape = shape;
        this.plot.build(this.options(lines), data);
      } else {
        this.plot.update((u) => u.setData(data, true));
      }
    }, { points: this.buffer.points });
    this.note.hidden = !this.isEmpty();
    this.el.dataset.points = String(this.buffer.points);
    this.el.dataset.redraws = String(++this.redraws);
  }

  png(): string | null {
    if (this.isEmpty()) return null;
    const legend: LegendLine[] = LINES.filter((l) => l.show(this.buffer)).map((l) => ({ text: l.label, color: l.color(this.theme) }));
    if (this.buffer.syncs.length) legend.push({ text: 'dashed: sync', color: this.theme.muted });
    return this.plot.png(this.theme, legend);
  }

  private options(lines: readonly Line[]): PlotOptions {
    const t = this.theme;
    return {
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, acc: { range: [0, 1] } },
      series: [
        { label: 'step' },
        ...lines.map((l): uPlot.Series => ({
          label: l.label,
          stroke: l.color(t),
          width: l.accuracy ? 1.5 : 1,
          scale: l.accuracy ? 'acc' : 'y',
          // Evaluations sit at a few steps among thousands of loss points: join them and mark each.
          spanGaps: true,
          points: l.accuracy ? { show: true, size: 5, fill: l.color(t) } : { show: false },
          value: (_u, v) => (v === null || v === undefined ? '–' : l.accuracy ? percentLabel(v) : v.toPrecision(4)),
        })),
      ],
      axes: [
        themedAxis(t, { label: 'global step' }),
        // A diverging run's loss reaches millions: short labels keep the axis inside its gutter.
        themedAxis(t, { label: 'loss', values: (_u, splits) => splits.map(compactLabel) }),
        themedAxis(t, { scale: 'acc', side: 1, label: 'test accuracy', grid: { show: false }, values: (_u, splits) => splits.map(percentLabel) }),
      ],
      hooks: {
        draw: [(u) => rules(u, 'v', this.buffer.syncs.map((s) => u.valToPos(s.step, 'x', true)), t.muted, [4, 4])],
      },
    };
  }
}
