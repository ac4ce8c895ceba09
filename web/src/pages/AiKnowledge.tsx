// Settings › AI › Knowledge: what AI replies draw on (catalogues and documents): upload, list,
// delete, and a search showing what a reply would be given.

import { useRef, useState, type FormEvent } from "react";
import { api, errorText, query } from "../api/client";
import type { KnowledgeFile, KnowledgeItem } from "../api/types";
import { plural, t } from "../app/words/settings";
import { tOr } from "../app/words/frame";
import { useLoad } from "../ui/useLoad";
import { TextField } from "../ui/fields";
import { formatCount, formatNumber } from "../ui/format";
import { Empty, ErrorBanner, Loading, Notice, When } from "../ui/widgets";

/** A count of knowledge items in words (`3 elementi`). */
function items(n: number): string {
  return t(`knowledge.items.${plural(n)}`, { n: formatCount(n) });
}

export function Knowledge() {
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
      const sample = r.sample.length ? `: ${r.sample.map((x) => `“${x}”`).join(", ")}${r.file.items > r.sample.length ? "…" : ""}` : "";
      setNotice(t("knowledge.loaded", { file: r.file.name, items: items(r.file.items), sample }));
      files.reload();
    } catch (e) {
      setError(t("knowledge.notLoaded", { file: file.name, error: errorText(e) }));
    } finally {
      setUploading(false);
      if (input.current) input.current.value = "";
    }
  };

  const remove = async (f: KnowledgeFile) => {
    if (!window.confirm(t("knowledge.confirmDelete", { file: f.name, items: items(f.items) }))) return;
    setError(null);
    setNotice(null);
    try {
      await api.del(`/workspace/knowledge/${encodeURIComponent(f.name)}`);
      setNotice(t("knowledge.deleted", { file: f.name }));
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
        {t("knowledge.title")} {files.data && <span className="muted small">· {items(files.data.items)}</span>}
      </h2>
      <p className="hint">{t("knowledge.intro")}</p>
      <ErrorBanner error={error ?? files.error} />
      {notice && <Notice>{notice}</Notice>}
      {files.loading && !files.data ? (
        <Loading height={80} />
      ) : list.length === 0 ? (
        <Empty>{t("knowledge.empty")}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label={t("knowledge.files")}>
            <thead>
              <tr><th scope="col">{t("knowledge.col.file")}</th><th scope="col">{t("knowledge.col.kind")}</th><th scope="col">{t("knowledge.col.items")}</th><th scope="col">{t("knowledge.col.uploaded")}</th><th scope="col"><span className="visually-hidden">{t("knowledge.col.actions")}</span></th></tr>
            </thead>
            <tbody>
              {list.map((f) => (
                <tr key={f.name} data-testid="knowledge-file">
                  <td className="strong">{f.name}</td>
                  <td>{tOr(`knowledge.kind.${f.kind}`, f.kind)}</td>
                  <td>{formatCount(f.items)}</td>
                  <td><When at={f.created_at} /></td>
                  <td>
                    <button type="button" className="button-danger small" aria-label={t("knowledge.deleteFile", { file: f.name })} onClick={() => void remove(f)}>
                      {t("knowledge.delete")}
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
          {t("knowledge.upload")}
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
        {uploading && <span className="hint" role="status">{t("knowledge.uploading")}</span>}
      </div>
      <form className="row" onSubmit={search} aria-label={t("knowledge.searchForm")}>
        <TextField label={t("knowledge.question")} value={q} placeholder={t("knowledge.questionHint")} onChange={setQ} />
        <button type="submit" className="button" disabled={!q.trim()}>
          {t("knowledge.search")}
        </button>
      </form>
      {results !== null &&
        (results.length === 0 ? (
          <Empty>{t("knowledge.nothing", { q: searched })}</Empty>
        ) : (
          <ol className="knowledge-results" aria-label={t("knowledge.results")}>
            {results.map((r, i) => (
              <li key={i} className="card" data-testid="knowledge-result">
                <div>
                  <span className="strong">{r.item.title}</span> <span className="badge badge-muted">{tOr(`knowledge.kind.${r.item.kind}`, r.item.kind)}</span>{" "}
                  <span className="muted small">
                    {r.item.source} · {t("knowledge.score", { score: formatNumber(r.score) })}
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
