// Small shared pieces: error and notice banners, a switch, a status badge, a page header.

import { useId, type ReactNode } from "react";
import { t, tOr } from "../app/words/frame";
import { formatInstant, formatRelative, formatShort } from "./format";

export function ErrorBanner({ error, onDismiss }: { error: string | null | undefined; onDismiss?: () => void }) {
  if (!error) return null;
  return (
    <div className="banner banner-error" role="alert">
      <span>{error}</span>
      {onDismiss && (
        <button type="button" className="link-button" onClick={onDismiss} aria-label={t("ui.dismiss")}>
          ×
        </button>
      )}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="banner banner-info" role="status">
      {children}
    </div>
  );
}

/** A labelled on/off switch (a real button with aria-pressed semantics via role=switch). */
export function Switch({
  checked,
  onChange,
  label,
  disabled,
  hideLabel,
}: {
  checked: boolean;
  onChange: (value: boolean) => void;
  label: string;
  disabled?: boolean;
  hideLabel?: boolean;
}) {
  const id = useId();
  return (
    <span className="switch-wrap">
      <button
        id={id}
        type="button"
        role="switch"
        aria-checked={checked}
        aria-label={hideLabel ? label : undefined}
        className={`switch ${checked ? "on" : ""}`}
        disabled={disabled}
        onClick={() => onChange(!checked)}
      >
        <span className="knob" aria-hidden="true" />
      </button>
      {!hideLabel && <label htmlFor={id}>{label}</label>}
    </span>
  );
}

const STATUS_CLASS: Record<string, string> = {
  connected: "ok",
  disconnected: "warn",
  pairing: "info",
  logged_out: "bad",
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${STATUS_CLASS[status] ?? "muted"}`}>{tOr(`ui.status.${status}`, status.replace(/_/g, " "))}</span>;
}

export function OutcomeBadge({ outcome }: { outcome: string }) {
  const tone =
    ["matched", "completed", "sent", "started", "resumed", "delivered", "read", "replied"].includes(outcome) ? "ok"
    : ["failed", "blocked", "error", "no_credits", "not_configured"].includes(outcome) ? "bad"
    : ["no_match", "excluded", "duplicate", "automation_off", "collision_avoided", "timeout"].includes(outcome) ? "warn"
    : "muted";
  return <span className={`badge badge-${tone}`}>{outcomeLabel(outcome)}</span>;
}

/** An outcome (`no_match`) in words of the dashboard's language. */
export function outcomeLabel(outcome: string): string {
  return tOr(`ui.outcome.${outcome}`, outcome.replace(/_/g, " "));
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children && <div className="page-actions">{children}</div>}
    </div>
  );
}

/** A placeholder of fixed height while data loads, so the page does not jump. */
export function Loading({ label, height = 120 }: { label?: string; height?: number }) {
  return (
    <div className="loading" style={{ minHeight: height }} role="status" aria-live="polite">
      {label ?? t("ui.loading")}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** A time in the dashboard's language, short (`15/06/27, 10:00`), or how long ago (`relative`);
 * the full date and time in its title. */
export function When({ at, relative }: { at: string | null | undefined; relative?: boolean }) {
  if (!at) return <span>—</span>;
  return (
    <time dateTime={at} title={formatInstant(at)}>
      {relative ? formatRelative(at) : formatShort(at)}
    </time>
  );
}

export type Tone = "ok" | "warn" | "bad" | "info" | "muted";

/** A coloured badge with a label already in words. */
export function ToneBadge({ tone, label }: { tone: Tone; label: string }) {
  return <span className={`badge badge-${tone}`}>{label}</span>;
}

/** A labelled progress bar (`done` of `total`); a bar with no total shows as empty. */
export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(ratio * 100)}>
      <span className="progress-fill" style={{ width: `${ratio * 100}%` }} />
    </div>
  );
}

/** Warnings from the server, one per line, in the amber banner. */
export function Warnings({ items, title }: { items: string[] | undefined; title?: string }) {
  if (!items || items.length === 0) return null;
  return (
    <div className="banner banner-warn" role="status">
      <div>
        {title && <strong>{title}</strong>}
        <ul className="warnings">
          {items.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      </div>
    </div>
  );
}
