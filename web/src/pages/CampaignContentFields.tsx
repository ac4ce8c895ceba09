// A new campaign's content: an approved template with per-recipient variables (picked from the
// number's synced templates, or typed when it has none), a free text (only recipients inside
// the 24-hour window get it), or "start workflow X" for each recipient.

import { useId } from "react";
import { api } from "../api/client";
import type { CampaignContent, MessageTemplate, TemplateContent, Workflow } from "../api/types";
import { t } from "../app/words/campaignForm";
import { LinesField, TextArea, TextField } from "../ui/fields";
import { useLoad } from "../ui/useLoad";
import { TemplatePicker } from "./TemplatePicker";

export type ContentKind = "template" | "text" | "workflow";

/** The content as the form holds it, complete or not. */
export interface ContentDraft {
  kind: ContentKind;
  template: TemplateContent | null;
  text: string;
  workflowId: string;
}

export const EMPTY_CONTENT: ContentDraft = { kind: "text", template: null, text: "", workflowId: "" };

/** The content to send, or null while the form lacks something. */
export function contentOf(d: ContentDraft): CampaignContent | null {
  if (d.kind === "text") return d.text.trim() ? { text: d.text } : null;
  if (d.kind === "workflow") return d.workflowId ? { workflow_id: d.workflowId } : null;
  return d.template && d.template.name && d.template.language ? { template: d.template } : null;
}

const KINDS: ContentKind[] = ["template", "text", "workflow"];

/** A template typed by hand: name, language and one body parameter per line. */
function ManualTemplate({ value, onChange }: { value: TemplateContent | null; onChange: (v: TemplateContent) => void }) {
  const v: TemplateContent = value ?? { type: "template", name: "", language: "", body: [] };
  const params = (v.body ?? []).map((p) => (p.type === "text" ? p.text : ""));
  return (
    <>
      <p className="muted small">{t("campaign.content.noTemplates")}</p>
      <div className="row">
        <TextField label={t("campaign.content.templateName")} value={v.name} placeholder="promo_spring" onChange={(name) => onChange({ ...v, name })} />
        <TextField label={t("campaign.content.templateLanguage")} value={v.language} placeholder="it" onChange={(language) => onChange({ ...v, language })} />
      </div>
      <LinesField
        label={t("campaign.content.templateParams")}
        hint={t("campaign.content.variablesHint")}
        value={params}
        onChange={(lines) => onChange({ ...v, body: lines.map((text) => ({ type: "text", text })) })}
      />
    </>
  );
}

export function ContentFields({
  value,
  onChange,
  templates,
  windowApplies,
}: {
  value: ContentDraft;
  onChange: (d: ContentDraft) => void;
  templates: MessageTemplate[];
  /** Whether a chosen number limits free text to the 24-hour window (the Cloud API). */
  windowApplies: boolean;
}) {
  const workflowId = useId();
  const workflows = useLoad(() => api.get<{ data: Workflow[] }>("/workflows").then((p) => p.data).catch(() => [] as Workflow[]), []);
  const set = (patch: Partial<ContentDraft>) => onChange({ ...value, ...patch });
  return (
    <fieldset className="options">
      <legend>{t("campaign.content")}</legend>
      <div className="radio-row" role="radiogroup" aria-label={t("campaign.content")}>
        {KINDS.map((k) => (
          <label key={k} className="check">
            <input type="radio" name="content-kind" checked={value.kind === k} onChange={() => set({ kind: k })} />
            <span>{t(`campaign.content.kind.${k}`)}</span>
          </label>
        ))}
      </div>
      {value.kind === "template" &&
        (templates.length > 0 ? (
          <TemplatePicker label={t("campaign.content.template")} hint={t("campaign.content.variablesHint")} templates={templates} value={value.template} onChange={(template) => set({ template })} />
        ) : (
          <ManualTemplate value={value.template} onChange={(template) => set({ template })} />
        ))}
      {value.kind === "text" && (
        <>
          <TextArea label={t("campaign.content.text")} rows={4} value={value.text} hint={t("campaign.content.variablesHint")} onChange={(text) => set({ text })} />
          <p className={windowApplies ? "banner banner-warn small" : "hint"}>{t("campaign.content.windowNote")}</p>
        </>
      )}
      {value.kind === "workflow" && (
        <div className="field">
          <label htmlFor={workflowId} className="field-label">
            {t("campaign.content.workflow")}
          </label>
          <select id={workflowId} value={value.workflowId} onChange={(e) => set({ workflowId: e.target.value })}>
            <option value="">{t("campaign.content.chooseWorkflow")}</option>
            {(workflows.data ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
                {w.active ? "" : ` (${t("campaign.content.inactive")})`}
              </option>
            ))}
          </select>
          <span className="hint">{t("campaign.content.workflowHint")}</span>
        </div>
      )}
    </fieldset>
  );
}
