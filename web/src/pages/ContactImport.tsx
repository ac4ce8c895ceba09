// Importing contacts from a CSV file: the header row is read in the browser and each column gets
// a mapping (pre-filled by its name), a default country for national numbers, an optional list
// and tag; then the upload (`POST /contacts/imports`, the file streamed as is) and its progress,
// polled until the import is done, with the bad rows (line and reason) listed. The Contacts page
// and a campaign's "upload a CSV" audience both use it.

import { useEffect, useId, useRef, useState } from "react";
import { api, errorText, query } from "../api/client";
import type { ContactImport as Import } from "../api/types";
import { t } from "../app/words/contacts";
import { locale, type TranslationKey } from "../app/i18n";
import { COLUMN_TARGETS, fieldName, guessTarget, mappingFor, readHeader, type ColumnTarget } from "../ui/csv";
import { formatBytes, formatCount } from "../ui/format";
import { ErrorBanner, ProgressBar } from "../ui/widgets";

/** Countries offered as the default for numbers written without their country code. */
const COUNTRIES = ["IT", "FR", "ES", "DE", "GB", "US", "CH", "AT", "BE", "NL", "PT", "IE", "SM", "VA", "BR", "AR", "MX"];

function browserCountry(): string {
  const region = (navigator.language ?? "").split("-")[1]?.toUpperCase() ?? "";
  return COUNTRIES.includes(region) ? region : "IT";
}

function countryName(code: string): string {
  try {
    return new Intl.DisplayNames([locale()], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}

function targetLabel(target: ColumnTarget, header: string): string {
  if (target.startsWith("field:")) return t(`import.target.${target.slice(6)}` as TranslationKey, { name: fieldName(header) });
  return t(`import.target.${target}` as TranslationKey);
}

/** Polls an import every 400 ms until it is no longer running. */
function useImportProgress(id: string | null, onFinished: (imp: Import) => void): { job: Import | null; error: string | null } {
  const [job, setJob] = useState<Import | null>(null);
  const [error, setError] = useState<string | null>(null);
  const finished = useRef(onFinished);
  finished.current = onFinished;
  useEffect(() => {
    setJob(null);
    setError(null);
    if (!id) return;
    let stopped = false;
    let timer: number | undefined;
    const poll = async () => {
      try {
        const imp = await api.get<Import>(`/contacts/imports/${encodeURIComponent(id)}`);
        if (stopped) return;
        setJob(imp);
        setError(null);
        if (imp.state !== "running") return finished.current(imp);
      } catch (e) {
        if (stopped) return;
        setError(errorText(e));
      }
      timer = window.setTimeout(() => void poll(), 400);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [id]);
  return { job, error };
}

export function ContactImport({
  list: presetList = "",
  listRequired = false,
  title,
  submitLabel,
  onDone,
}: {
  /** The list the contacts go to, pre-filled (editable). */
  list?: string;
  /** Whether a list must be given (a campaign targets it). */
  listRequired?: boolean;
  title?: string;
  submitLabel?: string;
  onDone?: (imp: Import, list: string) => void;
}) {
  const titleId = useId();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [headers, setHeaders] = useState<string[]>([]);
  const [targets, setTargets] = useState<Record<string, ColumnTarget>>({});
  const [country, setCountry] = useState(browserCountry);
  const [list, setList] = useState(presetList);
  const [tag, setTag] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [importId, setImportId] = useState<string | null>(null);
  const [started, setStarted] = useState<Import | null>(null);
  const { job: polled, error: pollError } = useImportProgress(importId, (imp) => onDone?.(imp, list.trim()));
  const job = polled ?? started;

  useEffect(() => setList(presetList), [presetList]);

  const choose = async (f: File | null) => {
    setFile(f);
    setHeaders([]);
    setError(null);
    setImportId(null);
    setStarted(null);
    if (!f) return;
    try {
      const found = await readHeader(f);
      if (found.length === 0) throw new Error(t("import.noHeader"));
      setHeaders(found);
      // A column mapped by hand keeps its target when a file with the same header is chosen again.
      setTargets((before) => Object.fromEntries(found.map((h) => [h, before[h] ?? guessTarget(h)])));
    } catch (e) {
      setError(errorText(e));
    }
  };

  const phoneColumns = headers.filter((h) => targets[h] === "phone").length;

  const upload = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const path = `/contacts/imports${query({ mapping: JSON.stringify(mappingFor(headers, targets)), default_country: country, list: list.trim(), tag: tag.trim() })}`;
      const imp = await api.post<Import>(path, undefined, { rawBody: file, contentType: "text/csv" });
      setStarted(imp);
      setImportId(imp.id);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const running = job?.state === "running";
  return (
    // Not a <form>: a campaign's form holds it, and forms do not nest.
    // Enter in its inputs must not submit the form around it.
    <section
      className="section import"
      aria-labelledby={titleId}
      onKeyDown={(e) => {
        if (e.key === "Enter" && (e.target as HTMLElement).tagName === "INPUT") e.preventDefault();
      }}
    >
      <h2 id={titleId}>{title ?? t("import.title")}</h2>
      <ErrorBanner error={error ?? pollError} />
      <div className="field">
        <label htmlFor={fileId} className="field-label">
          {t("import.file")}
        </label>
        <input id={fileId} type="file" accept=".csv,text/csv" disabled={busy || running} onChange={(e) => void choose(e.target.files?.[0] ?? null)} />
        <span className="hint">{t("import.fileHint")}</span>
      </div>
      {headers.length > 0 && (
        <fieldset className="options">
          <legend>{t("import.columns")}</legend>
          <div className="mapping">
            {headers.map((h, i) => (
              <label key={`${i}-${h}`} className="field">
                <span>{t("import.column", { name: h || `#${i + 1}` })}</span>
                <select value={targets[h] ?? "ignore"} onChange={(e) => setTargets({ ...targets, [h]: e.target.value as ColumnTarget })}>
                  {COLUMN_TARGETS.map((target) => (
                    <option key={target} value={target}>
                      {targetLabel(target, h)}
                    </option>
                  ))}
                </select>
              </label>
            ))}
          </div>
          {phoneColumns !== 1 && (
            <p className="field-error" role="alert">
              {t("import.needPhone")}
            </p>
          )}
        </fieldset>
      )}
      {headers.length > 0 && (
        <div className="row">
          <label className="field">
            <span>{t("import.country")}</span>
            <select value={country} onChange={(e) => setCountry(e.target.value)}>
              {COUNTRIES.map((c) => (
                <option key={c} value={c}>
                  {countryName(c)} ({c})
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t("import.list")}</span>
            <input value={list} required={listRequired} onChange={(e) => setList(e.target.value)} />
          </label>
          <label className="field">
            <span>{t("import.tag")}</span>
            <input value={tag} onChange={(e) => setTag(e.target.value)} />
          </label>
        </div>
      )}
      {headers.length > 0 && !job && (
        <button type="button" className="button-primary" onClick={() => void upload()} disabled={busy || phoneColumns !== 1 || (listRequired && !list.trim())}>
          {busy ? t("import.uploading") : (submitLabel ?? t("import.start"))}
        </button>
      )}
      {job && <ImportProgress job={job} />}
    </section>
  );
}

/** An import's progress bar and counts; when finished, its outcome and its bad rows. */
export function ImportProgress({ job }: { job: Import }) {
  const done = job.state !== "running";
  const counts = t("import.counts", { rows: formatCount(job.rows), created: formatCount(job.created), updated: formatCount(job.updated), bad: formatCount(job.bad) });
  return (
    <div className="import-progress" data-testid="import-progress">
      <ProgressBar done={done ? job.file_bytes || 1 : job.bytes_read} total={job.file_bytes || 1} label={t("import.progress")} />
      <p role="status" aria-live="polite" className="small">
        {job.state === "running" && t("import.running", { read: formatBytes(job.bytes_read), total: formatBytes(job.file_bytes) })}
        {job.state === "done" && <strong>{t("import.done")}</strong>}
        {job.state === "failed" && <strong className="field-error">{t("import.failed")}</strong>} {counts}
      </p>
      {job.error && <p className="field-error">{job.error}</p>}
      {job.bad_rows.length > 0 && (
        <div className="bad-rows">
          <h3>{t("import.badRows", { n: formatCount(job.bad) })}</h3>
          <ul data-testid="bad-rows">
            {job.bad_rows.map((r) => (
              <li key={`${r.line}-${r.reason}`}>
                <strong>{t("import.line", { line: String(r.line) })}</strong> {r.reason}
              </li>
            ))}
          </ul>
          {job.bad > job.bad_rows.length && <p className="muted small">{t("import.moreBad", { n: formatCount(job.bad - job.bad_rows.length) })}</p>}
        </div>
      )}
    </div>
  );
}
