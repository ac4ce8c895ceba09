// A Cloud API number's approved message templates: a select, the template's text, and one input
// per `{{n}}` placeholder of its header and body. Used by scheduled messages and campaigns.

import { useId } from "react";
import { api } from "../api/client";
import type { MessageTemplate, TemplateContent, TemplateParam, WaNumber } from "../api/types";
import { t } from "../app/words/scheduled";
import { useLoad } from "../ui/useLoad";

/** The approved templates of a number (none for a number that is not on the Cloud API). */
export function useTemplates(number: WaNumber | undefined): { templates: MessageTemplate[]; loading: boolean } {
  const cloud = number?.channel === "cloud_api";
  const loaded = useLoad(
    () => (cloud && number ? api.get<{ data: MessageTemplate[] }>(`/numbers/${encodeURIComponent(number.id)}/templates`).then((p) => p.data.filter((x) => x.approved)).catch(() => []) : Promise.resolve([])),
    [number?.id, cloud],
  );
  return { templates: loaded.data ?? [], loading: loaded.loading };
}

/** How many `{{n}}` placeholders a component's text has (the highest n). */
function placeholders(text: string | undefined): number {
  let most = 0;
  for (const m of (text ?? "").matchAll(/\{\{\s*(\d+)\s*\}\}/g)) most = Math.max(most, Number(m[1]));
  return most;
}

function component(tpl: MessageTemplate | undefined, type: string) {
  return tpl?.components?.find((c) => c.type?.toUpperCase() === type);
}

function textOf(params: TemplateParam[] | undefined, i: number): string {
  const p = params?.[i];
  return p && p.type === "text" ? p.text : "";
}

/** A template with values for its placeholders; `value` null = none chosen. */
export function TemplatePicker({
  templates,
  value,
  onChange,
  label,
  hint,
  error,
}: {
  templates: MessageTemplate[];
  value: TemplateContent | null;
  onChange: (v: TemplateContent | null) => void;
  label: string;
  hint?: string;
  error?: string | null;
}) {
  const id = useId();
  const key = value ? `${value.name}\u0000${value.language}` : "";
  const chosen = templates.find((x) => x.name === value?.name && x.language === value?.language);
  const header = component(chosen, "HEADER");
  const body = component(chosen, "BODY");
  const headerCount = header && (header.format ?? "TEXT").toUpperCase() === "TEXT" ? placeholders(header.text) : 0;
  const bodyCount = placeholders(body?.text);

  const pick = (k: string) => {
    const tpl = templates.find((x) => `${x.name}\u0000${x.language}` === k);
    if (!tpl) return onChange(null);
    const b = component(tpl, "BODY");
    const h = component(tpl, "HEADER");
    const hc = h && (h.format ?? "TEXT").toUpperCase() === "TEXT" ? placeholders(h.text) : 0;
    onChange({
      type: "template",
      name: tpl.name,
      language: tpl.language,
      ...(hc ? { header: [{ type: "text", text: "" }] } : {}),
      body: Array.from({ length: placeholders(b?.text) }, () => ({ type: "text" as const, text: "" })),
    });
  };
  const setParam = (part: "header" | "body", i: number, text: string) => {
    if (!value) return;
    const list = [...(value[part] ?? [])];
    while (list.length <= i) list.push({ type: "text", text: "" });
    list[i] = { type: "text", text };
    onChange({ ...value, [part]: list });
  };

  return (
    <div className={`field${error ? " invalid" : ""}`}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <select id={id} value={key} onChange={(e) => pick(e.target.value)}>
        <option value="">{t("template.none")}</option>
        {value && !chosen && (
          <option value={key}>
            {value.name} ({value.language})
          </option>
        )}
        {templates.map((x) => (
          <option key={`${x.name}\u0000${x.language}`} value={`${x.name}\u0000${x.language}`}>
            {x.name} ({x.language})
          </option>
        ))}
      </select>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
      {chosen && (
        <div className="template-params">
          {body?.text && <p className="bubble bubble-waflow template-text">{body.text}</p>}
          {hint && <span className="hint">{hint}</span>}
          {Array.from({ length: headerCount }, (_, i) => (
            <label key={`h${i}`} className="field">
              <span>{t("template.headerParam", { n: String(i + 1) })}</span>
              <input value={textOf(value?.header, i)} onChange={(e) => setParam("header", i, e.target.value)} />
            </label>
          ))}
          {Array.from({ length: bodyCount }, (_, i) => (
            <label key={`b${i}`} className="field">
              <span>{t("template.bodyParam", { n: String(i + 1) })}</span>
              <input value={textOf(value?.body, i)} onChange={(e) => setParam("body", i, e.target.value)} />
            </label>
          ))}
        </div>
      )}
    </div>
  );
}
