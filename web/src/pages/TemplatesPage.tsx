// Message templates: the WhatsApp templates of each Cloud API number as last synced from Meta,
// with their approval state, and Sync (Meta's list fetched again through the server).

import { useState } from "react";
import { api, errorText } from "../api/client";
import type { NumberInfo } from "../api/extra";
import type { MessageTemplate, Page } from "../api/types";
import type { TranslationKey } from "../app/i18n";
import { navigate, useLocation } from "../app/router";
import { t } from "../app/words/numbers";
import { formatCount } from "../ui/format";
import { SelectField } from "../ui/fields";
import { useLoad } from "../ui/useLoad";
import { Empty, ErrorBanner, Loading, Notice, PageHeader, ToneBadge, When, type Tone } from "../ui/widgets";
import "./numbers.css";

const APPROVAL: Record<string, { tone: Tone; key: TranslationKey }> = {
  APPROVED: { tone: "ok", key: "templates.status.approved" },
  PENDING: { tone: "info", key: "templates.status.pending" },
  IN_APPEAL: { tone: "info", key: "templates.status.pending" },
  REJECTED: { tone: "bad", key: "templates.status.rejected" },
  PAUSED: { tone: "warn", key: "templates.status.paused" },
  DISABLED: { tone: "bad", key: "templates.status.disabled" },
};

const CATEGORY: Record<string, TranslationKey> = {
  MARKETING: "templates.category.marketing",
  UTILITY: "templates.category.utility",
  AUTHENTICATION: "templates.category.authentication",
};

function Approval({ status }: { status: string }) {
  const known = APPROVAL[status.toUpperCase()];
  return known ? <ToneBadge tone={known.tone} label={t(known.key)} /> : <ToneBadge tone="muted" label={status.toLowerCase().replace(/_/g, " ")} />;
}

/** A language tag in the reader's words (`it` → `Italian`), or the tag as is. */
function languageName(tag: string): string {
  try {
    return new Intl.DisplayNames(undefined, { type: "language" }).of(tag.replace(/_/g, "-")) ?? tag;
  } catch {
    return tag;
  }
}

function TemplateTable({ numberId }: { numberId: string }) {
  const templates = useLoad(() => api.get<{ data: MessageTemplate[] }>(`/numbers/${encodeURIComponent(numberId)}/templates`).then((p) => p.data), [numberId]);
  const [syncing, setSyncing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const sync = async () => {
    setSyncing(true);
    setError(null);
    setMessage(null);
    try {
      const fresh = await api.post<{ data: MessageTemplate[] }>(`/numbers/${encodeURIComponent(numberId)}/templates/sync`);
      templates.set(fresh.data);
      setMessage(t("templates.synced", { count: formatCount(fresh.data.length) }));
    } catch (e) {
      setError(t("templates.syncFailed", { error: errorText(e) }));
    } finally {
      setSyncing(false);
    }
  };

  const rows = templates.data ?? [];
  return (
    <section className="section" aria-label={t("templates.listLabel")}>
      <div className="row">
        <button type="button" className="button-primary" disabled={syncing} onClick={() => void sync()}>
          {syncing ? t("templates.syncing") : t("templates.sync")}
        </button>
      </div>
      <ErrorBanner error={error ?? templates.error} onDismiss={error ? () => setError(null) : undefined} />
      {message && <Notice>{message}</Notice>}
      {templates.loading && !templates.data ? (
        <Loading height={160} />
      ) : rows.length === 0 ? (
        <Empty>{t("templates.none")}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t("templates.col.name")}</th>
                <th scope="col">{t("templates.col.language")}</th>
                <th scope="col">{t("templates.col.category")}</th>
                <th scope="col">{t("templates.col.status")}</th>
                <th scope="col">{t("templates.col.text")}</th>
                <th scope="col">{t("templates.col.synced")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((tpl) => (
                <tr key={`${tpl.name}/${tpl.language}`}>
                  <td className="strong">{tpl.name}</td>
                  <td>{languageName(tpl.language)}</td>
                  <td>{CATEGORY[tpl.category?.toUpperCase()] ? t(CATEGORY[tpl.category.toUpperCase()] as TranslationKey) : tpl.category}</td>
                  <td><Approval status={tpl.status} /></td>
                  <td className="small">{tpl.components?.find((c) => c.type?.toUpperCase() === "BODY")?.text ?? ""}</td>
                  <td className="small"><When at={tpl.synced_at} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export default function TemplatesPage() {
  const { params } = useLocation();
  const numbers = useLoad(() => api.get<Page<NumberInfo>>("/numbers").then((p) => p.data.filter((n) => n.channel === "cloud_api")), []);
  const cloud = numbers.data ?? [];
  const wanted = params.get("number");
  const chosen = cloud.find((n) => n.id === wanted) ?? cloud[0];

  return (
    <>
      <PageHeader title={t("templates.title")} />
      <p className="muted">{t("templates.intro")}</p>
      <ErrorBanner error={numbers.error} />
      {numbers.loading && !numbers.data ? (
        <Loading height={200} />
      ) : !chosen ? (
        <Empty>{t("templates.noCloud")}</Empty>
      ) : (
        <>
          {cloud.length > 1 && (
            <SelectField
              label={t("templates.number")}
              value={chosen.id}
              options={cloud.map((n) => [n.id, n.external_id ? `${n.label} (${n.external_id})` : n.label])}
              onChange={(id) => navigate(`/templates?number=${encodeURIComponent(id)}`, { replace: true })}
            />
          )}
          {cloud.length === 1 && <p className="strong">{chosen.label}</p>}
          <TemplateTable key={chosen.id} numberId={chosen.id} />
        </>
      )}
    </>
  );
}
