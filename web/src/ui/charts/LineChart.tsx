// Lines over the days (messages in and out), one per series, the second dashed so they differ
// without colour; points with tooltips when there are few enough days to see them.

import { Axes, HEIGHT, WIDTH, xOf, yOf } from "./Axes";
import { ChartFrame } from "./ChartFrame";
import { niceMax } from "./scale";
import type { ChartData } from "./types";

export function LineChart({ data }: { data: ChartData }) {
  const count = data.labels.length;
  const max = niceMax(Math.max(0, ...data.series.flatMap((s) => s.values)));
  const dots = count <= 31;
  return (
    <ChartFrame data={data}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} aria-hidden="true" focusable="false" className="chart-svg">
        <Axes max={max} labels={data.labels} format={data.format} />
        {data.series.map((s, si) => (
          <g key={s.label} className={`chart-line chart-s${s.tone ?? si}`}>
            <polyline fill="none" points={s.values.map((v, i) => `${xOf(i, count)},${yOf(v, max)}`).join(" ")} strokeDasharray={si === 1 ? "6 4" : undefined} />
            {dots &&
              s.values.map((v, i) => (
                <circle key={i} cx={xOf(i, count)} cy={yOf(v, max)} r={3}>
                  <title>{`${data.longLabels?.[i] ?? data.labels[i]}: ${s.label} ${data.format(v)}`}</title>
                </circle>
              ))}
          </g>
        ))}
      </svg>
    </ChartFrame>
  );
}
