// A weekly schedule editor: per weekday, intervals such as "09:00-13:00, 14:00-18:00".

import { useId, useState } from "react";
import { t } from "../app/words/frame";
import { weekdayNames } from "./format";

/** The weekdays' keys with English names (the names shown come from Intl, in the reader's language). */
export const WEEKDAYS: Array<[string, string]> = [
  ["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"], ["fri", "Friday"], ["sat", "Saturday"], ["sun", "Sunday"],
];

export type Weekly = Record<string, string[]>;

function Day({ day, label, value, onChange }: { day: string; label: string; value: string[]; onChange: (day: string, v: string[]) => void }) {
  const id = useId();
  const joined = value.join(", ");
  const [text, setText] = useState(joined);
  const [last, setLast] = useState(joined);
  if (joined !== last) {
    setLast(joined);
    setText(joined);
  }
  return (
    <div className="weekly-day">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={text}
        placeholder={t("ui.closed")}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = e.target.value.split(",").map((s) => s.trim()).filter(Boolean);
          setLast(parsed.join(", "));
          onChange(day, parsed);
        }}
      />
    </div>
  );
}

export function WeeklyHours({ value, onChange, error, legend }: { value: Weekly; onChange: (v: Weekly) => void; error?: string | null; legend: string }) {
  const names = weekdayNames().map((n) => n.charAt(0).toLocaleUpperCase() + n.slice(1));
  const set = (day: string, intervals: string[]) => {
    const next: Weekly = { ...value };
    if (intervals.length) next[day] = intervals;
    else delete next[day];
    onChange(next);
  };
  return (
    <fieldset className={`weekly${error ? " invalid" : ""}`}>
      <legend>{legend}</legend>
      {WEEKDAYS.map(([day], i) => (
        <Day key={day} day={day} label={names[i] ?? day} value={value[day] ?? []} onChange={set} />
      ))}
      <p className="hint">{t("ui.weeklyHint")}</p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
