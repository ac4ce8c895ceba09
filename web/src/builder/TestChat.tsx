// The "Test" chat pane: every message written here goes to the DRAFT as live would take it
// (POST /workflows/{id}/test with the text: its trigger and conditions, then its steps; a test
// run waiting for a reply gets it), never to the live workflows. The draft's replies come from the
// sandbox conversation, polled and shown as a chat; when the draft does not take a message the
// pane says why, naming the condition that failed. "Start a test run" runs the steps at once,
// without a message (for triggers that are not messages).

import { useEffect, useRef, useState, type FormEvent } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { Message, Page, WaNumber } from "../api/types";
import { t } from "../app/words/builder";
import { useLoad } from "../ui/useLoad";
import { ErrorBanner } from "../ui/widgets";
import type { WorkflowDocument } from "./document";
import { whyInWords, type TestOutcome } from "./testWhy";

/** A line the pane adds after message `after` (null: at the top): a note, or a message the
 * contact wrote that no conversation holds (the draft did not take it). */
interface Note {
  after: string | null;
  text: string;
  kind: "note" | "why" | "contact";
  /** The message the contact wrote that this note is about: once the conversation shows it,
   * the note follows it. */
  about?: string;
}

function optionsOf(payload: unknown): string[] {
  const p = (payload ?? {}) as Record<string, unknown>;
  if (Array.isArray(p.buttons)) return (p.buttons as Array<{ title?: string }>).map((b) => b.title ?? "");
  if (Array.isArray(p.sections)) return (p.sections as Array<{ rows?: Array<{ title?: string }> }>).flatMap((s) => (s.rows ?? []).map((r) => r.title ?? ""));
  return [];
}

function randomPhone(): string {
  return `+39333${String(Math.floor(Math.random() * 9_000_000) + 1_000_000)}`;
}

/** What this server can do with test runs; learnt from the first try. */
let serverTests: boolean | undefined;
let serverTestsText: boolean | undefined;

function missingEndpoint(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 404 || e.status === 405) && /endpoint|method|not found/i.test(e.message) && !e.field;
}

function textRefused(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 400 || e.status === 422) && (e.field === "text" || e.field === "type" || /unknown field.*\b(text|type)\b/i.test(e.message));
}

export function TestChat({ workflowId, doc, onClose, beforeStart }: {
  workflowId: string;
  /** The draft being tested: the failed conditions are described from it. */
  doc: WorkflowDocument;
  onClose: () => void;
  /** Saves pending edits; false when saving failed. */
  beforeStart: () => Promise<boolean>;
}) {
  const numbers = useLoad(() => api.get<Page<WaNumber>>("/numbers").then((p) => p.data.filter((n) => n.channel === "sandbox")), []);
  const [numberId, setNumberId] = useState("");
  const [phone, setPhone] = useState(randomPhone);
  const [text, setText] = useState("");
  const [messages, setMessages] = useState<Message[]>([]);
  const [notes, setNotes] = useState<Note[]>([]);
  const [conversation, setConversation] = useState<string | null>(null);
  const [started, setStarted] = useState(false);
  const [noTests, setNoTests] = useState(serverTests === false);
  const [noText, setNoText] = useState(serverTestsText === false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const cursor = useRef<string | null>(null);
  const log = useRef<HTMLOListElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const lastIdRef = useRef<string | null>(null);
  lastIdRef.current = messages[messages.length - 1]?.id ?? null;

  const sandbox = numbers.data ?? [];
  const number = numberId || sandbox[0]?.id || "";

  useEffect(() => {
    log.current?.lastElementChild?.scrollIntoView({ block: "end" });
  }, [messages.length, notes.length]);

  // Poll the test conversation.
  useEffect(() => {
    if (!conversation) return;
    let stopped = false;
    const tick = async () => {
      try {
        const q = cursor.current ? `&cursor=${encodeURIComponent(cursor.current)}` : "";
        const page = await api.get<Page<Message>>(`/conversations/${encodeURIComponent(conversation)}/messages?limit=200${q}`);
        const last = page.data[page.data.length - 1];
        if (stopped || !last) return;
        cursor.current = last.id;
        setMessages((all) => [...all, ...page.data.filter((m) => !all.some((x) => x.id === m.id))]);
      } catch {
        // retried on the next tick
      }
    };
    void tick();
    const timer = window.setInterval(() => void tick(), 600);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [conversation]);

  const addNotes = (...added: Array<Omit<Note, "after">>) => setNotes((n) => [...n, ...added.map((x) => ({ ...x, after: lastIdRef.current }))]);

  /** Where a note shows: after the contact's message it is about once the conversation has it. */
  const anchorOf = (note: Note): string | null => {
    if (note.about === undefined) return note.after;
    const start = note.after ? messages.findIndex((m) => m.id === note.after) : -1;
    const found = messages.slice(start + 1).find((m) => m.direction === "inbound" && m.text === note.about);
    return found?.id ?? note.after;
  };

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

  const start = async () => {
    if (!number) return;
    setBusy(true);
    setError(null);
    try {
      if (!(await beforeStart())) return;
      let answer: { run_id: string; conversation_id?: string };
      try {
        answer = await api.post(`/workflows/${encodeURIComponent(workflowId)}/test`, { from: phone, number_id: number, name: t("chat.contactName") });
        serverTests = true;
      } catch (e) {
        if (missingEndpoint(e)) {
          serverTests = false;
          setNoTests(true);
          return;
        }
        throw e;
      }
      const conv = answer.conversation_id ?? (await api.get<{ conversation_id: string }>(`/runs/${encodeURIComponent(answer.run_id)}`)).conversation_id;
      setConversation(conv);
      setStarted(true);
      addNotes({ kind: "note", text: t("chat.startedSteps") });
      input.current?.focus();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const send = async (message: string, type?: string) => {
    if (!message.trim() || !number) return;
    setBusy(true);
    setError(null);
    try {
      if (!(await beforeStart())) return;
      let answer: TestOutcome;
      try {
        answer = await api.post<TestOutcome>(`/workflows/${encodeURIComponent(workflowId)}/test`, {
          from: phone, text: message, number_id: number, name: t("chat.contactName"), ...(type ? { type } : {}),
        });
        serverTests = true;
        serverTestsText = true;
      } catch (e) {
        if (missingEndpoint(e)) {
          serverTests = false;
          setNoTests(true);
          return;
        }
        if (textRefused(e)) {
          serverTestsText = false;
          setNoText(true);
          return;
        }
        throw e;
      }
      setText("");
      if (answer.outcome === "not_matched") {
        addNotes({ kind: "contact", text: message, about: message }, ...whyInWords(doc, answer).map((w): Omit<Note, "after"> => ({ kind: "why", text: w, about: message })));
        return;
      }
      setConversation(answer.conversation_id);
      if (answer.outcome === "started") {
        setStarted(true);
        addNotes({ kind: "note", text: t("chat.startedByMessage"), about: message });
      }
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
      input.current?.focus();
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void send(text);
  };

  const restart = () => {
    setPhone(randomPhone());
    setMessages([]);
    setNotes([]);
    setConversation(null);
    setStarted(false);
    cursor.current = null;
  };

  const notesAfter = (id: string | null) => notes.filter((n) => anchorOf(n) === id);

  return (
    <aside className="test-chat" aria-labelledby="test-title">
      <div className="dialog-head">
        <h2 id="test-title">{t("chat.title")}</h2>
        <button type="button" className="icon-button" aria-label={t("chat.close")} onClick={onClose}>
          ×
        </button>
      </div>
      <ErrorBanner error={error ?? numbers.error} onDismiss={() => setError(null)} />
      {noTests && <p className="banner banner-warn">{t("chat.noTests")}</p>}
      {noText && !noTests && <p className="banner banner-warn" role="alert">{t("chat.noText")}</p>}
      {numbers.data && sandbox.length === 0 ? (
        <div className="empty">
          <p>{t("chat.needSandbox")}</p>
          <button type="button" className="button-primary" onClick={createSandbox}>
            {t("chat.createSandbox")}
          </button>
        </div>
      ) : (
        <>
          <div className="row">
            {sandbox.length > 1 && (
              <label className="field">
                <span>{t("chat.number")}</span>
                <select value={number} onChange={(e) => setNumberId(e.target.value)}>
                  {sandbox.map((n) => <option key={n.id} value={n.id}>{n.label}</option>)}
                </select>
              </label>
            )}
            <label className="field">
              <span>{t("chat.contact")}</span>
              <input value={phone} onChange={(e) => setPhone(e.target.value)} inputMode="tel" disabled={started || messages.length > 0} />
            </label>
            <button type="button" className="button small" onClick={restart}>
              {t("chat.newContact")}
            </button>
          </div>
          {!noTests && (
            <div className="chat-start">
              <button type="button" className="button" disabled={busy || !number || started} onClick={() => void start()}>
                {started ? t("chat.started") : t("chat.start")}
              </button>
              <span className="hint">{t("chat.startHint")}</span>
            </div>
          )}
          <ol className="chat" ref={log} aria-live="polite" aria-label={t("chat.log")}>
            {notesAfter(null).map((n, i) => <NoteItem key={`n0-${i}`} note={n} messages={messages} />)}
            {messages.length === 0 && notes.length === 0 && <li className="chat-note">{t("chat.intro")}</li>}
            {messages.map((m) => (
              <FragmentWithNotes key={m.id} message={m} notes={notesAfter(m.id)} messages={messages} onOption={(o) => void send(o, "interactive_reply")} />
            ))}
          </ol>
          <form className="chat-form" onSubmit={submit}>
            <label className="visually-hidden" htmlFor="test-message">
              {t("chat.messageLabel")}
            </label>
            <input id="test-message" ref={input} value={text} autoComplete="off" placeholder={t("chat.placeholder")} onChange={(e) => setText(e.target.value)} />
            <button type="submit" className="button-primary" disabled={busy || !text.trim() || !number || noTests}>
              {t("chat.send")}
            </button>
          </form>
        </>
      )}
    </aside>
  );
}

function NoteItem({ note, messages }: { note: Note; messages: Message[] }) {
  if (note.kind === "contact") {
    // Once the conversation holds the message, it is shown from there.
    const start = note.after ? messages.findIndex((m) => m.id === note.after) : -1;
    if (messages.slice(start + 1).some((m) => m.direction === "inbound" && m.text === note.text)) return null;
    return (
      <li className="bubble bubble-contact">
        <span className="visually-hidden">{t("chat.contactSays")}</span>
        {note.text}
      </li>
    );
  }
  return <li className={note.kind === "why" ? "chat-note chat-why" : "chat-note"}>{note.text}</li>;
}

function FragmentWithNotes({ message: m, notes, messages, onOption }: { message: Message; notes: Note[]; messages: Message[]; onOption: (o: string) => void }) {
  const options = m.direction === "outbound" ? optionsOf(m.payload) : [];
  return (
    <>
      <li className={`bubble ${m.direction === "inbound" ? "bubble-contact" : "bubble-waflow"}`}>
        <span className="visually-hidden">{m.direction === "inbound" ? t("chat.contactSays") : t("chat.waflowSays")}</span>
        {m.text}
        {options.length > 0 && (
          <span className="bubble-options">
            {options.map((o) => (
              <button key={o} type="button" className="button small" onClick={() => onOption(o)}>
                {o}
              </button>
            ))}
          </span>
        )}
      </li>
      {notes.map((n, i) => <NoteItem key={i} note={n} messages={messages} />)}
    </>
  );
}
