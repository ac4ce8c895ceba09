// Settings › Human takeover: how many hours workflows leave a contact alone after an agent (or
// the business phone) writes to them (`takeover_hours` of GET/PUT /workspace; 0 = never pause).

import { useEffect, useState, type FormEvent } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { WorkspaceTakeover } from "../api/extra";
import { t } from "../app/words/conversations";
import { NumberField } from "../ui/fields";
import { ErrorBanner, Loading, Notice } from "../ui/widgets";
import { useLoad } from "../ui/useLoad";
import { formatCount } from "../ui/format";

export function TakeoverSettings() {
  const workspace = useLoad(() => api.get<WorkspaceTakeover>("/workspace"), []);
  const [hours, setHours] = useState<number | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const known = workspace.data?.takeover_hours;

  useEffect(() => {
    if (known !== undefined) setHours(known);
  }, [known]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFieldError(null);
    setSaved(false);
    if (hours === undefined || !Number.isInteger(hours) || hours < 0 || hours > 720) {
      setFieldError(t("takeover.range"));
      setBusy(false);
      return;
    }
    try {
      const ws = await api.put<WorkspaceTakeover>("/workspace", { takeover_hours: hours });
      workspace.set(ws);
      setSaved(true);
    } catch (err) {
      if (err instanceof ApiError && err.field === "takeover_hours") setFieldError(err.detail);
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="section" onSubmit={save} aria-labelledby="takeover-title" noValidate>
      <h2 id="takeover-title">{t("takeover.title")}</h2>
      <p className="muted">{t("takeover.intro")}</p>
      <ErrorBanner error={error ?? workspace.error} />
      {workspace.loading && !workspace.data ? (
        <Loading height={80} />
      ) : known === undefined ? (
        <p className="muted">{t("takeover.unavailable")}</p>
      ) : (
        <>
          <NumberField label={t("takeover.hours")} hint={t("takeover.hoursHint")} min={0} max={720} step={1} value={hours} error={fieldError} onChange={(v) => { setHours(v); setSaved(false); }} />
          {saved && <Notice>{hours ? t("takeover.saved", { hours: formatCount(hours) }) : t("takeover.savedNever")}</Notice>}
          <button type="submit" className="button-primary" disabled={busy || hours === undefined}>
            {busy ? t("common.saving") : t("takeover.save")}
          </button>
        </>
      )}
    </form>
  );
}
