// Times, numbers and durations with Intl in the DASHBOARD's language (i18n.ts `locale()`: the
// language chosen in the picker, in the browser's own variant of it), never as raw RFC 3339.
// Every page formats through these helpers, so switching the language changes them all.

import { locale } from "../app/i18n";

function toDate(value: string | number | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === "") return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A UTC instant as a date and time in the reader's locale; in `timeZone` (with its short name) when given. */
export function formatInstant(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return "—";
  const date = toDate(iso);
  if (!date) return iso;
  try {
    return new Intl.DateTimeFormat(locale(), {
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      ...(timeZone ? { timeZone, timeZoneName: "short" } : {}),
    }).format(date);
  } catch {
    // An unknown time zone: the reader's own.
    return formatInstant(iso);
  }
}

/** The reader's own time zone (the browser's), e.g. `Europe/Rome`. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Every IANA time zone the browser knows (a short list when it cannot say). */
export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  return intl.supportedValuesOf?.("timeZone") ?? ["UTC", "Europe/Rome", "Europe/London", "Europe/Paris", "Europe/Madrid", "America/New_York"];
}

/** A count with the locale's digit grouping. */
export function formatCount(n: number | null | undefined): string {
  return new Intl.NumberFormat(locale()).format(n ?? 0);
}

/** A share as a percentage (`12 %`), or an empty string when the whole is 0. */
export function formatShare(part: number, whole: number): string {
  if (!whole) return "";
  return formatPercent(part / whole);
}

/** A duration in the largest fitting unit, in words of the reader's locale: `about 3 minutes`-like (`3 min`). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const unit = (value: number, u: string) => new Intl.NumberFormat(locale(), { style: "unit", unit: u, unitDisplay: "long", maximumFractionDigits: 1 }).format(value);
  if (s < 90) return unit(s, "second");
  if (s < 90 * 60) return unit(Math.round(s / 60), "minute");
  if (s < 48 * 3600) return unit(Math.round((s / 3600) * 10) / 10, "hour");
  return unit(Math.round((s / 86400) * 10) / 10, "day");
}

/** A byte count in KB/MB with the locale's digits. */
export function formatBytes(bytes: number): string {
  const units = ["byte", "kilobyte", "megabyte", "gigabyte"];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return new Intl.NumberFormat(locale(), { style: "unit", unit: units[i], unitDisplay: "short", maximumFractionDigits: 1 }).format(value);
}

/** A ratio (0.25) as a percentage in the reader's locale (`25 %`, `25%`). */
export function formatPercent(ratio: number, maximumFractionDigits = 0): string {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits }).format(Number.isFinite(ratio) ? ratio : 0);
}

/** A number with the locale's digits and decimal separator (`49,9`). */
export function formatNumber(n: number | null | undefined, maximumFractionDigits = 2): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits }).format(n ?? 0);
}

/** A short date and time (`15/06/27, 10:00`), as the log and lists show it; `—` when there is none. */
export function formatShort(value: string | number | Date | null | undefined): string {
  const date = toDate(value);
  if (!date) return "—";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "short", timeStyle: "short" }).format(date);
}

/** A date without the time (`15 giu 2027`); a bare `YYYY-MM-DD` is read as that calendar day. */
export function formatDate(value: string | number | Date | null | undefined, style: "short" | "medium" | "long" = "medium"): string {
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split("-").map(Number);
    return new Intl.DateTimeFormat(locale(), { dateStyle: style, timeZone: "UTC" }).format(new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1)));
  }
  const date = toDate(value);
  if (!date) return "—";
  return new Intl.DateTimeFormat(locale(), { dateStyle: style }).format(date);
}

/** A day and month without the year (`15 giugno`), for a yearly date written `MM-DD`. */
export function formatDayMonth(monthDay: string): string {
  const [m, d] = monthDay.split("-").map(Number);
  if (!m || !d) return monthDay;
  return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2000, m - 1, d)));
}

/** A time of day (`10:00`, `10:00 AM`). */
export function formatTime(value: string | number | Date | null | undefined): string {
  const date = toDate(value);
  if (!date) return "—";
  return new Intl.DateTimeFormat(locale(), { timeStyle: "short" }).format(date);
}

/** How long ago or how far ahead, in words (`3 minuti fa`, `in 2 days`, `ieri`). */
export function formatRelative(value: string | number | Date | null | undefined, now: number = Date.now()): string {
  const date = toDate(value);
  if (!date) return "—";
  const seconds = (date.getTime() - now) / 1000;
  const abs = Math.abs(seconds);
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  if (abs < 45) return rtf.format(0, "second");
  if (abs < 45 * 60) return rtf.format(Math.round(seconds / 60), "minute");
  if (abs < 22 * 3600) return rtf.format(Math.round(seconds / 3600), "hour");
  if (abs < 26 * 86400) return rtf.format(Math.round(seconds / 86400), "day");
  if (abs < 320 * 86400) return rtf.format(Math.round(seconds / (30 * 86400)), "month");
  return rtf.format(Math.round(seconds / (365 * 86400)), "year");
}

/** The names of the weekdays, Monday first, in the reader's language (`lunedì`…). */
export function weekdayNames(style: "long" | "short" = "long"): string[] {
  const format = new Intl.DateTimeFormat(locale(), { weekday: style, timeZone: "UTC" });
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => format.format(new Date(Date.UTC(2024, 0, 1 + i))));
}

/** `YYYY-MM-DDTHH:MM` for a `datetime-local` input, from a Date in the browser's time zone. */
export function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The wall time of `date` in `timeZone`, as `YYYY-MM-DDTHH:MM` (for a `datetime-local` input). */
export function wallTimeIn(date: Date, timeZone: string): string {
  try {
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(date);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
    return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}`;
  } catch {
    return localInputValue(date);
  }
}

/** A calendar day given as `YYYY-MM-DD` (already in the workspace's time zone) in the reader's
 * locale: `1 dic` (short) or `lunedì 1 dicembre 2026` (long). Read at noon UTC and shown in UTC, so
 * no time zone moves it to the day before or after. */
export function formatDay(day: string, style: "short" | "long" = "short"): string {
  const date = new Date(`${day}T12:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  const options: Intl.DateTimeFormatOptions =
    style === "long" ? { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" } : { day: "numeric", month: "short", timeZone: "UTC" };
  return new Intl.DateTimeFormat(locale(), options).format(date);
}
