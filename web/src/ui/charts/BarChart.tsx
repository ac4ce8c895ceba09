// Bars per category (a day), side by side when there is more than one series (runs and
// failures). Each bar carries a tooltip with its value; the frame adds the title and the table.

import { Axes, HEIGHT, PLOT_WIDTH, WIDTH, xOf, yOf } from "./Axes";
import { ChartFrame } from "./ChartFrame";
import { niceMax } from "./scale";
import type { ChartData } from "./types";

export function BarChart({ data }: { data: ChartData }) {
  const count = data.labels.length;
  const max = niceMax(Math.max(0, ...data.series.flatMap((s) => s.values)));
  const slot = PLOT_WIDTH / Math.max(1, count);
  const barWidth = Math.max(1, (slot * 0.8) / Math.max(1, data.series.length));
  return (
    <ChartFrame data={data}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} aria-hidden="true" focusable="false" className="chart-svg">
        <Axes max={max} labels={data.labels} format={data.format} />
        {data.series.map((s, si) =>
          s.values.map((value, i) => {
            if (!value) return null;
            const x = xOf(i, count) - (barWidth * data.series.length) / 2 + si * barWidth;
            const y = yOf(value, max);
            return (
              <rect key={`${si}-${i}`} className={`chart-bar chart-s${s.tone ?? si}`} x={x} y={y} width={barWidth} height={yOf(0, max) - y}>
                <title>{`${data.longLabels?.[i] ?? data.labels[i]}: ${s.label} ${data.format(value)}`}</title>
              </rect>
            );
          }),
        )}
      </svg>
    </ChartFrame>
  );
}
