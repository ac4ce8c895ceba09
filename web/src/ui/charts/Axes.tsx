// The plot area both day charts draw in: the value axis (0, half, top) with its grid lines, and a
// few category labels under it.

import { labelIndexes } from "./scale";

export const WIDTH = 480;
export const HEIGHT = 190;
export const PLOT = { left: 40, right: 6, top: 10, bottom: 26 };
export const PLOT_WIDTH = WIDTH - PLOT.left - PLOT.right;
export const PLOT_HEIGHT = HEIGHT - PLOT.top - PLOT.bottom;

/** The y of a value on a value axis whose top is `max`. */
export function yOf(value: number, max: number): number {
  return PLOT.top + PLOT_HEIGHT - (Math.max(0, value) / max) * PLOT_HEIGHT;
}

/** The x of the middle of category `i` of `count`. */
export function xOf(i: number, count: number): number {
  return PLOT.left + ((i + 0.5) * PLOT_WIDTH) / Math.max(1, count);
}

export function Axes({ max, labels, format }: { max: number; labels: string[]; format: (n: number) => string }) {
  const ticks = max >= 2 ? [0, max / 2, max] : [0, max];
  return (
    <g className="chart-axes">
      {ticks.map((tick) => (
        <g key={tick}>
          <line x1={PLOT.left} x2={WIDTH - PLOT.right} y1={yOf(tick, max)} y2={yOf(tick, max)} className={tick === 0 ? "chart-baseline" : "chart-grid"} />
          <text x={PLOT.left - 6} y={yOf(tick, max)} dy="0.32em" textAnchor="end">
            {format(tick)}
          </text>
        </g>
      ))}
      {labelIndexes(labels.length, 7).map((i) => (
        <text key={i} x={xOf(i, labels.length)} y={HEIGHT - 6} textAnchor={i === 0 && labels.length > 7 ? "start" : i === labels.length - 1 && labels.length > 7 ? "end" : "middle"}>
          {labels[i]}
        </text>
      ))}
    </g>
  );
}
