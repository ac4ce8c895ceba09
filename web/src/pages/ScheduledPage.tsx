// Scheduled messages: tabs by state, period filters (today, 7/30/90 days, a custom range),
// cursor paging, a "New scheduled message" form, and edit / cancel on pending messages.

import { useEffect, useState } from "react";
import { api, errorText, query } from "../api/client";
import type { Page, ScheduledMessage, ScheduledState, WaNumber, Workspace } from "../api/types";
import { t } from "../app/words/scheduled";
import type { TranslationKey } from "../app/i18n";
import { navigate, useLocation } from "../app/router";
import { formatInstant } from "../ui/format";
import { useLoad } from "../ui/useLoad";
import { Empty, ErrorBanner, Loading, Notice, PageHeader, ToneBadge, Warnings, type Tone } from "../ui/widgets";
import { ScheduledForm } from "./ScheduledForm";

const TABS = ["pending", "sent", "failed", "cancelled", "all"] as const;
type Tab = (typeof TABS)[number];
const PERIODS = ["any", "today", "7d", "30d", "90d", "custom"] as const;
type Period = (typeof PERIODS)[number];

const STATE_TONE: Record<ScheduledState, Tone> = { pending: "info", sending: "info", sent: "ok", failed: "bad", cancelled: "muted" };

/** A scheduled message's state as a coloured badge in words. */
export function ScheduledStateBadge({ state }: { state: string }) {
  const known = state in STATE_TONE ? (state as ScheduledState) : null;
  return <ToneBadge tone={known ? STATE_TONE[known] : "muted"} label={known ? t(`scheduled.state.${known}`) : state} />;
}

interface Filters {
  tab: Tab;
  period: Period;
  from: string;
  to: string;
}

function filtersFrom(params: URLSearchParams): Filters {
  const tab = params.get("tab");
  const period = params.get("period");
  return {
    tab: TABS.includes(tab as Tab) ? (tab as Tab) : "pending",
    period: PERIODS.includes(period as Period) ? (period as Period) : "any",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
  };
}

function listPath(f: Filters, cursor: string | null): string {
  const custom = f.period === "custom";
  return `/scheduled${query({ tab: f.tab, period: f.period === "any" ? "" : f.period, from: custom ? f.from : "", to: custom ? f.to : "", cursor, limit: 50 })}`;
}

export default function ScheduledPage() {
  const { params } = useLocation();
  const filters = filtersFrom(params);
  const [items, setItems] = useState<ScheduledMessage[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<ScheduledMessage | null>(null);
  const [tick, setTick] = useState(0);
  const [range, setRange] = useState({ from: filters.from, to: filters.to });
  const numbers = useLoad(() => api.get<Page<WaNumber>>("/numbers").then((p) => p.data), []);
  const workspace = useLoad(() => api.get<Workspace>("/workspace").catch(() => null), []);
  const key = listPath(filters, null);

  const load = async (after: string | null) => {
    setLoading(true);
    try {
      const page = await api.get<Page<ScheduledMessage>>(listPath(filters, after));
      setItems((all) => (after ? [...all, ...page.data] : page.data));
      setCursor(page.next_cursor ?? null);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    // A custom period waits for both dates.
    if (filters.period === "custom" && (!filters.from || !filters.to)) {
      setItems([]);
      setCursor(null);
      setLoading(false);
      return;
    }
    void load(null);
    // (the list depends on the filters, which `key` spells out)
  }, [key, tick]);

  const show = (next: Partial<Filters>) => {
    const f = { ...filters, ...next };
    const custom = f.period === "custom";
    navigate(`/scheduled${query({ tab: f.tab === "pending" ? "" : f.tab, period: f.period === "any" ? "" : f.period, from: custom ? f.from : "", to: custom ? f.to : "" })}`, { replace: true });
  };

  const cancel = async (m: ScheduledMessage) => {
    if (!window.confirm(t("scheduled.confirmCancel", { phone: m.phone, when: formatInstant(m.due_at, m.time_zone) }))) return;
    setError(null);
    setSaved(null);
    try {
      const updated = await api.post<ScheduledMessage>(`/scheduled/${encodeURIComponent(m.id)}/cancel`);
      // Leaves the Pending tab; stays (as cancelled) in All and Cancelled.
      setItems((all) => (filters.tab === "pending" ? all.filter((x) => x.id !== m.id) : all.map((x) => (x.id === m.id ? updated : x))));
    } catch (e) {
      setError(errorText(e));
    }
  };

  const numberLabel = (id: string) => numbers.data?.find((n) => n.id === id)?.label ?? id;
  const defaultTz = workspace.data?.time_zone ?? "UTC";

  return (
    <>
      <PageHeader title={t("page.scheduled")}>
        <button type="button" className="button-primary" aria-expanded={creating} onClick={() => setCreating((c) => !c)}>
          {t("scheduled.new")}
        </button>
      </PageHeader>
      <ErrorBanner error={error ?? numbers.error} onDismiss={error ? () => setError(null) : undefined} />
      {saved && (
        <>
          <Notice>{t("scheduled.saved", { phone: saved.phone, when: formatInstant(saved.due_at, saved.time_zone) })}</Notice>
          <Warnings items={saved.warnings} title={t("scheduled.warningsTitle")} />
        </>
      )}
      {creating && (
        <ScheduledForm
          numbers={numbers.data ?? []}
          defaultTimeZone={defaultTz}
          onCancel={() => setCreating(false)}
          onSaved={(m) => {
            setCreating(false);
            setSaved(m);
            setTick((n) => n + 1);
          }}
        />
      )}
      <div role="tablist" aria-label={t("scheduled.tabs")} className="tabs page-tabs">
        {TABS.map((tab) => (
          <button key={tab} type="button" role="tab" aria-selected={filters.tab === tab} className="tab" onClick={() => show({ tab })}>
            {t(`scheduled.tab.${tab}`)}
          </button>
        ))}
      </div>
      <div className="toolbar filters">
        <label className="field field-inline">
          <span>{t("scheduled.period")}</span>
          <select value={filters.period} onChange={(e) => show({ period: e.target.value as Period })}>
            {PERIODS.map((p) => (
              <option key={p} value={p}>
                {t(`scheduled.period.${p}`)}
              </option>
            ))}
          </select>
        </label>
        {filters.period === "custom" && (
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              show(range);
            }}
          >
            <label className="field field-inline">
              <span>{t("scheduled.from")}</span>
              <input type="date" value={range.from} onChange={(e) => setRange({ ...range, from: e.target.value })} />
            </label>
            <label className="field field-inline">
              <span>{t("scheduled.to")}</span>
              <input type="date" value={range.to} min={range.from || undefined} onChange={(e) => setRange({ ...range, to: e.target.value })} />
            </label>
            <button type="submit" className="button" disabled={!range.from || !range.to}>
              {t("common.apply")}
            </button>
          </form>
        )}
      </div>
      {loading && items.length === 0 ? (
        <Loading height={200} />
      ) : items.length === 0 ? (
        <Empty>{filters.period === "custom" && (!filters.from || !filters.to) ? t("scheduled.pickRange") : t("scheduled.none")}</Empty>
      ) : (
        <ul className="sched-list">
          {items.map((m) => (
            <li key={m.id} className="card sched-item" data-testid="scheduled-row">
              {editing === m.id ? (
                <ScheduledForm
                  numbers={numbers.data ?? []}
                  defaultTimeZone={defaultTz}
                  initial={m}
                  onCancel={() => setEditing(null)}
                  onSaved={(updated) => {
                    setEditing(null);
                    setSaved(updated);
                    setItems((all) => all.map((x) => (x.id === m.id ? updated : x)));
                  }}
                />
              ) : (
                <ScheduledRow m={m} numberLabel={numberLabel(m.number_id)} onEdit={() => setEditing(m.id)} onCancel={() => void cancel(m)} />
              )}
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <div className="pager">
          <button type="button" className="button" disabled={loading} onClick={() => void load(cursor)}>
            {t("common.loadMore")}
          </button>
        </div>
      )}
    </>
  );
}

function ScheduledRow({ m, numberLabel, onEdit, onCancel }: { m: ScheduledMessage; numberLabel: string; onEdit: () => void; onCancel: () => void }) {
  const statusKey = m.message_status ? (`scheduled.status.${m.message_status}` as TranslationKey) : null;
  return (
    <>
      <div className="sched-head">
        <time className="strong" dateTime={m.due_at} title={`${m.at} ${m.time_zone}`}>
          {formatInstant(m.due_at, m.time_zone)}
        </time>
        <ScheduledStateBadge state={m.state} />
        {m.state === "sent" && statusKey && <span className="muted small">{t(statusKey)}</span>}
      </div>
      <p className="sched-meta small">
        {t("scheduled.toFrom", { phone: m.phone, number: numberLabel })}
        {m.fallback && <span className="muted"> · {t("scheduled.hasFallback", { name: m.fallback.name })}</span>}
      </p>
      <p className="sched-text">{m.text}</p>
      {m.error && <p className="field-error">{m.error}</p>}
      {m.sent_at && <p className="muted small">{t("scheduled.sentAt", { when: formatInstant(m.sent_at) })}</p>}
      {m.state === "pending" && (
        <div className="row">
          <button type="button" className="button small" aria-label={t("scheduled.editLabel", { phone: m.phone })} onClick={onEdit}>
            {t("common.edit")}
          </button>
          <button type="button" className="button-danger small" aria-label={t("scheduled.cancelLabel", { phone: m.phone })} onClick={onCancel}>
            {t("scheduled.cancel")}
          </button>
        </div>
      )}
    </>
  );
}
