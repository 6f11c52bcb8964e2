// The α schedule in force over training (a staircase in sync mode), the cumulative pull toward the
// prior 1 − Π(1 − α_t) on its own 0–1 axis, and the run's current step marked live.
import uPlot from 'uplot';
import type { ScheduleView } from '../src/shared/protocol';
import { scheduleArrays, scheduleAt, type ScheduleArrays } from './chartData';
import { percentLabel, Plot, rules, themedAxis, timedRedraw, type LegendLine, type PlotOptions } from './plot';
import type { Theme } from './theme';

export class ScheduleChart {
  private readonly plot: Plot;
  private schedule: ScheduleView | null = null;
  private arrays: ScheduleArrays | null = null;
  private currentStep: number | null = null;
  private built = false;

  constructor(private readonly el: HTMLElement, private readonly note: HTMLElement, private theme: Theme) {
    this.plot = new Plot(el, 200);
  }

  setSchedule(schedule: ScheduleView | null, currentStep: number | null): void {
    this.schedule = schedule;
    this.arrays = schedule ? scheduleArrays(schedule) : null;
    this.currentStep = currentStep;
    this.built = false;
  }

  /** Moves the live marker of `runId`'s schedule; the schedule itself is planned and does not change while training. */
  setCurrentStep(runId: string, step: number): void {
    if (this.schedule?.runId === runId) this.currentStep = step;
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.built = false;
  }

  isEmpty(): boolean {
    return !this.arrays || this.arrays.x.length === 0;
  }

  draw(): void {
    const a = this.arrays;
    timedRedraw('schedule', () => {
      const data: uPlot.AlignedData = a ? [a.x, a.alpha, ...(a.cumulative ? [a.cumulative] : [])] : [[], []];
      if (!this.built || !this.plot.chart) {
        this.built = true;
        this.plot.build(this.options(), data);
      } else {
        // Only the marker moved: repaint without rebuilding paths or rescaling.
        this.plot.update((u) => u.redraw(false, false));
      }
    });
    this.el.hidden = !a;
    this.note.hidden = !!a;
    this.el.dataset.points = String(this.schedule?.steps.length ?? 0);
  }

  png(): string | null {
    if (this.isEmpty() || !this.schedule) return null;
    const legend: LegendLine[] = [{ text: `α_t (${this.schedule.mode}, ${this.schedule.schedule}, α₀ = ${this.schedule.alpha0})`, color: this.theme.blue }];
    if (this.schedule.cumulative) legend.push({ text: 'cumulative pull 1 − Π(1 − α_t)', color: this.theme.purple });
    return this.plot.png(this.theme, legend);
  }

  private options(): PlotOptions {
    const t = this.theme;
    const s = this.schedule;
    const a = this.arrays;
    const stepped = a?.stepped ?? false;
    const series: uPlot.Series[] = [
      { label: 'step' },
      {
        label: s ? `α_t (${s.schedule})` : 'α_t',
        stroke: t.blue,
        width: 1.5,
        scale: 'alpha',
        paths: stepped ? uPlot.paths.stepped!({ align: 1 }) : undefined,
        points: { show: stepped, size: 4, fill: t.blue },
      },
    ];
    if (a?.cumulative) series.push({ label: 'cumulative pull', stroke: t.purple, width: 1.5, dash: [6, 3], scale: 'pull', paths: uPlot.paths.stepped!({ align: 1 }), points: { show: false } });
    return {
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: [0, Math.max(1, s?.totalSteps ?? 1)] },
        // Small α stay readable: the axis runs from 0 to just above the largest α, not to 1.
        alpha: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        pull: { range: [0, 1] },
      },
      series,
      axes: [
        themedAxis(t, { label: 'global step' }),
        themedAxis(t, { scale: 'alpha', label: 'α' }),
        ...(a?.cumulative ? [themedAxis(t, { scale: 'pull', side: 1, label: 'cumulative pull', grid: { show: false }, values: (_u: uPlot, splits: number[]) => splits.map(percentLabel) })] : []),
      ],
      hooks: { draw: [(u) => this.drawCurrent(u)] },
    };
  }

  /** The current step as a vertical rule, and α (and the pull) in force there as dots. */
  private drawCurrent(u: uPlot): void {
    if (this.currentStep === null || !this.arrays) return;
    const t = this.theme;
    rules(u, 'v', [u.valToPos(this.currentStep, 'x', true)], t.focus, [], 1);
    const at = scheduleAt(this.arrays, this.currentStep);
    if (!at) return;
    const dot = (value: number, scale: string, color: string): void => {
      const r = 4 * uPlot.pxRatio;
      u.ctx.save();
      u.ctx.fillStyle = color;
      u.ctx.strokeStyle = t.background;
      u.ctx.lineWidth = uPlot.pxRatio;
      u.ctx.beginPath();
      u.ctx.arc(u.valToPos(this.currentStep!, 'x', true), u.valToPos(value, scale, true), r, 0, 2 * Math.PI);
      u.ctx.fill();
      u.ctx.stroke();
      u.ctx.restore();
    };
    dot(at.alpha, 'alpha', t.focus);
    if (at.cumulative !== null) dot(at.cumulative, 'pull', t.purple);
  }
}
