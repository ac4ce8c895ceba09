// The list of steps in document order: the keyboard way to select a step (the canvas mirrors it).

import type { WorkflowDocument } from "./document";
import { t } from "../app/words/builder";
import { describeStep, describeTrigger, stepLabel } from "./describe";
import { TRIGGER_NODE } from "./layout";

export function Outline({ doc, selected, errorIds, onSelect, agentNames }: {
  agentNames: Record<string, string>;
  doc: WorkflowDocument;
  selected: string | null;
  errorIds: Set<string>;
  onSelect: (id: string) => void;
}) {
  return (
    <nav className="outline" aria-label={t("outline.label")}>
      <ol>
        <li>
          <button type="button" className={`outline-item${selected === TRIGGER_NODE ? " current" : ""}${errorIds.has(TRIGGER_NODE) ? " has-error" : ""}`} aria-current={selected === TRIGGER_NODE ? "true" : undefined} onClick={() => onSelect(TRIGGER_NODE)}>
            <span className="strong">{t("trigger.title")}</span> <span className="muted">{describeTrigger(doc.trigger)}</span>
          </button>
        </li>
        {doc.steps.map((s, i) => (
          <li key={s.id}>
            <button
              type="button"
              className={`outline-item${selected === s.id ? " current" : ""}${errorIds.has(s.id) ? " has-error" : ""}`}
              aria-current={selected === s.id ? "true" : undefined}
              onClick={() => onSelect(s.id)}
            >
              <span className="strong">{i + 1}. {stepLabel(s.type)}</span> <span className="muted">{s.id}</span>
              <span className="outline-desc">{describeStep(s, agentNames)}</span>
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}
