// The side panel for the selected step: id, delay, the type's fields, its connections (one
// select per edge, the keyboard way to wire the flow: a menu's routes by their option's title,
// the steps by what they do), order, a JSON editor and delete.

import { useEffect, useState } from "react";
import type { Agent } from "../api/types";
import { t } from "../app/words/builder";
import { endOnEdge, stepEdges, withEdge, type Step, type WorkflowDocument } from "./document";
import { describeTarget, edgeLabel, knownStep, stepLabel } from "./describe";
import { StepFields } from "./StepForms";
import { JsonField, SelectField, TextField } from "../ui/fields";

/** The value of "End the run" in a "next" or "yes" select (an absent edge continues in list order there). */
const END = "__end";

export interface StepPanelProps {
  doc: WorkflowDocument;
  index: number;
  error: { field: string; message: string } | null;
  agents: Agent[];
  agentNames: Record<string, string>;
  onStep: (step: Step) => void;
  /** Replaces the whole list of steps (an edge to a new `end` step). */
  onSteps: (steps: Step[]) => void;
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

export function StepPanel({ doc, index, error, agents, agentNames, onStep, onSteps, onRename, onDelete, onMove }: StepPanelProps) {
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
    setIdError(onRename(step.id, idText.trim()));
  };
  const edges = stepEdges(doc.steps, index);
  const byId = new Map(doc.steps.map((s) => [s.id, s]));
  const others: Array<[string, string]> = doc.steps
    .map((s, i): [Step, number] => [s, i])
    .filter(([s]) => s.id !== step.id)
    .map(([s, i]) => [s.id, `${i + 1}. ${describeTarget(s, agentNames)}`]);
  const following = doc.steps[index + 1];
  const known = new Set(["id", "type", "when", "next"]);
  const stepError = error && (error.field === `steps[${index}]` || error.field === `steps[${index}].type`) ? error.message : null;
  const routes = edges.filter((e) => e.field.startsWith("routes."));

  const select = (e: (typeof edges)[number]) => {
    const inOrder = e.field === "next" || e.field === "then";
    const label = edgeLabel(e);
    const empty: Array<[string, string]> =
      e.field === "target"
        ? [["", t("conn.choose")]]
        : inOrder && following
          ? [["", t("conn.following", { step: `${index + 2}. ${describeTarget(following, agentNames)}` })], [END, t("conn.end")]]
          : [["", inOrder ? t("conn.endLast") : t("conn.end")]];
    const explicit = e.implicit ? "" : (e.target ?? "");
    const current = inOrder && explicit && byId.get(explicit)?.type === "end" && following ? END : explicit;
    return (
      <SelectField
        key={e.handle}
        label={e.field.startsWith("routes.") ? t("conn.route", { option: label }) : `${label[0]?.toUpperCase() ?? ""}${label.slice(1)} →`}
        value={current}
        error={errorFor(e.field)}
        options={[...empty, ...others]}
        onChange={(v) => {
          if (v === END) onSteps(endOnEdge(doc.steps, index, e.field));
          else onStep(withEdge(step, e.field, v || null));
        }}
      />
    );
  };

  return (
    <section className="panel-section" aria-labelledby="step-panel-title">
      <h2 id="step-panel-title">
        {stepLabel(step.type)} <span className="muted small">· {t("panel.stepN", { n: String(index + 1) })}</span>
      </h2>
      {stepError && <p className="field-error" role="alert">{stepError}</p>}
      <div className="row">
        <div className="field" onBlur={commitId} onKeyDown={(e) => e.key === "Enter" && commitId()}>
          <TextField label={t("panel.id")} value={idText} error={idError ?? errorFor("id")} onChange={setIdText} />
        </div>
        <TextField label={t("panel.when")} value={step.when ?? ""} placeholder={t("panel.whenPlaceholder")} error={errorFor("when")} hint={t("panel.whenHint")} onChange={(v) => set("when", v || undefined)} />
      </div>
      <StepFields step={step} index={index} set={set} replace={onStep} errorFor={errorFor} error={error} agents={agents} />
      {edges.length > 0 && (
        <fieldset className="connections">
          <legend>{t("conn.title")}</legend>
          {routes.length > 0 && <p className="hint">{t("conn.routesHint")}</p>}
          {edges.map(select)}
        </fieldset>
      )}
      <div className="row panel-actions">
        <button type="button" className="button small" disabled={index === 0} onClick={() => onMove(-1)}>
          {t("panel.earlier")}
        </button>
        <button type="button" className="button small" disabled={index === doc.steps.length - 1} onClick={() => onMove(1)}>
          {t("panel.later")}
        </button>
        <button type="button" className="button-danger small" disabled={doc.steps.length <= 1} onClick={onDelete}>
          {t("panel.delete")}
        </button>
      </div>
      <details className="advanced" open={!Object.keys(step).every((k) => known.has(k)) && !knownStep(step.type)}>
        <summary>{t("panel.json")}</summary>
        <JsonField
          label={t("panel.jsonLabel")}
          value={step}
          rows={10}
          onChange={(v) => {
            if (v && typeof v === "object" && !Array.isArray(v) && typeof (v as Step).type === "string") {
              const next = v as Step;
              if (next.id !== step.id && onRename(step.id, next.id)) return;
              onStep(next);
            }
          }}
        />
      </details>
    </section>
  );
}
