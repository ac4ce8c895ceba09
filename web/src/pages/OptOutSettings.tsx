// Settings › Opt-out: the stop words that opt a contact out of marketing when they answer one,
// and the confirmation reply sent back ('' = none). `GET/PUT /workspace/opt-out`, admins and owners.

import { useState, type FormEvent } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { OptOutSettings } from "../api/types";
import { t } from "../app/words/contacts";
import { useLoad } from "../ui/useLoad";
import { LinesField, TextArea } from "../ui/fields";
import { ErrorBanner, Loading, Notice } from "../ui/widgets";

export function OptOutSection() {
  const settings = useLoad(() => api.get<OptOutSettings>("/workspace/opt-out"), []);
  return (
    <section className="section" aria-labelledby="optout-title">
      <h2 id="optout-title">{t("optout.title")}</h2>
      <p className="muted small">{t("optout.intro")}</p>
      <ErrorBanner error={settings.error} />
      {settings.data ? <OptOutForm initial={settings.data} onSaved={settings.set} /> : !settings.error && <Loading height={160} />}
    </section>
  );
}

function OptOutForm({ initial, onSaved }: { initial: OptOutSettings; onSaved: (s: OptOutSettings) => void }) {
  const [words, setWords] = useState(initial.words);
  const [reply, setReply] = useState(initial.reply);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      onSaved(await api.put<OptOutSettings>("/workspace/opt-out", { words, reply }));
      setSaved(true);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(errorText(err)));
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (f: string) => (error instanceof ApiError && error.field && (error.field === f || error.field.startsWith(`${f}[`)) ? error.detail : null);

  return (
    <form onSubmit={save}>
      <ErrorBanner error={error && !fieldError("words") && !fieldError("reply") ? error.message : null} />
      {saved && <Notice>{t("optout.saved")}</Notice>}
      <div className="row top">
        <LinesField label={t("optout.words")} hint={t("optout.wordsHint")} rows={6} value={words} error={fieldError("words")} onChange={setWords} />
        <TextArea label={t("optout.reply")} hint={t("optout.replyHint")} rows={6} value={reply} error={fieldError("reply")} onChange={setReply} />
      </div>
      <button type="submit" className="button-primary" disabled={busy}>
        {busy ? t("common.saving") : t("optout.save")}
      </button>
    </form>
  );
}
