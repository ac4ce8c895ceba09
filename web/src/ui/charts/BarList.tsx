// Horizontal bars, one row per category (a flow), longest first: the first series draws the bar,
// every series' number is printed beside it. Plain HTML rather than SVG, so long names wrap.

import { ChartFrame } from "./ChartFrame";
import type { ChartData } from "./types";

export function BarList({ data }: { data: ChartData }) {
  const first = data.series[0]?.values ?? [];
  const max = Math.max(1, ...first);
  return (
    <ChartFrame data={data} legend={false}>
      <ul className="chart-barlist" aria-hidden="true">
        {data.labels.map((label, i) => (
          <li key={i}>
            <span className="chart-barlist-name">{label}</span>
            <span className="chart-barlist-track">
              <span className="chart-barlist-fill chart-s0" style={{ width: `${((first[i] ?? 0) / max) * 100}%` }} />
            </span>
            <span className="chart-barlist-value">{data.series.map((s) => `${s.label} ${data.format(s.values[i] ?? 0)}`).join(" · ")}</span>
          </li>
        ))}
      </ul>
    </ChartFrame>
  );
}
