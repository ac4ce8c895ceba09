// The "Test" chat pane: runs the draft for a test contact on a sandbox number
// (POST /workflows/{id}/test), then lets you answer as that contact
// (POST /numbers/{id}/sandbox/inbound); the conversation is polled and shown as a chat.
//
// A server without test runs gets the messages through the sandbox only: the published, active
// workflows answer, and the pane says so.

import { useEffect, useRef, useState, type FormEvent } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { IntakeOutcome, Message, Page, Run, WaNumber } from "../api/types";
import { useLoad } from "../ui/useLoad";
import { ErrorBanner } from "../ui/widgets";

interface Note {
  after: string | null;
  text: string;
}

function optionsOf(payload: unknown): string[] {
  const p = (payload ?? {}) as Record<string, unknown>;
  if (Array.isArray(p.buttons)) return (p.buttons as Array<{ title?: string }>).map((b) => b.title ?? "");
  if (Array.isArray(p.sections)) return (p.sections as Array<{ rows?: Array<{ title?: string }> }>).flatMap((s) => (s.rows ?? []).map((r) => r.title ?? ""));
  return [];
}

const OUTCOME_NOTES: Record<string, string> = {
  no_match: "No workflow took this message (Logs say why).",
  excluded: "This contact is excluded from automation.",
  blocked: "This contact is blocked.",
  automation_off: "Automation is switched off on this number.",
  duplicate: "The same message was already received.",
};

function randomPhone(): string {
  return `+39333${String(Math.floor(Math.random() * 9_000_000) + 1_000_000)}`;
}

type TestAnswer = { run_id: string; contact_id: string };

/** Whether this server has test runs; learnt from the first try. */
let serverTests: boolean | undefined;

export function TestChat({ workflowId, onClose, beforeStart }: {
  workflowId: string;
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
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const cursor = useRef<string | null>(null);
  const log = useRef<HTMLOListElement>(null);
  const input = useRef<HTMLInputElement>(null);

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

  const lastId = () => messages[messages.length - 1]?.id ?? null;

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
      let answer: TestAnswer;
      try {
        answer = await api.post<TestAnswer>(`/workflows/${encodeURIComponent(workflowId)}/test`, { from: phone, number_id: number, name: "Test contact" });
        serverTests = true;
      } catch (e) {
        if (e instanceof ApiError && (e.status === 404 || e.status === 405) && /endpoint|method/i.test(e.message)) {
          serverTests = false;
          setNoTests(true);
          return;
        }
        throw e;
      }
      const run = await api.get<Run>(`/runs/${encodeURIComponent(answer.run_id)}`);
      setConversation(run.conversation_id);
      setStarted(true);
      setNotes((n) => [...n, { after: lastId(), text: "Test run of the draft started." }]);
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
      const outcome = await api.post<IntakeOutcome>(`/numbers/${encodeURIComponent(number)}/sandbox/inbound`, { from: phone, text: message, ...(type ? { type } : {}) });
      setConversation(outcome.conversation_id);
      const note = OUTCOME_NOTES[outcome.outcome];
      if (note) setNotes((n) => [...n, { after: outcome.message_id, text: note }]);
      setText("");
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

  const notesAfter = (id: string | null) => notes.filter((n) => n.after === id);

  return (
    <aside className="test-chat" aria-labelledby="test-title">
      <div className="dialog-head">
        <h2 id="test-title">Test in the sandbox</h2>
        <button type="button" className="icon-button" aria-label="Close the test chat" onClick={onClose}>
          ×
        </button>
      </div>
      <ErrorBanner error={error ?? numbers.error} onDismiss={() => setError(null)} />
      {noTests && (
        <p className="banner banner-warn">
          This server cannot run drafts: messages reach the published, active workflows. Publish to try your latest changes.
        </p>
      )}
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
              <span>Test contact</span>
              <input value={phone} onChange={(e) => setPhone(e.target.value)} inputMode="tel" disabled={started} />
            </label>
            <button type="button" className="button small" onClick={restart}>
              New contact
            </button>
          </div>
          {!noTests && (
            <button type="button" className="button-primary" disabled={busy || !number || started} onClick={() => void start()}>
              {started ? "Test run started" : "Start a test run of the draft"}
            </button>
          )}
          <ol className="chat" ref={log} aria-live="polite" aria-label="Test conversation">
            {notesAfter(null).map((n, i) => <li key={`n0-${i}`} className="chat-note">{n.text}</li>)}
            {messages.length === 0 && notes.length === 0 && (
              <li className="chat-note">{noTests ? "Write a message as the contact would." : "Start a test run: the draft's steps run for this contact, and you answer here."}</li>
            )}
            {messages.map((m) => (
              <FragmentWithNotes key={m.id} message={m} notes={notesAfter(m.id)} onOption={(o) => void send(o, "interactive_reply")} />
            ))}
          </ol>
          <form className="chat-form" onSubmit={submit}>
            <label className="visually-hidden" htmlFor="test-message">
              Message as the test contact
            </label>
            <input id="test-message" ref={input} value={text} autoComplete="off" placeholder="Answer as the contact…" onChange={(e) => setText(e.target.value)} />
            <button type="submit" className="button-primary" disabled={busy || !text.trim() || !number}>
              Send
            </button>
          </form>
        </>
      )}
    </aside>
  );
}

function FragmentWithNotes({ message: m, notes, onOption }: { message: Message; notes: Note[]; onOption: (o: string) => void }) {
  const options = m.direction === "outbound" ? optionsOf(m.payload) : [];
  return (
    <>
      <li className={`bubble ${m.direction === "inbound" ? "bubble-contact" : "bubble-waflow"}`}>
        <span className="visually-hidden">{m.direction === "inbound" ? "Contact: " : "waflow: "}</span>
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
      {notes.map((n, i) => <li key={i} className="chat-note">{n.text}</li>)}
    </>
  );
}
