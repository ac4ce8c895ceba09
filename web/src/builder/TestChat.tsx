// The "Test" chat pane: writes as a contact to a sandbox number and shows what waflow answers.
//
// It asks the server to run the draft (POST /workflows/{id}/test); a server without that endpoint
// gets the message through the sandbox as is (POST /numbers/{id}/sandbox/inbound), which runs the
// published, active workflows. Replies are read by polling the sandbox outbox.

import { useEffect, useRef, useState, type FormEvent } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { IntakeOutcome, Message, Page, WaNumber } from "../api/types";
import { useLoad } from "../ui/useLoad";
import { ErrorBanner } from "../ui/widgets";

interface ChatLine {
  id: string;
  who: "contact" | "waflow" | "note";
  text: string;
  options?: string[];
}

function optionsOf(payload: unknown): string[] | undefined {
  const p = (payload ?? {}) as Record<string, unknown>;
  if (Array.isArray(p.buttons)) return (p.buttons as Array<{ title?: string }>).map((b) => b.title ?? "");
  if (Array.isArray(p.sections)) return (p.sections as Array<{ rows?: Array<{ title?: string }> }>).flatMap((s) => (s.rows ?? []).map((r) => r.title ?? ""));
  return undefined;
}

const OUTCOME_NOTES: Record<string, string> = {
  no_match: "No workflow matched this message (see Logs for why).",
  excluded: "This contact is excluded from automation.",
  blocked: "This contact is blocked.",
  automation_off: "Automation is switched off on this number.",
  duplicate: "The same message was already received.",
};

let draftTestSupported: boolean | undefined;

export function TestChat({ workflowId, onClose, beforeSend, canTestDraft }: {
  workflowId: string;
  onClose: () => void;
  /** Saves pending edits; false when saving failed. */
  beforeSend: () => Promise<boolean>;
  /** Whether the published version is what the draft says (no unpublished changes). */
  canTestDraft: boolean;
}) {
  const numbers = useLoad(() => api.get<Page<WaNumber>>("/numbers").then((p) => p.data.filter((n) => n.channel === "sandbox")), []);
  const [numberId, setNumberId] = useState("");
  const [phone, setPhone] = useState("+393330001" + String(Math.floor(Math.random() * 9000) + 1000));
  const [text, setText] = useState("");
  const [lines, setLines] = useState<ChatLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [mode, setMode] = useState<"draft" | "published" | "unknown">(draftTestSupported === undefined ? "unknown" : draftTestSupported ? "draft" : "published");
  const conversation = useRef<string | null>(null);
  const cursor = useRef<string | null>(null);
  const seen = useRef(new Set<string>());
  const log = useRef<HTMLOListElement>(null);
  const input = useRef<HTMLInputElement>(null);

  const sandbox = numbers.data ?? [];
  const number = numberId || sandbox[0]?.id || "";

  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    log.current?.lastElementChild?.scrollIntoView({ block: "end" });
  }, [lines]);

  // Poll the outbox for replies in this conversation.
  useEffect(() => {
    if (!number) return;
    let stopped = false;
    const tick = async () => {
      if (!conversation.current || !cursor.current) return;
      try {
        const page = await api.get<Page<Message>>(`/numbers/${encodeURIComponent(number)}/sandbox/outbox?after=${encodeURIComponent(cursor.current)}&limit=200`);
        const fresh = page.data.filter((m) => m.conversation_id === conversation.current && !seen.current.has(m.id));
        const last = page.data[page.data.length - 1];
        if (last) cursor.current = last.id;
        if (!stopped && fresh.length) {
          for (const m of fresh) seen.current.add(m.id);
          setLines((all) => [...all, ...fresh.map((m): ChatLine => ({ id: m.id, who: "waflow", text: m.text, options: optionsOf(m.payload) }))]);
        }
      } catch {
        // a failed poll is retried on the next tick
      }
    };
    const timer = window.setInterval(() => void tick(), 600);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [number]);

  const createSandbox = async () => {
    setError(null);
    try {
      const created = await api.post<WaNumber>("/numbers", { label: "Sandbox", channel: "sandbox" });
      numbers.set([...sandbox, created]);
      setNumberId(created.id);
    } catch (e) {
      setError(errorText(e));
    }
  };

  const send = async (message: string, type?: string) => {
    if (!message.trim() || !number) return;
    setSending(true);
    setError(null);
    try {
      if (!(await beforeSend())) return;
      const body = { number_id: number, from: phone, text: message, ...(type ? { type } : {}) };
      let outcome: IntakeOutcome | null = null;
      if (draftTestSupported !== false) {
        try {
          outcome = await api.post<IntakeOutcome>(`/workflows/${encodeURIComponent(workflowId)}/test`, body);
          draftTestSupported = true;
          setMode("draft");
        } catch (e) {
          if (!(e instanceof ApiError && (e.status === 404 || e.status === 405) && /endpoint|method/i.test(e.message))) throw e;
          draftTestSupported = false;
          setMode("published");
        }
      }
      if (!outcome) {
        outcome = await api.post<IntakeOutcome>(`/numbers/${encodeURIComponent(number)}/sandbox/inbound`, { from: phone, text: message, ...(type ? { type } : {}) });
      }
      conversation.current = outcome.conversation_id;
      if (!cursor.current && outcome.message_id) cursor.current = outcome.message_id;
      const note = OUTCOME_NOTES[outcome.outcome];
      setLines((all) => [
        ...all,
        { id: outcome.message_id ?? `in-${all.length}`, who: "contact", text: message },
        ...(note ? [{ id: `note-${outcome.log_id}`, who: "note" as const, text: note }] : []),
      ]);
      setText("");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setSending(false);
      input.current?.focus();
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void send(text);
  };

  const restart = () => {
    setPhone("+393330001" + String(Math.floor(Math.random() * 9000) + 1000));
    setLines([]);
    conversation.current = null;
    cursor.current = null;
  };

  return (
    <aside className="test-chat" aria-labelledby="test-title">
      <div className="dialog-head">
        <h2 id="test-title">Test in the sandbox</h2>
        <button type="button" className="icon-button" aria-label="Close the test chat" onClick={onClose}>
          ×
        </button>
      </div>
      {mode === "draft" && <p className="hint">Your draft runs for this chat only.</p>}
      {mode === "published" && !canTestDraft && (
        <p className="banner banner-warn">This server runs the published version in the sandbox: publish to try your latest changes.</p>
      )}
      <ErrorBanner error={error ?? numbers.error} />
      {numbers.data && sandbox.length === 0 ? (
        <div className="empty">
          <p>A sandbox number is needed to test.</p>
          <button type="button" className="button-primary" onClick={createSandbox}>
            Create a sandbox number
          </button>
        </div>
      ) : (
        <>
          <div className="row">
            {sandbox.length > 1 && (
              <label className="field">
                <span>Sandbox number</span>
                <select value={number} onChange={(e) => setNumberId(e.target.value)}>
                  {sandbox.map((n) => <option key={n.id} value={n.id}>{n.label}</option>)}
                </select>
              </label>
            )}
            <label className="field">
              <span>Write as</span>
              <input value={phone} onChange={(e) => setPhone(e.target.value)} inputMode="tel" />
            </label>
            <button type="button" className="button small" onClick={restart}>
              New contact
            </button>
          </div>
          <ol className="chat" ref={log} aria-live="polite" aria-label="Test conversation">
            {lines.length === 0 && <li className="chat-note">Write a message as the contact would.</li>}
            {lines.map((l) => (
              <li key={l.id} className={l.who === "note" ? "chat-note" : `bubble bubble-${l.who}`}>
                <span className="visually-hidden">{l.who === "contact" ? "You: " : l.who === "waflow" ? "waflow: " : ""}</span>
                {l.text}
                {l.options && l.options.length > 0 && (
                  <span className="bubble-options">
                    {l.options.map((o) => (
                      <button key={o} type="button" className="button small" onClick={() => void send(o, "interactive_reply")}>
                        {o}
                      </button>
                    ))}
                  </span>
                )}
              </li>
            ))}
          </ol>
          <form className="chat-form" onSubmit={submit}>
            <label className="visually-hidden" htmlFor="test-message">
              Message
            </label>
            <input id="test-message" ref={input} value={text} autoComplete="off" placeholder="Type a message…" onChange={(e) => setText(e.target.value)} />
            <button type="submit" className="button-primary" disabled={sending || !text.trim() || !number}>
              Send
            </button>
          </form>
        </>
      )}
    </aside>
  );
}
