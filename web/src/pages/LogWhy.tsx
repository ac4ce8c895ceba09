// The "why" of one log entry, in words: which workflows were considered and the conditions each
// checked (with the compared values), which steps ran, what was sent, errors and what comes next.

import type { Check, Considered, LogEntry } from "../api/types";
import { Link } from "../app/router";
import { When } from "../ui/widgets";
import { formatInstant, formatNumber } from "../ui/format";
import { tOr } from "../app/words/frame";
import { plural, t } from "../app/words/logs";

type Obj = Record<string, unknown>;

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** A value of an entry's detail in words: times and numbers in the reader's locale. */
function text(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return INSTANT.test(v) ? formatInstant(v) : v;
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "boolean") return v ? t("why.yes") : t("why.no");
  if (Array.isArray(v)) return v.map(text).join(", ");
  return Object.entries(v as Obj).map(([k, x]) => `${factName(k)}: ${text(x)}`).join("; ");
}

/** A detail's key in words (`message_type` → `message type`, or its translation). */
function factName(key: string): string {
  return tOr(`why.fact.${key}`, key.replace(/_/g, " "));
}

function Checks({ checks }: { checks: Check[] }) {
  if (!checks.length) return null;
  return (
    <table className="table checks">
      <thead>
        <tr><th scope="col">{t("why.condition")}</th><th scope="col">{t("why.compared")}</th><th scope="col">{t("why.result")}</th></tr>
      </thead>
      <tbody>
        {checks.map((c, i) => (
          <tr key={i}>
            <td>{c.condition ?? <code>{c.path}</code>}</td>
            <td>{text(c.actual)}</td>
            <td>{c.held ? <span className="badge badge-ok">{t("why.held")}</span> : <span className="badge badge-bad">{t("why.failed")}</span>}</td>
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
      <h4>{t("why.considered")}</h4>
      {considered.length === 0 ? (
        <p className="muted small">{t("why.noneConsidered")}</p>
      ) : (
        <ul className="why-list">
          {considered.map((c, i) => (
            <li key={i}>
              <span className={`badge ${c.matched ? "badge-ok" : "badge-muted"}`}>{c.matched ? t("why.matched") : t("why.notMatched")}</span>{" "}
              <Link to={`/workflows/${c.workflow_id}`}>{c.workflow_name ?? c.workflow_id}</Link> <span className="muted">v{text(c.version)}</span> — {c.reason}
              <Checks checks={c.checks ?? []} />
            </li>
          ))}
        </ul>
      )}
      {skipped.length > 0 && (
        <>
          <h4>{t("why.skipped")}</h4>
          <ul className="why-list small">
            {skipped.map((s, i) => (
              <li key={i}>
                {text(s.workflow_name ?? s.name ?? s.workflow_id)}: {text(s.reason ?? s.condition ?? t("why.keywordsAbsent"))}
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
      <h4>{t("why.steps")}</h4>
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
                      <dt>{factName(k)}</dt>
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
  const fallback = d.edge === "on_failure" ? t("why.fallback.on_failure") : d.edge === "none" ? t("why.fallback.none") : "";
  switch (outcome) {
    case "replied":
      return typeof d.credits === "number" ? t(`why.ai.repliedCredits.${plural(d.credits)}`, { n: formatNumber(d.credits) }) : t("why.ai.replied");
    case "collision_avoided":
      return t("why.ai.collision", { reason: text(d.reason ?? t("why.ai.collisionDefault")) });
    case "merged":
      return t("why.ai.merged");
    case "no_credits":
    case "not_configured":
    case "timeout":
    case "failed":
      return t(`why.ai.${outcome}`) + fallback;
    default:
      return null;
  }
}

/** What a translation entry means, in one sentence. */
function translationSentence(d: Obj): string {
  if (d.translated === true) return t(d.cached === true ? "why.translatedCached" : "why.translated", { from: text(d.from), to: text(d.to) });
  return t("why.notTranslated", { why: text(d.why ?? t("why.noReason")) });
}

function isPlain(v: unknown): boolean {
  return typeof v !== "object" || v === null || (Array.isArray(v) && v.every((x) => typeof x !== "object" || x === null));
}

export function LogWhy({ entry, onOpenConversation }: { entry: LogEntry; onOpenConversation: () => void }) {
  const d = entry.detail ?? {};
  const shown = new Set(["evaluation", "steps", "next"]);
  const facts = Object.entries(d)
    .filter(([k, v]) => !shown.has(k) && isPlain(v) && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]): [string, unknown] => (k === "version" && typeof v === "number" && v < 0 ? [k, t("why.draftRun")] : [k, v]));
  const next = (d.next as Obj[] | undefined) ?? [];
  const sentence = entry.kind === "ai" ? aiSentence(entry.outcome, d) : entry.kind === "translation" ? translationSentence(d) : null;
  return (
    <div className="why">
      {sentence && <p className="why-sentence" data-testid="log-sentence">{sentence}</p>}
      {facts.length > 0 && (
        <dl className="kv small">
          {facts.map(([k, v]) => (
            <div key={k} className="kv-pair">
              <dt>{factName(k)}</dt>
              <dd>{text(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      {d.evaluation !== undefined && typeof d.evaluation === "object" && d.evaluation !== null && <Evaluation evaluation={d.evaluation as Obj} />}
      {Array.isArray(d.steps) && d.steps.length > 0 && <Steps steps={d.steps as Obj[]} />}
      {next.length > 0 && (
        <div className="why-block">
          <h4>{t("why.next")}</h4>
          <ul className="why-list small">
            {next.map((due, i) => (
              <li key={i}>
                {t("why.nextAt", { step: text(due.step), kind: text(due.kind) })} <When at={typeof due.due_at === "string" ? due.due_at : null} />
              </li>
            ))}
          </ul>
        </div>
      )}
      {entry.contact_id && (
        <button type="button" className="button small" onClick={onOpenConversation}>
          {t("why.open")}
        </button>
      )}
    </div>
  );
}
