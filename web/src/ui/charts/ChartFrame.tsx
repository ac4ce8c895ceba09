// The frame every chart shares: a figure whose caption is the title, the drawing (an image
// labelled with a sentence holding the numbers), a legend, and the same numbers as a visually
// hidden table, so a screen reader can read every value.

import { useId, type ReactNode } from "react";
import type { ChartData } from "./types";
import "./charts.css";

/** `legend`: whether to name the series above the drawing (when it draws more than one). */
export function ChartFrame({ data, children, legend = true }: { data: ChartData; children: ReactNode; legend?: boolean }) {
  const captionId = useId();
  const isEmpty = data.series.every((s) => s.values.every((v) => !v));
  const showLegend = legend && data.series.length > 1;
  return (
    <figure className="chart" aria-labelledby={captionId}>
      <figcaption id={captionId} className="chart-title">
        {data.title}
      </figcaption>
      {isEmpty && data.empty ? (
        <p className="chart-empty">{data.empty}</p>
      ) : (
        <>
          {showLegend && (
            <ul className="chart-legend" aria-hidden="true">
              {data.series.map((s, i) => (
                <li key={s.label}>
                  <span className={`chart-key chart-s${s.tone ?? i}`} />
                  {s.label}
                </li>
              ))}
            </ul>
          )}
          <div role="img" aria-label={data.summary} className="chart-drawing">
            {children}
          </div>
        </>
      )}
      {/* Hidden in a wrapper: a table ignores its own 1px width, and would widen the page. */}
      <div className="visually-hidden">
        <table>
          <caption>{data.title}</caption>
          <thead>
            <tr>
              <th scope="col">{data.categoryHeader}</th>
              {data.series.map((s) => (
                <th scope="col" key={s.label}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.labels.map((label, i) => (
              <tr key={i}>
                <th scope="row">{data.longLabels?.[i] ?? label}</th>
                {data.series.map((s) => (
                  <td key={s.label}>{data.format(s.values[i] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
