// Conversations: the list (last message, unread count, search by name, phone or text — `?q=` in
// the address) and the open thread (ConversationThread). The list is read again every 10 s so
// new messages and unread counts show up without reloading.

import { useEffect, useRef, useState } from "react";
import { api, errorText, query } from "../api/client";
import type { ConversationInfo } from "../api/extra";
import type { Agent, Page } from "../api/types";
import { navigate, useLocation } from "../app/router";
import { t } from "../app/words/conversations";
import { useLoad } from "../ui/useLoad";
import { ErrorBanner, PageHeader, Empty } from "../ui/widgets";
import { ConversationList, lastActivity } from "./ConversationList";
import { ConversationThread } from "./ConversationThread";
import "./conversations.css";

const LIST_POLL_MS = 10_000;

/** Newest activity first: the last message's time, else the conversation's. */
function byRecent(a: ConversationInfo, b: ConversationInfo): number {
  return (lastActivity(b) ?? "").localeCompare(lastActivity(a) ?? "");
}

export default function ConversationsPage({ selected }: { selected: string | null }) {
  const { params } = useLocation();
  const q = params.get("q") ?? "";
  const [typed, setTyped] = useState(q);
  const [items, setItems] = useState<ConversationInfo[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const agents = useLoad(() => api.get<Page<Agent>>("/agents").then((p) => p.data).catch(() => [] as Agent[]), []);
  const loaded = useRef(false);

  const load = async (after: string | null) => {
    setLoading(true);
    try {
      const page = await api.get<Page<ConversationInfo>>(`/conversations${query({ limit: 50, q, cursor: after })}`);
      // Refreshing the first page updates those conversations and keeps the pages loaded after it.
      setItems((all) => {
        const fresh = new Set(page.data.map((c) => c.id));
        return after ? [...all.filter((c) => !fresh.has(c.id)), ...page.data] : [...page.data, ...all.filter((c) => !fresh.has(c.id))];
      });
      if (after || !loaded.current) setCursor(page.next_cursor ?? null);
      loaded.current = true;
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };

  // A new search starts the list again.
  useEffect(() => {
    loaded.current = false;
    setItems([]);
    void load(null);
    const timer = window.setInterval(() => void load(null), LIST_POLL_MS);
    return () => window.clearInterval(timer);
  }, [q]);

  // The address changed by itself (back, forward): the box follows it.
  useEffect(() => {
    if (typed.trim() !== q) setTyped(q);
  }, [q]);

  // Typing searches after a short pause (the words go into the address: `?q=`).
  useEffect(() => {
    if (typed === q) return;
    const timer = window.setTimeout(() => {
      const path = selected ? `/conversations/${encodeURIComponent(selected)}` : "/conversations";
      navigate(`${path}${query({ q: typed.trim() })}`, { replace: true });
    }, 300);
    return () => window.clearTimeout(timer);
  }, [typed]);

  const patch = (id: string, change: Partial<ConversationInfo>) => setItems((all) => all.map((c) => (c.id === id ? { ...c, ...change } : c)));
  const sorted = [...items].sort(byRecent);

  return (
    <>
      <PageHeader title={t("page.conversations")} />
      <ErrorBanner error={error} />
      <div className={`split${selected ? " has-selection" : ""}`}>
        <div className="split-list">
          <form role="search" className="conv-search" onSubmit={(e) => e.preventDefault()}>
            <label className="visually-hidden" htmlFor="conv-search">
              {t("conversations.search")}
            </label>
            <input id="conv-search" type="search" value={typed} placeholder={t("conversations.searchPlaceholder")} onChange={(e) => setTyped(e.target.value)} />
          </form>
          <ConversationList items={sorted} selected={selected} q={q} loading={loading} />
          {cursor && (
            <button type="button" className="button" disabled={loading} onClick={() => void load(cursor)}>
              {t("common.loadMore")}
            </button>
          )}
        </div>
        <div className="split-detail">
          {selected ? (
            <ConversationThread key={selected} id={selected} agents={agents.data ?? []} onChange={(change) => patch(selected, change)} backTo={`/conversations${query({ q })}`} />
          ) : (
            <Empty>{t("conversations.select")}</Empty>
          )}
        </div>
      </div>
    </>
  );
}
