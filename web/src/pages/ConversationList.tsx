// The list of conversations: the contact, the last message (who wrote it and its first words),
// when, and how many of the contact's messages are unread.

import type { ConversationInfo } from "../api/extra";
import { query } from "../api/client";
import { Link } from "../app/router";
import { t } from "../app/words/conversations";
import { formatCount, formatShort } from "../ui/format";
import { Empty, Loading } from "../ui/widgets";

/** The time of the conversation's last activity, or null when there is none (a conversation
 * opened by a campaign before any message carries the epoch, which is no time to show). */
export function lastActivity(c: ConversationInfo): string | null {
  const at = c.last_message?.at ?? c.last_message_at;
  return at && new Date(at).getUTCFullYear() > 1970 ? at : null;
}

function Preview({ c }: { c: ConversationInfo }) {
  const last = c.last_message;
  // `undefined`: a server that does not send previews; `null`: no message yet.
  if (last === undefined) return <span />;
  if (!last) return <span className="conv-preview muted small">{t("conversations.noPreview")}</span>;
  const text = last.text?.trim() || t("conversations.attachment");
  return (
    <span className="conv-preview muted small" data-testid="conv-preview">
      {last.direction === "out" && <span className="conv-you">{t("conversations.you")} </span>}
      {text}
    </span>
  );
}

export function ConversationList({ items, selected, q, loading }: { items: ConversationInfo[]; selected: string | null; q: string; loading: boolean }) {
  if (loading && items.length === 0) return <Loading height={200} />;
  if (items.length === 0) return <Empty>{q ? t("conversations.noMatch", { q }) : t("conversations.none")}</Empty>;
  return (
    <ul className="conv-list" aria-label={t("page.conversations")}>
      {items.map((c) => {
        const unread = c.unread ?? 0;
        const current = c.id === selected;
        const name = c.contact_name || c.contact_phone;
        return (
          <li key={c.id}>
            <Link
              to={`/conversations/${encodeURIComponent(c.id)}${query({ q })}`}
              className={`conv-item${current ? " current" : ""}${unread > 0 ? " unread" : ""}`}
              aria-current={current ? "page" : undefined}
            >
              <span className="strong conv-name">{name}</span>
              <span className="muted small conv-when">{lastActivity(c) ? formatShort(lastActivity(c)) : ""}</span>
              <Preview c={c} />
              {unread > 0 ? (
                <span className="unread-badge" data-testid="unread" aria-label={t(unread === 1 ? "conversations.unreadOne" : "conversations.unreadMany", { count: formatCount(unread) })}>
                  {formatCount(unread)}
                </span>
              ) : (
                <span />
              )}
              {c.contact_name && <span className="muted small conv-phone">{c.contact_phone}</span>}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
