// One conversation: its messages, read again every 2 s so new ones appear and sent ones move
// from queued to sent (delivered, read) on screen; marked as read when opened and when the
// contact writes while it is open; the human takeover banner; replying as an agent; and the
// contact's assignment, tags, exclusion and block on the side.

import { useEffect, useRef, useState, type FormEvent } from "react";
import { api, errorText, query } from "../api/client";
import type { ConversationInfo, ThreadMessage as Message } from "../api/extra";
import type { Agent, Contact, Page } from "../api/types";
import { useAuth } from "../app/auth";
import { navigate } from "../app/router";
import { t } from "../app/words/conversations";
import { useLoad } from "../ui/useLoad";
import { ErrorBanner, Loading } from "../ui/widgets";
import { ContactControls } from "./ContactControls";
import { TakeoverBanner } from "./TakeoverBanner";
import { ThreadMessages } from "./ThreadMessages";

const POLL_MS = 2000;
/** The last messages read again on every poll, for their status (sent → delivered → read). */
const RECENT = 30;
/** Statuses that will still change by themselves. */
const UNSETTLED = new Set(["queued", "sending"]);

/** Messages after `cursor` (the last one already seen; null: from the start), oldest first. */
async function messagesAfter(id: string, cursor: string | null): Promise<Message[]> {
  const out: Message[] = [];
  let after = cursor;
  for (let i = 0; i < 20; i++) {
    const page = await api.get<Page<Message>>(`/conversations/${encodeURIComponent(id)}/messages${query({ limit: 500, cursor: after })}`);
    out.push(...page.data);
    if (!page.next_cursor) break;
    after = page.next_cursor;
  }
  return out;
}

/** Where a poll starts reading again: before the oldest unsettled message, or the last RECENT. */
function refreshFrom(messages: Message[]): number {
  let from = Math.max(0, messages.length - RECENT);
  const floor = Math.max(0, messages.length - 500);
  for (let i = floor; i < from; i++) {
    const m = messages[i];
    if (m && m.direction === "outbound" && UNSETTLED.has(m.status)) {
      from = i;
      break;
    }
  }
  return from;
}

export function ConversationThread({
  id,
  agents,
  onChange,
  backTo,
}: {
  id: string;
  agents: Agent[];
  onChange: (change: Partial<ConversationInfo>) => void;
  backTo: string;
}) {
  const { agent } = useAuth();
  const conversation = useLoad(() => api.get<ConversationInfo>(`/conversations/${encodeURIComponent(id)}`), [id]);
  const [contact, setContact] = useState<Contact | null>(null);
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const current = useRef<Message[]>([]);
  const inboundSeen = useRef(-1);

  useEffect(() => {
    const contactId = conversation.data?.contact_id;
    if (!contactId) return;
    api.get<Contact>(`/contacts/${encodeURIComponent(contactId)}`).then(setContact).catch((e: unknown) => setError(errorText(e)));
  }, [conversation.data?.contact_id]);

  /** Reads the new messages and the recent ones' statuses again. */
  const refresh = async () => {
    const known = current.current;
    const from = refreshFrom(known);
    const fresh = await messagesAfter(id, from > 0 ? (known[from - 1]?.id ?? null) : null);
    // A poll that started before another finished must not drop what the other added.
    if (current.current !== known) return;
    const merged = [...known.slice(0, from), ...fresh];
    current.current = merged;
    setMessages(merged);
  };

  useEffect(() => {
    let stopped = false;
    const poll = () =>
      refresh().catch((e: unknown) => {
        if (!stopped) setError(errorText(e));
      });
    void poll();
    const timer = window.setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [id]);

  // Read: when opened, and again whenever the contact writes while it is open. A server without
  // the endpoint leaves the unread counts as they are.
  const inbound = messages?.filter((m) => m.direction === "inbound").length ?? -1;
  useEffect(() => {
    if (messages === null || inbound === inboundSeen.current) return;
    inboundSeen.current = inbound;
    api
      .post(`/conversations/${encodeURIComponent(id)}/read`)
      .then(() => onChange({ unread: 0 }))
      .catch(() => undefined);
  }, [inbound, messages === null]);

  const resend = async (m: Message) => {
    setError(null);
    try {
      const again = await api.post<Message>(`/conversations/${encodeURIComponent(id)}/messages/${encodeURIComponent(m.id)}/resend`);
      current.current = current.current.map((x) => (x.id === again.id ? again : x));
      setMessages(current.current);
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
      const answer = await api.post<{ message_id?: string; status?: Message["status"] } | undefined>(`/conversations/${encodeURIComponent(id)}/messages`, { text, ...(agent ? { agent_id: agent.id } : {}) });
      setText("");
      // Shown at once as the server answered (queued); the polls then move its status on.
      const messageId = answer?.message_id;
      if (messageId && !current.current.some((m) => m.id === messageId)) {
        const c = conversation.data;
        const shown: Message = {
          id: messageId,
          workspace_id: c?.workspace_id ?? "",
          conversation_id: id,
          number_id: c?.number_id ?? "",
          contact_id: c?.contact_id ?? "",
          direction: "outbound",
          message_type: "text",
          text,
          sender_kind: agent ? "agent" : "api",
          sender_ref: agent?.id ?? null,
          status: answer?.status ?? "queued",
          created_at: new Date().toISOString(),
        };
        current.current = [...current.current, shown];
        setMessages(current.current);
      } else {
        await refresh();
      }
      // An agent writing pauses automation for this contact (human takeover).
      conversation.reload();
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
        <button type="button" className="button-quiet small show-narrow" onClick={() => navigate(backTo)}>
          {t("conversations.back")}
        </button>
        <h2>{c ? c.contact_name || c.contact_phone : "…"}</h2>
        {c && <span className="muted">{c.contact_phone}</span>}
      </div>
      <ErrorBanner error={error ?? conversation.error} onDismiss={() => setError(null)} />
      {c && (
        <TakeoverBanner
          conversation={c}
          onResumed={(fresh) => {
            conversation.set(fresh);
            onChange({ automation_paused_until: null });
          }}
        />
      )}
      <div className="thread-body">
        <div className="thread-messages">
          <ThreadMessages messages={messages} agents={agents} onResend={(m) => void resend(m)} />
          <form className="chat-form" onSubmit={send}>
            <label className="visually-hidden" htmlFor="agent-reply">
              {t("conversations.reply")}
            </label>
            <input id="agent-reply" value={text} autoComplete="off" placeholder={contact?.blocked ? t("conversations.blocked") : t("conversations.replyPlaceholder")} onChange={(e) => setText(e.target.value)} />
            <button type="submit" className="button-primary" disabled={sending || !text.trim()}>
              {t("conversations.send")}
            </button>
          </form>
        </div>
        <aside className="thread-side" aria-label={t("conversations.contact")}>
          {contact ? <ContactControls contact={contact} agents={agents} onChange={setContact} /> : <Loading height={160} />}
        </aside>
      </div>
    </div>
  );
}
