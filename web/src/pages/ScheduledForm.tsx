// The form of one scheduled message, new or pending: number, phone, local date-time and time
// zone, and the content (text, or one of the number's approved templates), with an optional
// template fallback for when the 24-hour window is closed. The server's field errors show
// under their inputs; its warnings are shown by the page after saving.

import { useId, useState, type FormEvent } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { ScheduledMessage, TemplateContent, WaNumber } from "../api/types";
import { t } from "../app/words/scheduled";
import { timeZones, wallTimeIn } from "../ui/format";
import { SelectField, TextArea, TextField } from "../ui/fields";
import { ErrorBanner } from "../ui/widgets";
import { TemplatePicker, useTemplates } from "./TemplatePicker";

type Kind = "text" | "template" | "keep";

/** The next full hour, as a wall time in `timeZone`. */
function nextHour(timeZone: string): string {
  const d = new Date(Date.now() + 60 * 60 * 1000);
  d.setMinutes(0, 0, 0);
  return wallTimeIn(d, timeZone);
}

function initialKind(m: ScheduledMessage | undefined): Kind {
  if (!m) return "text";
  if (m.message_type === "text") return "text";
  if (m.message_type === "template") return "template";
  return "keep";
}

export function ScheduledForm({
  numbers,
  defaultTimeZone,
  initial,
  onSaved,
  onCancel,
}: {
  numbers: WaNumber[];
  defaultTimeZone: string;
  initial?: ScheduledMessage;
  onSaved: (m: ScheduledMessage) => void;
  onCancel: () => void;
}) {
  const titleId = useId();
  const [picked, setNumberId] = useState(initial?.number_id ?? "");
  // The numbers may arrive after the form opens: until one is picked, the first connected one.
  const numberId = picked || (numbers.find((n) => n.status === "connected") ?? numbers[0])?.id || "";
  const [phone, setPhone] = useState(initial?.phone ?? "");
  const [timeZone, setTimeZone] = useState(initial?.time_zone ?? defaultTimeZone);
  const [at, setAt] = useState(initial?.at ?? nextHour(initial?.time_zone ?? defaultTimeZone));
  const [kind, setKind] = useState<Kind>(initialKind(initial));
  const [text, setText] = useState(initial && initial.message_type === "text" ? initial.text : "");
  const [template, setTemplate] = useState<TemplateContent | null>(initial?.message_type === "template" ? (initial.content as unknown as TemplateContent) : null);
  const [fallback, setFallback] = useState<TemplateContent | null>(initial?.fallback ?? null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  const number = numbers.find((n) => n.id === numberId);
  const { templates } = useTemplates(number);
  const cloud = number?.channel === "cloud_api";

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const body: Record<string, unknown> = { number_id: numberId, phone: phone.trim(), at, time_zone: timeZone };
      if (kind === "text") body.text = text;
      if (kind === "template") body.content = template ?? {};
      if (fallback) body.fallback = fallback;
      else if (initial?.fallback) body.fallback = null;
      const saved = initial
        ? await api.patch<ScheduledMessage>(`/scheduled/${encodeURIComponent(initial.id)}`, body)
        : await api.post<ScheduledMessage>("/scheduled", body);
      onSaved(saved);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(errorText(err)));
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (...names: string[]) => {
    if (!(error instanceof ApiError) || !error.field) return null;
    const f = error.field;
    return names.some((n) => f === n || f.startsWith(`${n}.`) || f.startsWith(`${n}[`)) ? error.detail : null;
  };
  const shownError = error && !(error instanceof ApiError && error.field && ["number_id", "phone", "at", "time_zone", "text", "content", "fallback"].some((n) => fieldError(n))) ? error.message : null;
  const kinds: Array<[string, string]> = [["text", t("scheduled.kind.text")]];
  if (cloud || kind === "template") kinds.push(["template", t("scheduled.kind.template")]);
  if (kind === "keep") kinds.push(["keep", t("scheduled.kind.keep", { type: initial?.message_type ?? "" })]);

  return (
    <form className="section" onSubmit={submit} aria-labelledby={titleId}>
      <h2 id={titleId}>{initial ? t("scheduled.editTitle") : t("scheduled.new")}</h2>
      <ErrorBanner error={shownError} />
      <div className="row">
        <SelectField
          label={t("scheduled.number")}
          value={numberId}
          error={fieldError("number_id")}
          options={numbers.map((n): [string, string] => [n.id, `${n.label} (${n.channel.replace(/_/g, " ")})`])}
          onChange={setNumberId}
        />
        <TextField label={t("scheduled.phone")} value={phone} placeholder="+393331234567" error={fieldError("phone")} onChange={setPhone} />
      </div>
      <div className="row">
        <TextField label={t("scheduled.at")} type="datetime-local" value={at} error={fieldError("at")} onChange={setAt} />
        <SelectField
          label={t("scheduled.timeZone")}
          value={timeZone}
          error={fieldError("time_zone")}
          hint={timeZone === defaultTimeZone ? t("scheduled.workspaceZone") : undefined}
          options={[...new Set([timeZone, defaultTimeZone, ...timeZones()])].map((z): [string, string] => [z, z])}
          onChange={setTimeZone}
        />
      </div>
      {kinds.length > 1 && <SelectField label={t("scheduled.content")} value={kind} options={kinds} onChange={(v) => setKind(v as Kind)} />}
      {kind === "text" && (
        <TextArea
          label={t("scheduled.text")}
          value={text}
          rows={4}
          error={fieldError("text", "content")}
          hint={cloud ? t("scheduled.windowHint") : undefined}
          onChange={setText}
        />
      )}
      {kind === "template" && <TemplatePicker label={t("scheduled.template")} templates={templates} value={template} error={fieldError("content")} onChange={setTemplate} />}
      {kind === "keep" && <p className="muted small">{t("scheduled.keepHint")}</p>}
      {cloud && kind === "text" && (
        <TemplatePicker
          label={t("scheduled.fallback")}
          hint={t("scheduled.fallbackHint")}
          templates={templates}
          value={fallback}
          error={fieldError("fallback")}
          onChange={setFallback}
        />
      )}
      {cloud && templates.length === 0 && <p className="muted small">{t("scheduled.noTemplates")}</p>}
      <div className="row">
        <button type="submit" className="button-primary" disabled={busy || !numberId}>
          {busy ? t("common.saving") : initial ? t("scheduled.saveChanges") : t("scheduled.schedule")}
        </button>
        <button type="button" className="button-quiet" onClick={onCancel}>
          {t("common.close")}
        </button>
      </div>
    </form>
  );
}
