// What a chart is given: categories (days, or flows) and one or more series of numbers over them.

/** One line or one set of bars; `values[i]` belongs to category i. */
export interface Series {
  label: string;
  values: number[];
  /** Its colour: 0 green, 1 purple, 2 red (failures); by default its place in the list. */
  tone?: 0 | 1 | 2;
}

/** A chart's data and words; every word comes from the page, already translated. */
export interface ChartData {
  /** The chart's title (its caption, and the hidden table's caption). */
  title: string;
  /** The header of the categories' column in the hidden table ("Day"). */
  categoryHeader: string;
  /** Each category's short label for the axis ("1 dic"). */
  labels: string[];
  /** Each category's full label for the table and the tooltips ("lunedì 1 dicembre 2026"). */
  longLabels?: string[];
  series: Series[];
  /** One sentence with the numbers, for screen readers (the image's label). */
  summary: string;
  /** Shown instead of the drawing when every value is 0 (the table stays, for screen readers). */
  empty?: string;
  /** A number in the reader's locale. */
  format: (n: number) => string;
}
