// Settings › AI: the provider (any OpenAI-compatible API), the business prompt, the language and
// the credits; and the knowledge AI replies draw on (AiKnowledge.tsx).

import { useState, type FormEvent } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { AiSettings } from "../api/types";
import { locale } from "../app/i18n";
import { t } from "../app/words/settings";
import { useLoad } from "../ui/useLoad";
import { CheckField, NumberField, SelectField, TextArea, TextField } from "../ui/fields";
import { formatCount } from "../ui/format";
import { ErrorBanner, Loading, Notice, When } from "../ui/widgets";
import { Knowledge } from "./AiKnowledge";

/** A language's name in the reader's language, with its code: `italiano (it)`. */
function languageName(code: string): string {
  try {
    return `${new Intl.DisplayNames([locale()], { type: "language" }).of(code) ?? code} (${code})`;
  } catch {
    return code;
  }
}

/** The languages fixed replies can be written in (computed when shown: in the current language). */
function languages(): Array<[string, string]> {
  return [["", t("ai.lang.detect")], ...["it", "en", "es", "fr", "de", "pt", "nl"].map((c): [string, string] => [c, languageName(c)])];
}

export function AiSection() {
  const settings = useLoad(() => api.get<AiSettings>("/workspace/ai"), []);
  return (
    <>
      <section className="section" aria-labelledby="ai-title">
        <h2 id="ai-title">{t("ai.title")}</h2>
        <ErrorBanner error={settings.error} />
        {settings.data ? <ProviderForm settings={settings.data} onSaved={settings.set} /> : !settings.error && <Loading height={360} />}
      </section>
      <Knowledge />
    </>
  );
}

function ProviderForm({ settings, onSaved }: { settings: AiSettings; onSaved: (s: AiSettings) => void }) {
  const s = settings.configured ? settings : null;
  const [baseUrl, setBaseUrl] = useState(s?.base_url ?? "");
  const [model, setModel] = useState(s?.model ?? "");
  const [auth, setAuth] = useState<string>(s?.auth ?? "bearer");
  const [apiKey, setApiKey] = useState("");
  const [removeKey, setRemoveKey] = useState(false);
  const [timeoutMs, setTimeoutMs] = useState<number | undefined>(s?.timeout_ms ?? 30000);
  const [maxTokens, setMaxTokens] = useState<number | undefined>(s?.max_tokens ?? 500);
  const [transcription, setTranscription] = useState(s?.transcription_model ?? "whisper-1");
  const [prompt, setPrompt] = useState(s?.business_prompt ?? "");
  const [language, setLanguage] = useState(s?.language ?? "");
  const [credits, setCredits] = useState<number | undefined>(s?.credits ?? undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [other, setOther] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [kept, setKept] = useState<string | null>(null);

  /** A setter that also takes down the "saved" notice. */
  const edit = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setSaved(false);
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setOther(null);
    setKept(null);
    const body: Record<string, unknown> = {
      base_url: baseUrl,
      model,
      auth,
      transcription_model: transcription,
      business_prompt: prompt,
      language: language || null,
      credits: credits ?? null,
    };
    if (timeoutMs !== undefined) body.timeout_ms = timeoutMs;
    if (maxTokens !== undefined) body.max_tokens = maxTokens;
    if (apiKey.trim()) body.api_key = apiKey.trim();
    else if (removeKey) body.api_key = null;
    try {
      const next = await api.put<AiSettings>("/workspace/ai", body);
      onSaved(next);
      setApiKey("");
      setRemoveKey(false);
      setSaved(true);
      // A server that reads `null` as "not given" keeps the old value: say so, and show it.
      const kept: string[] = [];
      if (next.configured) {
        if (body.api_key === null && next.api_key_set) kept.push(t("ai.keptKey"));
        if (body.credits === null && next.credits !== null) kept.push(t("ai.keptCredits", { n: formatCount(next.credits) }));
        if (body.language === null && next.language) kept.push(t("ai.keptLanguage", { language: next.language }));
        setCredits(next.credits ?? undefined);
        setLanguage(next.language ?? "");
      }
      const list = new Intl.ListFormat(locale(), { type: "conjunction" }).format(kept);
      setKept(kept.length ? t(kept.length === 1 ? "ai.kept.one" : "ai.kept.other", { what: list }) : null);
    } catch (err) {
      if (err instanceof ApiError) setError(err);
      else setOther(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const errFor = (f: string) => (error && error.field === f ? error.message : null);
  const keySet = s?.api_key_set ?? false;
  const known = languages();
  const languageOptions = language && !known.some(([c]) => c === language) ? [...known, [language, language] as [string, string]] : known;

  return (
    <form onSubmit={save} aria-label={t("ai.form")}>
      <p className="hint">{t("ai.intro", { apiVersion: "?api-version=", ollama: "http://localhost:11434/v1" })}</p>
      {!s && <Notice>{t("ai.none")}</Notice>}
      <ErrorBanner error={other ?? (error && !error.field ? error.message : null)} />
      {saved && <Notice>{t("ai.saved")}</Notice>}
      {kept && (
        <p className="banner banner-warn" role="status" data-testid="ai-kept">
          {kept}
        </p>
      )}
      <div className="row top">
        <TextField label={t("ai.baseUrl")} value={baseUrl} placeholder="https://api.openai.com/v1" error={errFor("base_url")} onChange={edit(setBaseUrl)} />
        <TextField label={t("ai.model")} value={model} placeholder="gpt-4o-mini" error={errFor("model")} onChange={edit(setModel)} />
      </div>
      <div className="row top">
        <div className="field-group">
          <TextField
            label={t("ai.apiKey")}
            type="password"
            value={apiKey}
            placeholder={keySet ? t("ai.keySet") : t("ai.notSet")}
            error={errFor("api_key")}
            hint={
              <>
                {t("ai.keyHint")}{" "}
                <span className={`badge ${keySet ? "badge-ok" : "badge-muted"}`} data-testid="api-key-state">
                  {keySet ? t("ai.set") : t("ai.notSet")}
                </span>
              </>
            }
            onChange={edit(setApiKey)}
          />
          {keySet && <CheckField label={t("ai.removeKey")} checked={removeKey && !apiKey} onChange={edit(setRemoveKey)} />}
        </div>
        <SelectField
          label={t("ai.auth")}
          value={auth}
          error={errFor("auth")}
          options={[["bearer", t("ai.auth.bearer")], ["api-key", t("ai.auth.apiKey")]]}
          onChange={edit(setAuth)}
        />
      </div>
      <div className="row top">
        <NumberField label={t("ai.timeout")} min={1000} max={120000} value={timeoutMs} error={errFor("timeout_ms")} hint={t("ai.timeoutHint", { min: formatCount(1000), max: formatCount(120000) })} onChange={edit(setTimeoutMs)} />
        <NumberField label={t("ai.maxTokens")} min={1} max={16384} value={maxTokens} error={errFor("max_tokens")} onChange={edit(setMaxTokens)} />
        <TextField label={t("ai.transcription")} value={transcription} placeholder="whisper-1" error={errFor("transcription_model")} hint={t("ai.transcriptionHint")} onChange={edit(setTranscription)} />
      </div>
      <TextArea
        label={t("ai.prompt")}
        rows={5}
        value={prompt}
        error={errFor("business_prompt")}
        hint={t("ai.promptHint")}
        onChange={edit(setPrompt)}
      />
      <div className="row top">
        <SelectField label={t("ai.language")} value={language} error={errFor("language")} options={languageOptions} onChange={edit(setLanguage)} />
        <NumberField
          label={t("ai.credits")}
          min={0}
          value={credits}
          error={errFor("credits")}
          hint={t("ai.creditsHint", { formula: capitalized(settings.credits_formula) })}
          onChange={edit(setCredits)}
        />
      </div>
      {s && (
        <p className="muted small">
          {t("ai.creditsNow")} <span data-testid="ai-credits">{s.credits === null ? t("ai.noLimit") : formatCount(s.credits)}</span> · {t("ai.lastChanged")} <When at={s.updated_at} />
        </p>
      )}
      <button type="submit" className="button-primary" disabled={busy}>
        {busy ? t("common.saving") : t("ai.save")}
      </button>
    </form>
  );
}

function capitalized(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}
