// Logs: why each thing happened. Filters (period, workflow, contact, outcome), cursor paging,
// and each entry's reasoning with a link to its conversation.

import { useEffect, useState, type FormEvent } from "react";
import { api, errorText, query } from "../api/client";
import type { Contact, Conversation, LogEntry, Page, Run, Workflow } from "../api/types";
import { useLocation, navigate } from "../app/router";
import { useLoad } from "../ui/useLoad";
import { Empty, ErrorBanner, Loading, OutcomeBadge, outcomeLabel, PageHeader, When } from "../ui/widgets";
import { formatCount } from "../ui/format";
import { tOr } from "../app/words/frame";
import { t } from "../app/words/logs";
import { LogWhy } from "./LogWhy";

const PERIODS = ["today", "7d", "30d", "90d", "all", "custom"] as const;

/** The outcomes to filter by, in words (computed when shown: in the current language). */
function outcomes(): Array<[string, string]> {
  return [
    ...["matched", "no_match", "started", "resumed", "completed", "failed", "sent", "excluded", "blocked", "duplicate", "automation_off"].map((o): [string, string] => [o, outcomeLabel(o)]),
    // AI replies (kind `ai`).
    ...["replied", "collision_avoided", "no_credits", "timeout", "not_configured"].map((o): [string, string] => [o, t("logs.aiOutcome", { outcome: outcomeLabel(o) })]),
    ["merged", t("logs.merged")],
  ];
}

/** A log kind in words (others are shown as they are). */
function kindLabel(kind: string): string {
  return tOr(`logs.kind.${kind}`, kind);
}

interface Filters {
  period: string;
  since: string;
  until: string;
  workflow_id: string;
  contact: string;
  outcome: string;
}

/** Finds the conversation of a log entry: through its run, or by contact and number. */
async function conversationOf(entry: LogEntry): Promise<string | null> {
  if (entry.run_id) {
    const run = await api.get<Run>(`/runs/${encodeURIComponent(entry.run_id)}`).catch(() => null);
    if (run?.conversation_id) return run.conversation_id;
  }
  let cursor: string | null = null;
  for (let i = 0; i < 10; i++) {
    const page: Page<Conversation> = await api.get<Page<Conversation>>(`/conversations${query({ limit: 500, cursor })}`);
    const found = page.data.find((c) => c.contact_id === entry.contact_id && (!entry.number_id || c.number_id === entry.number_id));
    if (found) return found.id;
    if (!page.next_cursor) return null;
    cursor = page.next_cursor;
  }
  return null;
}

export default function LogsPage() {
  const { params } = useLocation();
  const initial: Filters = {
    period: params.get("period") ?? "7d",
    since: params.get("since") ?? "",
    until: params.get("until") ?? "",
    workflow_id: params.get("workflow_id") ?? "",
    contact: params.get("contact") ?? "",
    outcome: params.get("outcome") ?? "",
  };
  const [form, setForm] = useState<Filters>(initial);
  const [filters, setFilters] = useState<Filters>(initial);
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [entries, setEntries] = useState<LogEntry[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const workflows = useLoad(() => api.get<Page<Workflow>>("/workflows").then((p) => p.data).catch(() => [] as Workflow[]), []);
  const pageCursor = cursors[cursors.length - 1] ?? null;

  useEffect(() => {
    let cancelled = false;
    const run = async () => {
      setLoading(true);
      setError(null);
      try {
        let contactId = "";
        if (filters.contact.trim()) {
          const c = filters.contact.trim();
          if (c.startsWith("ct_")) contactId = c;
          else {
            const found = await api.get<Page<Contact>>(`/contacts${query({ search: c, limit: 1 })}`);
            contactId = found.data[0]?.id ?? "";
            if (!contactId) throw new Error(t("logs.noContact", { contact: c }));
          }
        }
        const q = query({
          period: filters.period === "custom" ? "custom" : filters.period,
          since: filters.period === "custom" ? filters.since : "",
          until: filters.period === "custom" ? filters.until : "",
          workflow_id: filters.workflow_id,
          contact_id: contactId,
          outcome: filters.outcome,
          cursor: pageCursor,
          limit: 25,
        });
        const page = await api.get<Page<LogEntry>>(`/logs${q}`);
        if (cancelled) return;
        setEntries(page.data);
        setNext(page.next_cursor ?? null);
      } catch (e) {
        if (!cancelled) {
          setError(errorText(e));
          setEntries([]);
        }
      } finally {
        if (!cancelled) setLoading(false);
      }
    };
    void run();
    return () => {
      cancelled = true;
    };
  }, [filters, pageCursor]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(form);
    setCursors([null]);
    const q = query({ ...form, since: form.period === "custom" ? form.since : "", until: form.period === "custom" ? form.until : "" });
    window.history.replaceState(null, "", `/logs${q}`);
  };

  const openConversation = async (entry: LogEntry) => {
    setError(null);
    try {
      const id = await conversationOf(entry);
      if (id) navigate(`/conversations/${id}`);
      else setError(t("logs.noConversation"));
    } catch (e) {
      setError(errorText(e));
    }
  };

  const set = (k: keyof Filters, v: string) => setForm({ ...form, [k]: v });

  return (
    <>
      <PageHeader title={t("page.logs")} />
      <form className="filters section" onSubmit={apply} aria-label={t("logs.filters")}>
        <div className="row">
          <label className="field">
            <span>{t("logs.period")}</span>
            <select value={form.period} onChange={(e) => set("period", e.target.value)}>
              {PERIODS.map((v) => <option key={v} value={v}>{t(`logs.period.${v}`)}</option>)}
            </select>
          </label>
          {form.period === "custom" && (
            <>
              <label className="field">
                <span>{t("logs.from")}</span>
                <input type="date" value={form.since} required onChange={(e) => set("since", e.target.value)} />
              </label>
              <label className="field">
                <span>{t("logs.until")}</span>
                <input type="date" value={form.until} onChange={(e) => set("until", e.target.value)} />
              </label>
            </>
          )}
          <label className="field">
            <span>{t("logs.workflow")}</span>
            <select value={form.workflow_id} onChange={(e) => set("workflow_id", e.target.value)}>
              <option value="">{t("logs.any")}</option>
              {(workflows.data ?? []).map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
            </select>
          </label>
          <label className="field">
            <span>{t("logs.contact")}</span>
            <input value={form.contact} onChange={(e) => set("contact", e.target.value)} />
          </label>
          <label className="field">
            <span>{t("logs.outcome")}</span>
            <select value={form.outcome} onChange={(e) => set("outcome", e.target.value)}>
              <option value="">{t("logs.any")}</option>
              {outcomes().map(([o, label]) => <option key={o} value={o}>{label}</option>)}
            </select>
          </label>
          <button type="submit" className="button-primary">{t("common.apply")}</button>
        </div>
      </form>
      <ErrorBanner error={error} />
      {entries === null || (loading && entries.length === 0) ? (
        <Loading height={240} />
      ) : entries.length === 0 ? (
        <Empty>{t("logs.empty")}</Empty>
      ) : (
        <ol className="log-list" aria-busy={loading}>
          {entries.map((e) => {
            const isOpen = open.has(e.id);
            return (
              <li key={e.id} className="card log-entry" data-testid="log-entry">
                <button
                  type="button"
                  className="log-summary"
                  aria-expanded={isOpen}
                  onClick={() => {
                    const n = new Set(open);
                    if (isOpen) n.delete(e.id);
                    else n.add(e.id);
                    setOpen(n);
                  }}
                >
                  <span className="log-time"><When at={e.created_at} /></span>
                  <span className={`badge badge-muted kind-${e.kind}`}>{kindLabel(e.kind)}</span>
                  <OutcomeBadge outcome={e.outcome} />
                  <span className="log-text">{e.summary}</span>
                  <span className="muted small">{isOpen ? t("logs.hideWhy") : t("logs.why")}</span>
                </button>
                {isOpen && <LogWhy entry={e} onOpenConversation={() => void openConversation(e)} />}
              </li>
            );
          })}
        </ol>
      )}
      <div className="pager">
        <button type="button" className="button" disabled={cursors.length <= 1 || loading} onClick={() => setCursors(cursors.slice(0, -1))}>
          {t("logs.newer")}
        </button>
        <span className="muted">{t("logs.page", { n: formatCount(cursors.length) })}</span>
        <button type="button" className="button" disabled={!next || loading} onClick={() => setCursors([...cursors, next])}>
          {t("logs.older")}
        </button>
      </div>
    </>
  );
}
