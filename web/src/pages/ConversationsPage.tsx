// Conversations: the list, one thread (polled), replying as an agent, and the contact's
// assignment, tags, exclusion and block. An agent sees what the server gives them.

import { useEffect, useRef, useState, type FormEvent } from "react";
import { api, errorText } from "../api/client";
import type { Agent, Contact, Conversation, Message, Page } from "../api/types";
import { useAuth } from "../app/auth";
import { Link, navigate } from "../app/router";
import { useLoad } from "../ui/useLoad";
import { Empty, ErrorBanner, Loading, PageHeader, When } from "../ui/widgets";
import { ContactControls } from "./ContactControls";

export default function ConversationsPage({ selected }: { selected: string | null }) {
  const [pages, setPages] = useState<Conversation[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const agents = useLoad(() => api.get<Page<Agent>>("/agents").then((p) => p.data).catch(() => [] as Agent[]), []);

  const load = async (after: string | null) => {
    setLoading(true);
    try {
      const page = await api.get<Page<Conversation>>(`/conversations?limit=50${after ? `&cursor=${encodeURIComponent(after)}` : ""}`);
      setPages((all) => (after ? [...all, ...page.data] : page.data));
      setCursor(page.next_cursor ?? null);
      setMore(Boolean(page.next_cursor));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load(null);
  }, []);

  const sorted = [...pages].sort((a, b) => b.last_message_at.localeCompare(a.last_message_at));

  return (
    <>
      <PageHeader title="Conversations" />
      <ErrorBanner error={error} />
      <div className={`split${selected ? " has-selection" : ""}`}>
        <div className="split-list">
          {loading && pages.length === 0 ? (
            <Loading height={200} />
          ) : sorted.length === 0 ? (
            <Empty>No conversations yet.</Empty>
          ) : (
            <ul className="conv-list" aria-label="Conversations">
              {sorted.map((c) => (
                <li key={c.id}>
                  <Link to={`/conversations/${c.id}`} className={`conv-item${c.id === selected ? " current" : ""}`} aria-current={c.id === selected ? "page" : undefined}>
                    <span className="strong">{c.contact_name || c.contact_phone}</span>
                    <span className="muted small">{c.contact_name ? c.contact_phone : ""}</span>
                    <span className="muted small"><When at={c.last_message_at} /></span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
          {more && (
            <button type="button" className="button" disabled={loading} onClick={() => void load(cursor)}>
              Load more
            </button>
          )}
        </div>
        <div className="split-detail">
          {selected ? <Thread key={selected} id={selected} agents={agents.data ?? []} /> : <Empty>Select a conversation to read it.</Empty>}
        </div>
      </div>
    </>
  );
}

/** All messages, oldest first (the API pages forward from a cursor). */
async function allMessages(id: string, after: string | null): Promise<Message[]> {
  const out: Message[] = [];
  let cursor = after;
  for (let i = 0; i < 20; i++) {
    const page = await api.get<Page<Message>>(`/conversations/${encodeURIComponent(id)}/messages?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    out.push(...page.data);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

function senderLabel(m: Message, agents: Agent[]): string {
  if (m.direction === "inbound") return "Contact";
  if (m.sender_kind === "agent") return agents.find((a) => a.id === m.sender_ref)?.name ?? "Agent";
  if (m.sender_kind === "run" || m.sender_kind === "workflow") return "Workflow";
  return m.sender_kind || "waflow";
}

function Thread({ id, agents }: { id: string; agents: Agent[] }) {
  const { agent } = useAuth();
  const conversation = useLoad(() => api.get<Conversation>(`/conversations/${encodeURIComponent(id)}`), [id]);
  const [contact, setContact] = useState<Contact | null>(null);
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const last = useRef<string | null>(null);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const contactId = conversation.data?.contact_id;
    if (!contactId) return;
    api.get<Contact>(`/contacts/${encodeURIComponent(contactId)}`).then(setContact).catch((e: unknown) => setError(errorText(e)));
  }, [conversation.data?.contact_id]);

  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      try {
        const fresh = await allMessages(id, last.current);
        if (stopped) return;
        if (fresh.length || last.current === null) {
          last.current = fresh[fresh.length - 1]?.id ?? last.current ?? "";
          setMessages((all) => [...(all ?? []), ...fresh]);
        }
      } catch (e) {
        if (!stopped) setError(errorText(e));
      }
    };
    void poll();
    const timer = window.setInterval(() => void poll(), 3000);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [id]);

  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: "end" });
  }, [messages?.length]);

  // An uncertain message may or may not have reached WhatsApp; a failed one did not. The user
  // decides to send it again (WhatsApp may then show an uncertain one twice).
  const resend = async (m: Message) => {
    setError(null);
    try {
      const again = await api.post<Message>(`/conversations/${encodeURIComponent(id)}/messages/${encodeURIComponent(m.id)}/resend`);
      setMessages((all) => (all ?? []).map((x) => (x.id === again.id ? again : x)));
    } catch (err) {
      setError(errorText(err));
    }
  };

  const send = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    setSending(true);
    setError(null);
    try {
      await api.post(`/conversations/${encodeURIComponent(id)}/messages`, { text, ...(agent ? { agent_id: agent.id } : {}) });
      setText("");
      const fresh = await allMessages(id, last.current || null);
      if (fresh.length) {
        last.current = fresh[fresh.length - 1]?.id ?? last.current;
        setMessages((all) => [...(all ?? []), ...fresh]);
      }
    } catch (err) {
      setError(errorText(err));
    } finally {
      setSending(false);
    }
  };

  const c = conversation.data;
  return (
    <div className="thread">
      <div className="thread-head">
        <button type="button" className="button-quiet small show-narrow" onClick={() => navigate("/conversations")}>
          ← All conversations
        </button>
        <h2>{c ? c.contact_name || c.contact_phone : "…"}</h2>
        {c && <span className="muted">{c.contact_phone}</span>}
      </div>
      <ErrorBanner error={error ?? conversation.error} onDismiss={() => setError(null)} />
      <div className="thread-body">
        <div className="thread-messages">
          {messages === null ? (
            <Loading height={200} />
          ) : (
            <ol className="chat thread-chat" ref={list} aria-label="Messages" aria-live="polite">
              {messages.length === 0 && <li className="chat-note">No messages.</li>}
              {messages.map((m) => (
                <li key={m.id} className={`bubble ${m.direction === "inbound" ? "bubble-waflow" : "bubble-contact"}`}>
                  <span className="bubble-meta">
                    {senderLabel(m, agents)} · <When at={m.created_at} />
                    {m.direction === "outbound" && ` · ${m.status}`}
                  </span>
                  {m.text || <em className="muted">({m.message_type})</em>}
                  {m.error && <span className="field-error"> {m.error}</span>}
                  {m.direction === "outbound" && (m.status === "uncertain" || m.status === "failed") && (
                    <button type="button" className="button-quiet small" onClick={() => void resend(m)}>
                      Send again
                    </button>
                  )}
                </li>
              ))}
            </ol>
          )}
          <form className="chat-form" onSubmit={send}>
            <label className="visually-hidden" htmlFor="agent-reply">
              Reply
            </label>
            <input id="agent-reply" value={text} autoComplete="off" placeholder={contact?.blocked ? "The contact is blocked" : "Reply as an agent…"} onChange={(e) => setText(e.target.value)} />
            <button type="submit" className="button-primary" disabled={sending || !text.trim()}>
              Send
            </button>
          </form>
        </div>
        <aside className="thread-side" aria-label="Contact">
          {contact ? (
            <ContactControls contact={contact} agents={agents} onChange={setContact} />
          ) : (
            <Loading height={160} />
          )}
        </aside>
      </div>
    </div>
  );
}
