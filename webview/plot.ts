// What the three charts share: a uPlot instance that follows its container's width and is rebuilt
// for a new theme or a new set of series, theme-coloured axes, timed redraws and PNG export.
import uPlot from 'uplot';
import { axisFont, type Theme } from './theme';

export type PlotOptions = Omit<uPlot.Options, 'width' | 'height'>;

/** Axis in the theme's colours (canvas text cannot use CSS variables). */
export function themedAxis(theme: Theme, extra: uPlot.Axis = {}): uPlot.Axis {
  return {
    stroke: theme.muted,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
    font: axisFont(theme),
    labelFont: axisFont(theme),
    ...extra,
  };
}

/** 0.25, 12, 3.4e+6: at most four significant digits, exponent form for large and tiny values. */
export const compactLabel = (v: number): string => (v !== 0 && (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3) ? v.toExponential(1) : String(Number(v.toPrecision(4))));

export const percentLabel = (v: number): string => `${Number((100 * v).toPrecision(6))}%`;

/** A line of the exported PNG's legend; a colour adds a swatch before it. */
export interface LegendLine {
  text: string;
  color?: string;
}

export class Plot {
  private u: uPlot | null = null;
  private lastWidth = 0;

  constructor(private readonly host: HTMLElement, private readonly height: number) {
    new ResizeObserver(() => {
      const width = this.width();
      if (this.u && width !== this.lastWidth) {
        this.lastWidth = width;
        this.u.setSize({ width, height: this.height });
      }
    }).observe(host);
  }

  get chart(): uPlot | null {
    return this.u;
  }

  /** Changes the chart and paints at once (uPlot would otherwise paint on a microtask). */
  update(change: (u: uPlot) => void): void {
    this.u?.batch(change);
  }

  private width(): number {
    return Math.max(240, Math.floor(this.host.clientWidth));
  }

  /** A new chart in place of the old one: for a new theme, or when the series themselves change. Painted at once. */
  build(options: PlotOptions, data: uPlot.AlignedData): uPlot {
    this.u?.destroy();
    this.lastWidth = this.width();
    // uPlot paints on a microtask; batch() paints now, so a redraw's time is measured and a PNG made
    // right after it shows it.
    this.u = new uPlot({ ...options, width: this.lastWidth, height: this.height }, data, (u, init) => {
      this.host.append(u.root);
      u.batch(() => init());
    });
    return this.u;
  }

  /**
   * The chart on a filled background (the canvas itself is transparent), with the legend's lines below
   * it, since the on-screen legend is HTML and not part of the canvas.
   */
  png(theme: Theme, legend: readonly LegendLine[]): string | null {
    if (!this.u) return null;
    const src = this.u.ctx.canvas;
    const ratio = uPlot.pxRatio;
    const lineHeight = Math.round(16 * ratio);
    const out = document.createElement('canvas');
    out.width = src.width;
    out.height = src.height + (legend.length ? legend.length * lineHeight + lineHeight / 2 : 0);
    const ctx = out.getContext('2d');
    if (!ctx) return null;
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(src, 0, 0);
    ctx.font = `${Math.round(12 * ratio)}px ${theme.fontFamily}`;
    ctx.textBaseline = 'middle';
    legend.forEach((l, i) => {
      const y = src.height + (i + 0.5) * lineHeight;
      if (l.color) {
        ctx.fillStyle = l.color;
        ctx.fillRect(8 * ratio, y - 4 * ratio, 14 * ratio, 8 * ratio);
      }
      ctx.fillStyle = theme.foreground;
      ctx.fillText(l.text, 28 * ratio, y);
    });
    return out.toDataURL('image/png');
  }
}

/**
 * Runs a redraw and records its duration (and `detail`, e.g. the points drawn) as a performance
 * measure: a PerformanceObserver (the benchmark) sees it, and clearing it at once keeps a long
 * session from piling up entries.
 */
export function timedRedraw(chart: string, draw: () => void, detail?: Record<string, number>): void {
  const start = performance.now();
  draw();
  const name = `imlp:redraw:${chart}`;
  performance.measure(name, { start, end: performance.now(), detail });
  performance.clearMeasures(name);
}

/** Dashed vertical or horizontal rules across the plot area at canvas-pixel positions, as one path. */
export function rules(u: uPlot, orientation: 'v' | 'h', positions: readonly number[], color: string, dash: readonly number[], width = 1): void {
  const { ctx, bbox } = u;
  const r = uPlot.pxRatio;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = width * r;
  ctx.setLineDash(dash.map((d) => d * r));
  ctx.beginPath();
  for (const at of positions) {
    if (orientation === 'v') {
      ctx.moveTo(at, bbox.top);
      ctx.lineTo(at, bbox.top + bbox.height);
    } else {
      ctx.moveTo(bbox.left, at);
      ctx.lineTo(bbox.left + bbox.width, at);
    }
  }
  ctx.stroke();
  ctx.restore();
}
