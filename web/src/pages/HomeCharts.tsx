// Home's charts over the period's days (messages, runs and failures, AI credits) and the replies
// per flow; every chart has a title, a sentence with its numbers and a hidden table of them.

import { t } from "../app/words/home";
import { BarChart } from "../ui/charts/BarChart";
import { BarList } from "../ui/charts/BarList";
import { LineChart } from "../ui/charts/LineChart";
import { total } from "../ui/charts/scale";
import type { ChartData, Series } from "../ui/charts/types";
import { formatCount, formatDay } from "../ui/format";
import type { Stats } from "./homeStats";

/** The sentence a screen reader hears for a day chart: the totals, and the busiest day. */
function summary(title: string, days: number, series: Series[], longLabels: string[]): string {
  const sums = series.map((s) => total(s.values));
  if (sums.every((v) => v === 0)) return t("home.chart.summaryEmpty", { title, n: formatCount(days) });
  const perDay = longLabels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const busiest = perDay.indexOf(Math.max(...perDay));
  return t("home.chart.summary", {
    title,
    n: formatCount(days),
    totals: series.map((s, i) => `${s.label} ${formatCount(sums[i])}`).join(", "),
    day: longLabels[busiest] ?? "",
    value: formatCount(perDay[busiest]),
  });
}

export function HomeCharts({ stats, days }: { stats: Stats; days: number }) {
  const labels = stats.days.map((d) => formatDay(d.date));
  const longLabels = stats.days.map((d) => formatDay(d.date, "long"));
  const n = formatCount(days);
  const daily = (title: string, series: Series[], empty: string): ChartData => ({
    title,
    categoryHeader: t("home.day"),
    labels,
    longLabels,
    series,
    summary: summary(title, days, series, longLabels),
    empty,
    format: formatCount,
  });
  const column = (key: keyof Stats["days"][number]) => stats.days.map((d) => Number(d[key]) || 0);

  const messages = daily(
    t("home.chart.messages"),
    [
      { label: t("home.messagesIn"), values: column("messages_in") },
      { label: t("home.messagesOut"), values: column("messages_out"), tone: 1 },
    ],
    t("home.empty.messages", { n }),
  );
  const runs = daily(
    t("home.chart.runs"),
    [
      { label: t("home.runs"), values: column("runs") },
      { label: t("home.failures"), values: column("failures"), tone: 2 },
    ],
    t("home.empty.runs", { n }),
  );
  const ai = daily(t("home.chart.ai"), [{ label: t("home.aiCredits"), values: column("ai_credits"), tone: 1 }], t("home.empty.ai", { n }));

  const flows = [...stats.workflows].sort((a, b) => b.replies - a.replies || b.runs - a.runs);
  const workflowTitle = t("home.chart.workflows");
  const replies: ChartData = {
    title: workflowTitle,
    categoryHeader: t("home.workflow"),
    labels: flows.map((w) => w.name),
    series: [
      { label: t("home.replies"), values: flows.map((w) => w.replies) },
      { label: t("home.runs"), values: flows.map((w) => w.runs) },
    ],
    summary: flows.length
      ? `${workflowTitle}: ${flows.map((w) => `${w.name} ${formatCount(w.replies)}`).join(", ")}`
      : t("home.chart.summaryEmpty", { title: workflowTitle, n }),
    empty: t("home.empty.workflows", { n }),
    format: formatCount,
  };

  return (
    <div className="home-charts">
      <LineChart data={messages} />
      <BarChart data={runs} />
      <BarChart data={ai} />
      <BarList data={replies} />
    </div>
  );
}
