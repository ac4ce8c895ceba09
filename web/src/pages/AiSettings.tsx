// Settings › AI: the provider (any OpenAI-compatible API), the business prompt, the language and
// the credits; and the knowledge AI replies draw on (catalogues and documents: upload, list,
// delete, and a search showing what a reply would be given).

import { useRef, useState, type FormEvent } from "react";
import { api, ApiError, errorText, query } from "../api/client";
import type { AiSettings, KnowledgeFile, KnowledgeItem } from "../api/types";
import { useLoad } from "../ui/useLoad";
import { CheckField, NumberField, SelectField, TextArea, TextField } from "../ui/fields";
import { Empty, ErrorBanner, Loading, Notice, When } from "../ui/widgets";

const LANGUAGES: Array<[string, string]> = [
  ["", "Detect from the contact's messages"],
  ["it", "Italian (it)"],
  ["en", "English (en)"],
  ["es", "Spanish (es)"],
  ["fr", "French (fr)"],
  ["de", "German (de)"],
  ["pt", "Portuguese (pt)"],
  ["nl", "Dutch (nl)"],
];

export function AiSection() {
  const settings = useLoad(() => api.get<AiSettings>("/workspace/ai"), []);
  return (
    <>
      <section className="section" aria-labelledby="ai-title">
        <h2 id="ai-title">AI replies</h2>
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
        if (body.api_key === null && next.api_key_set) kept.push("the API key");
        if (body.credits === null && next.credits !== null) kept.push(`the credit limit (${next.credits})`);
        if (body.language === null && next.language) kept.push(`the language (${next.language})`);
        setCredits(next.credits ?? undefined);
        setLanguage(next.language ?? "");
      }
      setKept(kept.length ? `The server kept ${kept.join(", ")}: it cannot remove ${kept.length === 1 ? "it" : "them"} yet.` : null);
    } catch (err) {
      if (err instanceof ApiError) setError(err);
      else setOther(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const errFor = (f: string) => (error && error.field === f ? error.message : null);
  const keySet = s?.api_key_set ?? false;
  const languages = language && !LANGUAGES.some(([c]) => c === language) ? [...LANGUAGES, [language, language] as [string, string]] : LANGUAGES;

  return (
    <form onSubmit={save} aria-label="AI provider">
      <p className="hint">
        Any OpenAI-compatible chat API: OpenAI, Azure OpenAI (auth “api-key”, the deployment URL with its <code>?api-version=</code>), Ollama
        (<code>http://localhost:11434/v1</code>), vLLM, llama.cpp. Saving makes no call to the provider.
      </p>
      {!s && <Notice>No AI provider yet: “Reply with AI” steps take their fallback (or fail) until one is set.</Notice>}
      <ErrorBanner error={other ?? (error && !error.field ? error.message : null)} />
      {saved && <Notice>AI provider saved.</Notice>}
      {kept && (
        <p className="banner banner-warn" role="status" data-testid="ai-kept">
          {kept}
        </p>
      )}
      <div className="row top">
        <TextField label="Base URL" value={baseUrl} placeholder="https://api.openai.com/v1" error={errFor("base_url")} onChange={edit(setBaseUrl)} />
        <TextField label="Model" value={model} placeholder="gpt-4o-mini" error={errFor("model")} onChange={edit(setModel)} />
      </div>
      <div className="row top">
        <div className="field-group">
          <TextField
            label="API key"
            type="password"
            value={apiKey}
            placeholder={keySet ? "set — type to replace it" : "not set"}
            error={errFor("api_key")}
            hint={
              <>
                Stored encrypted, never shown again. Now:{" "}
                <span className={`badge ${keySet ? "badge-ok" : "badge-muted"}`} data-testid="api-key-state">
                  {keySet ? "set" : "not set"}
                </span>
              </>
            }
            onChange={edit(setApiKey)}
          />
          {keySet && <CheckField label="Remove the API key" checked={removeKey && !apiKey} onChange={edit(setRemoveKey)} />}
        </div>
        <SelectField
          label="Authentication"
          value={auth}
          error={errFor("auth")}
          options={[["bearer", "Authorization: Bearer (OpenAI, Ollama…)"], ["api-key", "api-key header (Azure OpenAI)"]]}
          onChange={edit(setAuth)}
        />
      </div>
      <div className="row top">
        <NumberField label="Timeout (ms)" min={1000} max={120000} value={timeoutMs} error={errFor("timeout_ms")} hint="1000 to 120000" onChange={edit(setTimeoutMs)} />
        <NumberField label="Max tokens per reply" min={1} max={16384} value={maxTokens} error={errFor("max_tokens")} onChange={edit(setMaxTokens)} />
        <TextField label="Transcription model" value={transcription} placeholder="whisper-1" error={errFor("transcription_model")} hint="For voice messages." onChange={edit(setTranscription)} />
      </div>
      <TextArea
        label="Business prompt"
        rows={5}
        value={prompt}
        error={errFor("business_prompt")}
        hint="Who you are, what you sell, how to answer: every AI reply starts from it."
        onChange={edit(setPrompt)}
      />
      <div className="row top">
        <SelectField label="Language of fixed replies" value={language} error={errFor("language")} options={languages} onChange={edit(setLanguage)} />
        <NumberField
          label="Credits left"
          min={0}
          value={credits}
          error={errFor("credits")}
          hint={`Empty: no limit. ${capitalized(settings.credits_formula)}.`}
          onChange={edit(setCredits)}
        />
      </div>
      {s && (
        <p className="muted small">
          Credits now: <span data-testid="ai-credits">{s.credits === null ? "no limit" : s.credits}</span> · last changed <When at={s.updated_at} />
        </p>
      )}
      <button type="submit" className="button-primary" disabled={busy}>
        {busy ? "Saving…" : "Save AI provider"}
      </button>
    </form>
  );
}

function capitalized(t: string): string {
  return t ? t.charAt(0).toUpperCase() + t.slice(1) : t;
}

function Knowledge() {
  const files = useLoad(() => api.get<{ files: KnowledgeFile[]; items: number }>("/workspace/knowledge"), []);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [uploading, setUploading] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const [q, setQ] = useState("");
  const [results, setResults] = useState<Array<{ item: KnowledgeItem; score: number }> | null>(null);
  const [searched, setSearched] = useState("");

  const upload = async (file: File) => {
    setError(null);
    setNotice(null);
    setUploading(true);
    try {
      const r = await api.put<{ file: KnowledgeFile; sample: string[] }>(`/workspace/knowledge/${encodeURIComponent(file.name)}`, undefined, {
        rawBody: file,
        contentType: file.type || "application/octet-stream",
      });
      const sample = r.sample.length ? `: ${r.sample.map((t) => `“${t}”`).join(", ")}${r.file.items > r.sample.length ? "…" : ""}` : "";
      setNotice(`${r.file.name} loaded, ${r.file.items} ${r.file.items === 1 ? "item" : "items"}${sample}`);
      files.reload();
    } catch (e) {
      setError(`${file.name} was not loaded. ${errorText(e)}`);
    } finally {
      setUploading(false);
      if (input.current) input.current.value = "";
    }
  };

  const remove = async (f: KnowledgeFile) => {
    if (!window.confirm(`Delete ${f.name} and its ${f.items} items?`)) return;
    setError(null);
    setNotice(null);
    try {
      await api.del(`/workspace/knowledge/${encodeURIComponent(f.name)}`);
      setNotice(`${f.name} deleted.`);
      files.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const search = async (e: FormEvent) => {
    e.preventDefault();
    if (!q.trim()) return;
    setError(null);
    try {
      const r = await api.get<{ items: Array<{ item: KnowledgeItem; score: number }> }>(`/workspace/knowledge/search${query({ q: q.trim() })}`);
      setResults(r.items);
      setSearched(q.trim());
    } catch (err) {
      setError(errorText(err));
    }
  };

  const list = files.data?.files ?? [];
  return (
    <section className="section" aria-labelledby="knowledge-title">
      <h2 id="knowledge-title">
        Knowledge {files.data && <span className="muted small">· {files.data.items} items</span>}
      </h2>
      <p className="hint">
        What AI replies know about the business. Catalogues: CSV (Shopify and WooCommerce product exports as they are, or columns name, description, price,
        sku) or JSON. Documents and FAQ: .md, .txt, .pdf. Uploading a file with the same name replaces it. Each reply is given only the items relevant to the
        messages it answers.
      </p>
      <ErrorBanner error={error ?? files.error} />
      {notice && <Notice>{notice}</Notice>}
      {files.loading && !files.data ? (
        <Loading height={80} />
      ) : list.length === 0 ? (
        <Empty>No knowledge files yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Knowledge files">
            <thead>
              <tr><th scope="col">File</th><th scope="col">Kind</th><th scope="col">Items</th><th scope="col">Uploaded</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {list.map((f) => (
                <tr key={f.name} data-testid="knowledge-file">
                  <td className="strong">{f.name}</td>
                  <td>{f.kind}</td>
                  <td>{f.items}</td>
                  <td><When at={f.created_at} /></td>
                  <td>
                    <button type="button" className="button-danger small" aria-label={`Delete ${f.name}`} onClick={() => void remove(f)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="field">
        <label className="field-label" htmlFor="knowledge-upload">
          Upload a file
        </label>
        <input
          id="knowledge-upload"
          ref={input}
          type="file"
          accept=".csv,.json,.md,.markdown,.txt,.pdf"
          disabled={uploading}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void upload(f);
          }}
        />
        {uploading && <span className="hint" role="status">Uploading…</span>}
      </div>
      <form className="row" onSubmit={search} aria-label="Search the knowledge">
        <TextField label="What would a reply to this be given?" value={q} placeholder="a contact's message, e.g. do you have red hoodies?" onChange={setQ} />
        <button type="submit" className="button" disabled={!q.trim()}>
          Search
        </button>
      </form>
      {results !== null &&
        (results.length === 0 ? (
          <Empty>Nothing in the knowledge matches “{searched}”.</Empty>
        ) : (
          <ol className="knowledge-results" aria-label="Knowledge search results">
            {results.map((r, i) => (
              <li key={i} className="card" data-testid="knowledge-result">
                <div>
                  <span className="strong">{r.item.title}</span> <span className="badge badge-muted">{r.item.kind}</span>{" "}
                  <span className="muted small">
                    {r.item.source} · score {r.score.toFixed(2)}
                  </span>
                </div>
                <p className="small">{r.item.text.length > 300 ? `${r.item.text.slice(0, 299)}…` : r.item.text}</p>
              </li>
            ))}
          </ol>
        ))}
    </section>
  );
}
