// The "why" of one log entry, in words: which workflows were considered and the conditions each
// checked (with the compared values), which steps ran, what was sent, errors and what comes next.

import type { Check, Considered, LogEntry } from "../api/types";
import { Link } from "../app/router";
import { When } from "../ui/widgets";

type Obj = Record<string, unknown>;

function text(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.map(text).join(", ");
  return Object.entries(v as Obj).map(([k, x]) => `${k}: ${text(x)}`).join("; ");
}

function Checks({ checks }: { checks: Check[] }) {
  if (!checks.length) return null;
  return (
    <table className="table checks">
      <thead>
        <tr><th scope="col">Condition</th><th scope="col">Compared value</th><th scope="col">Result</th></tr>
      </thead>
      <tbody>
        {checks.map((c, i) => (
          <tr key={i}>
            <td>{c.condition ?? <code>{c.path}</code>}</td>
            <td>{text(c.actual)}</td>
            <td>{c.held ? <span className="badge badge-ok">held</span> : <span className="badge badge-bad">failed</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Evaluation({ evaluation }: { evaluation: Obj }) {
  const considered = (evaluation.considered as Considered[] | undefined) ?? [];
  const skipped = (evaluation.skipped as Obj[] | undefined) ?? [];
  return (
    <div className="why-block">
      <h4>Workflows considered</h4>
      {considered.length === 0 ? (
        <p className="muted small">No workflow was considered for this message.</p>
      ) : (
        <ul className="why-list">
          {considered.map((c, i) => (
            <li key={i}>
              <span className={`badge ${c.matched ? "badge-ok" : "badge-muted"}`}>{c.matched ? "matched" : "not matched"}</span>{" "}
              <Link to={`/workflows/${c.workflow_id}`}>{c.workflow_name ?? c.workflow_id}</Link> <span className="muted">v{c.version}</span> — {c.reason}
              <Checks checks={c.checks ?? []} />
            </li>
          ))}
        </ul>
      )}
      {skipped.length > 0 && (
        <>
          <h4>Skipped without evaluating</h4>
          <ul className="why-list small">
            {skipped.map((s, i) => (
              <li key={i}>
                {text(s.workflow_name ?? s.name ?? s.workflow_id)}: {text(s.reason ?? s.condition ?? "its keywords are not in the message")}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function Steps({ steps }: { steps: Obj[] }) {
  return (
    <div className="why-block">
      <h4>Steps</h4>
      <ol className="why-list">
        {steps.map((s, i) => {
          const rest = Object.entries(s).filter(([k]) => !["step", "type", "at", "checks", "error", "result", "message_id"].includes(k));
          return (
            <li key={i}>
              <span className="strong">{text(s.step)}</span> <span className="muted">({text(s.type)})</span>
              {s.result !== undefined && <> · {text(s.result)}</>}
              {s.error !== undefined && <span className="field-error"> · {text(s.error)}</span>}
              {rest.length > 0 && (
                <dl className="kv small">
                  {rest.map(([k, v]) => (
                    <div key={k} className="kv-pair">
                      <dt>{k.replace(/_/g, " ")}</dt>
                      <dd>{text(v)}</dd>
                    </div>
                  ))}
                </dl>
              )}
              {Array.isArray(s.checks) && <Checks checks={s.checks as Check[]} />}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

/** What an AI reply entry means, in one sentence. */
function aiSentence(outcome: string, d: Obj): string | null {
  const fallback = d.edge === "on_failure" ? " The run continued on the step's fallback connection." : d.edge === "none" ? " The step has no fallback connection, so the run failed." : "";
  switch (outcome) {
    case "replied":
      return `The AI reply was sent${typeof d.credits === "number" ? ` (${d.credits} credit${d.credits === 1 ? "" : "s"})` : ""}.`;
    case "collision_avoided":
      return `Collision avoided: the AI reply was not sent, because ${text(d.reason ?? "someone wrote in the meantime")}.`;
    case "merged":
      return "Another run answers the same messages with AI; this one stood down (one reply per burst).";
    case "no_credits":
      return `No AI credits left: no call was made to the provider.${fallback}`;
    case "not_configured":
      return `No AI provider is set (Settings › AI replies).${fallback}`;
    case "timeout":
      return `The AI provider did not answer in time.${fallback}`;
    case "failed":
      return `No AI reply.${fallback}`;
    default:
      return null;
  }
}

/** What a translation entry means, in one sentence. */
function translationSentence(d: Obj): string {
  if (d.translated === true) return `Translated from ${text(d.from)} into ${text(d.to)}${d.cached === true ? " (from the cache)" : ""}.`;
  return `Sent as written, not translated: ${text(d.why ?? "no reason given")}.`;
}

function isPlain(v: unknown): boolean {
  return typeof v !== "object" || v === null || (Array.isArray(v) && v.every((x) => typeof x !== "object" || x === null));
}

export function LogWhy({ entry, onOpenConversation }: { entry: LogEntry; onOpenConversation: () => void }) {
  const d = entry.detail ?? {};
  const shown = new Set(["evaluation", "steps", "next"]);
  const facts = Object.entries(d)
    .filter(([k, v]) => !shown.has(k) && isPlain(v) && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]): [string, unknown] => (k === "version" && typeof v === "number" && v < 0 ? [k, "test run of a draft"] : [k, v]));
  const next = (d.next as Obj[] | undefined) ?? [];
  const sentence = entry.kind === "ai" ? aiSentence(entry.outcome, d) : entry.kind === "translation" ? translationSentence(d) : null;
  return (
    <div className="why">
      {sentence && <p className="why-sentence" data-testid="log-sentence">{sentence}</p>}
      {facts.length > 0 && (
        <dl className="kv small">
          {facts.map(([k, v]) => (
            <div key={k} className="kv-pair">
              <dt>{k.replace(/_/g, " ")}</dt>
              <dd>{text(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      {d.evaluation !== undefined && typeof d.evaluation === "object" && d.evaluation !== null && <Evaluation evaluation={d.evaluation as Obj} />}
      {Array.isArray(d.steps) && d.steps.length > 0 && <Steps steps={d.steps as Obj[]} />}
      {next.length > 0 && (
        <div className="why-block">
          <h4>Next</h4>
          <ul className="why-list small">
            {next.map((t, i) => (
              <li key={i}>
                {text(t.step)} ({text(t.kind)}) at <When at={typeof t.due_at === "string" ? t.due_at : null} />
              </li>
            ))}
          </ul>
        </div>
      )}
      {entry.contact_id && (
        <button type="button" className="button small" onClick={onOpenConversation}>
          Open the conversation
        </button>
      )}
    </div>
  );
}
