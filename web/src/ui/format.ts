// Times, numbers and durations in the reader's locale (Intl), never as raw RFC 3339.

/** A UTC instant as a date and time in the reader's locale; in `timeZone` (with its short name) when given. */
export function formatInstant(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(undefined, {
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
  return new Intl.NumberFormat().format(n ?? 0);
}

/** A share as a percentage (`12 %`), or an empty string when the whole is 0. */
export function formatShare(part: number, whole: number): string {
  if (!whole) return "";
  return new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 0 }).format(part / whole);
}

/** A duration in the largest fitting unit, in words of the reader's locale: `about 3 minutes`-like (`3 min`). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const unit = (value: number, u: string) => new Intl.NumberFormat(undefined, { style: "unit", unit: u, unitDisplay: "long", maximumFractionDigits: 1 }).format(value);
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
  return new Intl.NumberFormat(undefined, { style: "unit", unit: units[i], unitDisplay: "short", maximumFractionDigits: 1 }).format(value);
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
  return new Intl.DateTimeFormat(undefined, options).format(date);
}
