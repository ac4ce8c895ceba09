// Version history: the published versions (and the draft), a diff between two, and loading an
// old version into the editor.

import { t } from "../app/words/builder";
import { useState } from "react";
import { api, errorText } from "../api/client";
import type { DiffChange, Page, VersionInfo } from "../api/types";
import type { WorkflowDocument } from "./document";
import { useLoad } from "../ui/useLoad";
import { ErrorBanner, Loading, When } from "../ui/widgets";

function show(v: unknown): string {
  if (v === null || v === undefined) return "—";
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function VersionsPanel({ workflowId, hasDraft, reloadKey, onLoadVersion }: {
  workflowId: string;
  hasDraft: boolean;
  reloadKey: number;
  onLoadVersion: (doc: WorkflowDocument, version: number) => void;
}) {
  const base = `/workflows/${encodeURIComponent(workflowId)}`;
  const versions = useLoad(() => api.get<Page<VersionInfo>>(`${base}/versions`).then((p) => p.data), [workflowId, reloadKey]);
  const list = versions.data ?? [];
  const latest = list[list.length - 1]?.version;
  const [from, setFrom] = useState<string>("");
  const [to, setTo] = useState<string>("");
  const [changes, setChanges] = useState<DiffChange[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fromValue = from || String(Math.max(1, (latest ?? 1) - (hasDraft ? 0 : 1)));
  const toValue = to || (hasDraft ? "draft" : String(latest ?? 1));

  const diff = async () => {
    setError(null);
    try {
      const answer = await api.get<{ changes: DiffChange[] }>(`${base}/diff?from=${encodeURIComponent(fromValue)}&to=${encodeURIComponent(toValue)}`);
      setChanges(answer.changes);
    } catch (e) {
      setError(errorText(e));
    }
  };

  const load = async (version: number) => {
    setError(null);
    try {
      const answer = await api.get<{ document: WorkflowDocument }>(`${base}/versions/${version}`);
      onLoadVersion(answer.document, version);
    } catch (e) {
      setError(errorText(e));
    }
  };

  const choices: Array<[string, string]> = [
    ...list.map((v): [string, string] => [String(v.version), `${t("versions.version", { v: String(v.version) })}${v.current ? ` (${t("versions.live")})` : ""}`]),
    ...(hasDraft ? [["draft", t("versions.draft")] as [string, string]] : []),
  ];

  return (
    <section className="panel-section" aria-labelledby="versions-title">
      <h2 id="versions-title">{t("versions.title")}</h2>
      <ErrorBanner error={error ?? versions.error} />
      {versions.loading && !versions.data ? (
        <Loading height={100} />
      ) : (
        <ol className="versions" reversed>
          {[...list].reverse().map((v) => (
            <li key={v.version}>
              <span className="strong">v{v.version}</span> {v.current && <span className="badge badge-ok">{t("versions.live")}</span>} <When at={v.created_at} />
              <button type="button" className="button-quiet small" onClick={() => load(v.version)}>
                {t("versions.open")}
              </button>
            </li>
          ))}
        </ol>
      )}
      {choices.length >= 2 && (
        <div className="row">
          <label className="field">
            <span>{t("versions.from")}</span>
            <select value={fromValue} onChange={(e) => setFrom(e.target.value)}>
              {choices.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
            </select>
          </label>
          <label className="field">
            <span>{t("versions.to")}</span>
            <select value={toValue} onChange={(e) => setTo(e.target.value)}>
              {choices.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
            </select>
          </label>
          <button type="button" className="button" onClick={diff}>
            {t("versions.compare")}
          </button>
        </div>
      )}
      {changes && (
        changes.length === 0 ? (
          <p className="muted">{t("versions.none")}</p>
        ) : (
          <table className="table diff" aria-label={t("versions.changes")}>
            <thead>
              <tr><th scope="col">{t("versions.field")}</th><th scope="col">{t("versions.before")}</th><th scope="col">{t("versions.after")}</th></tr>
            </thead>
            <tbody>
              {changes.map((c) => (
                <tr key={c.path}>
                  <td><code>{c.path}</code></td>
                  <td className="diff-before">{show(c.before)}</td>
                  <td className="diff-after">{show(c.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
    </section>
  );
}
