// The workflow's own settings: name, description, active, priority, scope, stop on match.

import { useState } from "react";
import { errorText } from "../api/client";
import type { WaNumber } from "../api/types";
import { saveAsTemplate } from "../pages/workflowsApi";
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
      <h2 id="settings-title">Workflow</h2>
      <TextField label="Name" value={doc.name} error={errorFor("name")} onChange={(v) => onDoc({ ...doc, name: v })} />
      <TextArea label="Description" rows={2} value={doc.description ?? ""} error={errorFor("description")} onChange={(v) => onDoc({ ...doc, description: v || undefined })} />
      <CheckField label="Active (runs once published)" checked={doc.active ?? true} onChange={(v) => onDoc({ ...doc, active: v })} />
      <NumberField label="Priority (lower runs first)" min={0} max={1000000} value={doc.priority ?? 100} error={errorFor("priority")} onChange={(v) => onDoc({ ...doc, priority: v ?? 100 })} />
      <SelectField
        label="Listens on"
        value={scope}
        error={errorFor("scope")}
        options={[["all", "All numbers"], ...numbers.map((n): [string, string] => [n.id, `${n.label} (${n.channel})`])]}
        onChange={(v) => onDoc({ ...doc, scope: v === "all" ? "all" : { number: v } })}
      />
      <CheckField label="Stop evaluating other workflows when this one matches" checked={Boolean(doc.stop_on_match)} onChange={(v) => onDoc({ ...doc, stop_on_match: v })} />
      <SaveAsTemplate workflowId={workflowId} name={doc.name} />
    </section>
  );
}

function SaveAsTemplate({ workflowId, name }: { workflowId: string; name: string }) {
  const [result, setResult] = useState<string | null>(null);
  const save = async () => {
    try {
      const t = await saveAsTemplate(workflowId, name);
      setResult(`Saved as the template “${t.name}” (from the published version).`);
    } catch (e) {
      setResult(errorText(e));
    }
  };
  return (
    <div className="field">
      <button type="button" className="button small" onClick={() => void save()}>
        Save as template
      </button>
      {result && <span className="hint" role="status">{result}</span>}
    </div>
  );
}
