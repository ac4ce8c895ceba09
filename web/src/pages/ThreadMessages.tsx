// The messages of a thread as chat bubbles: who sent each, when (in the reader's locale), and an
// outbound message's delivery status in words, which the thread keeps live.

import { useEffect, useRef } from "react";
import type { ThreadMessage as Message } from "../api/extra";
import type { Agent } from "../api/types";
import type { TranslationKey } from "../app/i18n";
import { t } from "../app/words/conversations";
import { formatInstant } from "../ui/format";
import { Loading } from "../ui/widgets";

const STATUS: Record<string, TranslationKey> = {
  queued: "conversations.status.queued",
  sending: "conversations.status.sending",
  sent: "conversations.status.sent",
  delivered: "conversations.status.delivered",
  read: "conversations.status.read",
  failed: "conversations.status.failed",
  uncertain: "conversations.status.uncertain",
};

/** An outbound message's status in words (an unknown one as written, without underscores). */
export function statusWord(status: string): string {
  const key = STATUS[status];
  return key ? t(key) : status.replace(/_/g, " ");
}

function senderLabel(m: Message, agents: Agent[]): string {
  if (m.direction === "inbound") return t("conversations.sender.contact");
  if (m.sender_kind === "agent") return agents.find((a) => a.id === m.sender_ref)?.name ?? t("conversations.sender.agent");
  if (m.sender_kind === "run" || m.sender_kind === "workflow") return t("conversations.sender.workflow");
  if (m.sender_kind === "api") return t("conversations.sender.api");
  return t("conversations.sender.waflow");
}

export function ThreadMessages({ messages, agents, onResend }: { messages: Message[] | null; agents: Agent[]; onResend: (m: Message) => void }) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: "end" });
  }, [messages?.length]);

  if (messages === null) return <Loading height={200} />;
  return (
    <ol className="chat thread-chat" ref={list} aria-label={t("conversations.messages")} aria-live="polite">
      {messages.length === 0 && <li className="chat-note">{t("conversations.noMessages")}</li>}
      {messages.map((m) => (
        <li key={m.id} className={`bubble ${m.direction === "inbound" ? "bubble-waflow" : "bubble-contact"}`} data-testid="message">
          <span className="bubble-meta">
            {senderLabel(m, agents)} · <time dateTime={m.created_at}>{formatInstant(m.created_at)}</time>
            {m.direction === "outbound" && (
              <>
                {" · "}
                <span className={`msg-status msg-${m.status}`} data-testid="message-status" data-status={m.status}>
                  {statusWord(m.status)}
                </span>
              </>
            )}
          </span>
          {m.text || <em className="muted">{t("conversations.attachmentOf", { type: m.message_type })}</em>}
          {m.error && <span className="field-error"> {m.error}</span>}
          {m.direction === "outbound" && (m.status === "uncertain" || m.status === "failed") && (
            <button type="button" className="button-quiet small" onClick={() => onResend(m)}>
              {t("conversations.sendAgain")}
            </button>
          )}
        </li>
      ))}
    </ol>
  );
}
