// The trigger (what starts the workflow) and the workflow's conditions.

import { api } from "../api/client";
import type { Agent } from "../api/types";
import { str, type Trigger, type WorkflowDocument } from "./document";
import { t as w } from "../app/words/builder";
import { triggerLabel, TRIGGER_TYPES } from "./describe";
import { ConditionEditor } from "./ConditionEditor";
import { useLoad } from "../ui/useLoad";
import { CheckField, MapField, NumberField, SelectField, TextField } from "../ui/fields";

function defaults(type: string): Trigger {
  switch (type) {
    case "exact_phrase":
      return { type, phrase: "" };
    case "conversation_idle":
      return { type, minutes: 60 };
    case "date":
      return { type, field: "birthday", offset_days: 0, at: "09:00", yearly: true };
    case "integration":
      return { type, phone: "customer.phone" };
    case "list_added":
      return { type, list: "" };
    default:
      return { type };
  }
}

export function TriggerPanel({ workflowId, doc, onDoc, error, agents }: {
  workflowId: string;
  doc: WorkflowDocument;
  onDoc: (d: WorkflowDocument) => void;
  error: { field: string; message: string } | null;
  agents: Agent[];
}) {
  const t = doc.trigger;
  const errorFor = (key: string) => (error && (error.field === `trigger.${key}` || error.field.startsWith(`trigger.${key}.`)) ? error.message : null);
  const set = (key: string, value: unknown) => {
    const next: Trigger = { ...t };
    if (value === undefined) delete next[key];
    else next[key] = value;
    onDoc({ ...doc, trigger: next });
  };
  const known = (TRIGGER_TYPES as readonly string[]).includes(t.type);
  const types = TRIGGER_TYPES.map((v): [string, string] => [v, triggerLabel(v)]);
  return (
    <>
      <section className="panel-section" aria-labelledby="trigger-title">
        <h2 id="trigger-title">{w("trigger.title")}</h2>
        <SelectField
          label={w("trigger.startOn")}
          value={t.type}
          error={errorFor("type") ?? (error?.field === "trigger" ? error.message : null)}
          options={[...types, ...(known ? [] : [[t.type, t.type] as [string, string]])]}
          onChange={(v) => onDoc({ ...doc, trigger: defaults(v) })}
        />
        {t.type === "exact_phrase" && <TextField label={w("trigger.phrase")} value={str(t.phrase)} error={errorFor("phrase")} hint={w("trigger.phraseHint")} onChange={(v) => set("phrase", v)} />}
        {t.type === "conversation_idle" && <NumberField label={w("trigger.minutes")} min={1} max={43200} value={typeof t.minutes === "number" ? t.minutes : undefined} error={errorFor("minutes")} onChange={(v) => set("minutes", v)} />}
        {t.type === "date" && (
          <>
            <TextField label={w("trigger.dateField")} value={str(t.field)} error={errorFor("field")} onChange={(v) => set("field", v)} />
            <NumberField label={w("trigger.offset")} min={-365} max={365} value={typeof t.offset_days === "number" ? t.offset_days : 0} error={errorFor("offset_days")} onChange={(v) => set("offset_days", v ?? 0)} />
            <TextField label={w("trigger.at")} value={str(t.at)} error={errorFor("at")} onChange={(v) => set("at", v)} />
            <CheckField label={w("trigger.yearly")} checked={Boolean(t.yearly)} onChange={(v) => set("yearly", v)} />
          </>
        )}
        {t.type === "list_added" && <TextField label={w("trigger.list")} value={str(t.list)} error={errorFor("list")} onChange={(v) => set("list", v)} />}
        {t.type === "ticket_status_changed" && (
          <SelectField label={w("trigger.toStatus")} value={str(t.status) || "any"} error={errorFor("status")} options={[["any", w("trigger.status.any")], ["open", w("trigger.status.open")], ["pending", w("trigger.status.pending")], ["closed", w("trigger.status.closed")]]} onChange={(v) => set("status", v === "any" ? undefined : v)} />
        )}
        {t.type === "integration" && <IntegrationFields workflowId={workflowId} trigger={t} set={set} errorFor={errorFor} />}
      </section>
      <section className="panel-section" aria-labelledby="conditions-title">
        <h2 id="conditions-title">{w("trigger.conditions")}</h2>
        <ConditionEditor value={doc.conditions} onChange={(c) => {
          const next = { ...doc };
          if (c) next.conditions = c;
          else delete next.conditions;
          onDoc(next);
        }} path="conditions" error={error} agents={agents} optional />
      </section>
    </>
  );
}

function IntegrationFields({ workflowId, trigger, set, errorFor }: { workflowId: string; trigger: Trigger; set: (k: string, v: unknown) => void; errorFor: (k: string) => string | null }) {
  const info = useLoad(() => api.get<Record<string, unknown>>(`/workflows/${encodeURIComponent(workflowId)}/integration`).catch(() => null), [workflowId]);
  const url = info.data ? str(info.data.url ?? info.data.endpoint) : "";
  return (
    <>
      <TextField label={w("trigger.phonePath")} value={str(trigger.phone)} error={errorFor("phone")} onChange={(v) => set("phone", v)} />
      <TextField label={w("trigger.namePath")} value={str(trigger.name)} error={errorFor("name")} onChange={(v) => set("name", v || undefined)} />
      <MapField label={w("trigger.fields")} sep="=" value={trigger.fields as Record<string, string> | undefined} error={errorFor("fields")} onChange={(v) => set("fields", v)} />
      <MapField label={w("trigger.vars")} sep="=" value={trigger.vars as Record<string, string> | undefined} error={errorFor("vars")} onChange={(v) => set("vars", v)} />
      {url && (
        <p className="hint">
          {w("trigger.callsAt")} <code>{url}</code>
        </p>
      )}
    </>
  );
}
