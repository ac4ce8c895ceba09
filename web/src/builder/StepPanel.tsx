// The side panel for the selected step: id, delay, the type's fields, its connections (one
// select per edge, the keyboard way to wire the flow), order, a JSON editor and delete.

import { useEffect, useState } from "react";
import type { Agent } from "../api/types";
import { stepEdges, withEdge, type Step, type WorkflowDocument } from "./document";
import { STEP_LABELS } from "./describe";
import { StepFields } from "./StepForms";
import { JsonField, SelectField, TextField } from "../ui/fields";

export interface StepPanelProps {
  doc: WorkflowDocument;
  index: number;
  error: { field: string; message: string } | null;
  agents: Agent[];
  onStep: (step: Step) => void;
  onRename: (from: string, to: string) => string | null;
  onDelete: () => void;
  onMove: (delta: number) => void;
}

/** The error under `steps[i].` for `sub`, or for the step as a whole. */
function makeErrorFor(error: StepPanelProps["error"], index: number) {
  const prefix = `steps[${index}]`;
  return (sub: string): string | null => {
    if (!error) return null;
    const f = error.field;
    const full = sub ? `${prefix}.${sub}` : prefix;
    if (f === full || f.startsWith(`${full}.`) || f.startsWith(`${full}[`)) return error.message;
    return null;
  };
}

export function StepPanel({ doc, index, error, agents, onStep, onRename, onDelete, onMove }: StepPanelProps) {
  const step = doc.steps[index];
  const [idText, setIdText] = useState(step?.id ?? "");
  const [idError, setIdError] = useState<string | null>(null);
  useEffect(() => {
    setIdText(step?.id ?? "");
    setIdError(null);
  }, [step?.id]);
  if (!step) return null;

  const errorFor = makeErrorFor(error, index);
  const set = (key: string, value: unknown) => {
    const next: Step = { ...step };
    if (value === undefined) delete next[key];
    else next[key] = value;
    onStep(next);
  };
  const commitId = () => {
    if (idText === step.id) return;
    const problem = onRename(step.id, idText.trim());
    setIdError(problem);
    if (problem) return;
  };
  const edges = stepEdges(doc.steps, index);
  const others = doc.steps.filter((s) => s.id !== step.id);
  const following = doc.steps[index + 1]?.id;
  const known = new Set(["id", "type", "when", "next"]);
  const stepError = error && (error.field === `steps[${index}]` || error.field === `steps[${index}].type`) ? error.message : null;

  return (
    <section className="panel-section" aria-labelledby="step-panel-title">
      <h2 id="step-panel-title">
        {STEP_LABELS[step.type] ?? step.type} <span className="muted small">· step {index + 1}</span>
      </h2>
      {stepError && <p className="field-error" role="alert">{stepError}</p>}
      <div className="row">
        <div className="field" onBlur={commitId} onKeyDown={(e) => e.key === "Enter" && commitId()}>
          <TextField label="Step id" value={idText} error={idError ?? errorFor("id")} onChange={setIdText} />
        </div>
        <TextField label="When" value={step.when ?? ""} placeholder="immediately" error={errorFor("when")} hint="immediately, 30m, 2h, next business day 09:00" onChange={(v) => set("when", v || undefined)} />
      </div>
      <StepFields step={step} index={index} set={set} replace={onStep} errorFor={errorFor} error={error} agents={agents} />
      {edges.length > 0 && (
        <fieldset className="connections">
          <legend>Connections</legend>
          {edges.map((e) => {
            const emptyLabel =
              e.field === "next" || e.field === "then"
                ? following
                  ? `The following step (${following})`
                  : "End the run (last step)"
                : "End the run";
            const current = e.implicit ? "" : (e.target ?? "");
            return (
              <SelectField
                key={e.handle}
                label={`${e.label[0]?.toUpperCase() ?? ""}${e.label.slice(1)} →`}
                value={current}
                error={errorFor(e.field)}
                options={[...(e.field === "target" ? [["", "Choose a step…"] as [string, string]] : [["", emptyLabel] as [string, string]]), ...others.map((s): [string, string] => [s.id, `${s.id} (${STEP_LABELS[s.type] ?? s.type})`])]}
                onChange={(v) => onStep(withEdge(step, e.field, v || null))}
              />
            );
          })}
        </fieldset>
      )}
      <div className="row panel-actions">
        <button type="button" className="button small" disabled={index === 0} onClick={() => onMove(-1)}>
          Move earlier
        </button>
        <button type="button" className="button small" disabled={index === doc.steps.length - 1} onClick={() => onMove(1)}>
          Move later
        </button>
        <button type="button" className="button-danger small" disabled={doc.steps.length <= 1} onClick={onDelete}>
          Delete step
        </button>
      </div>
      <details className="advanced" open={!Object.keys(step).every((k) => known.has(k)) && !(step.type in STEP_LABELS)}>
        <summary>Edit as JSON</summary>
        <JsonField
          label="Step JSON"
          value={step}
          rows={10}
          onChange={(v) => {
            if (v && typeof v === "object" && !Array.isArray(v) && typeof (v as Step).type === "string") {
              const next = v as Step;
              if (next.id !== step.id) {
                const problem = onRename(step.id, next.id);
                if (problem) return;
              }
              onStep(next);
            }
          }}
        />
      </details>
    </section>
  );
}
