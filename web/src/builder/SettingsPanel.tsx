// The workflow's own settings: name, description, active, priority, scope, stop on match.

import { useState } from "react";
import { errorText } from "../api/client";
import type { WaNumber } from "../api/types";
import { saveAsTemplate } from "../pages/workflowsApi";
import { t } from "../app/words/builder";
import type { WorkflowDocument } from "./document";
import { CheckField, NumberField, SelectField, TextArea, TextField } from "../ui/fields";

export function SettingsPanel({ workflowId, doc, onDoc, error, numbers }: {
  workflowId: string;
  doc: WorkflowDocument;
  onDoc: (d: WorkflowDocument) => void;
  error: { field: string; message: string } | null;
  numbers: WaNumber[];
}) {
  const errorFor = (key: string) => (error && (error.field === key || error.field.startsWith(`${key}.`)) ? error.message : null);
  const scope = doc.scope && typeof doc.scope === "object" ? doc.scope.number : "all";
  return (
    <section className="panel-section" aria-labelledby="settings-title">
      <h2 id="settings-title">{t("settings.title")}</h2>
      <TextField label={t("settings.name")} value={doc.name} error={errorFor("name")} onChange={(v) => onDoc({ ...doc, name: v })} />
      <TextArea label={t("settings.description")} rows={2} value={doc.description ?? ""} error={errorFor("description")} onChange={(v) => onDoc({ ...doc, description: v || undefined })} />
      <CheckField label={t("settings.active")} checked={doc.active ?? true} onChange={(v) => onDoc({ ...doc, active: v })} />
      <NumberField label={t("settings.priority")} min={0} max={1000000} value={doc.priority ?? 100} error={errorFor("priority")} onChange={(v) => onDoc({ ...doc, priority: v ?? 100 })} />
      <SelectField
        label={t("settings.scope")}
        value={scope}
        error={errorFor("scope")}
        options={[["all", t("settings.allNumbers")], ...numbers.map((n): [string, string] => [n.id, `${n.label} (${n.channel})`])]}
        onChange={(v) => onDoc({ ...doc, scope: v === "all" ? "all" : { number: v } })}
      />
      <CheckField label={t("settings.stopOnMatch")} checked={Boolean(doc.stop_on_match)} onChange={(v) => onDoc({ ...doc, stop_on_match: v })} />
      <CheckField
        label={t("settings.duringTakeover")}
        checked={Boolean(doc.during_takeover)}
        onChange={(v) => {
          const next = { ...doc };
          if (v) next.during_takeover = true;
          else delete next.during_takeover;
          onDoc(next);
        }}
      />
      <p className="hint">{t("settings.duringTakeoverHint")}</p>
      <SaveAsTemplate workflowId={workflowId} name={doc.name} />
    </section>
  );
}

function SaveAsTemplate({ workflowId, name }: { workflowId: string; name: string }) {
  const [result, setResult] = useState<string | null>(null);
  const save = async () => {
    try {
      const saved = await saveAsTemplate(workflowId, name);
      setResult(t("settings.templateSaved", { name: saved.name }));
    } catch (e) {
      setResult(errorText(e));
    }
  };
  return (
    <div className="field">
      <button type="button" className="button small" onClick={() => void save()}>
        {t("settings.saveTemplate")}
      </button>
      {result && <span className="hint" role="status">{result}</span>}
    </div>
  );
}
