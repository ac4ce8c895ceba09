// A campaign's recipients: a status filter, a table (contact, status, reason, number, sent,
// replied) and cursor paging. The first page is asked again when the campaign's totals change
// (`version`), unless more pages were loaded.

import { useEffect, useId, useRef, useState } from "react";
import { api, errorText, query } from "../api/client";
import type { Page, Recipient } from "../api/types";
import { t } from "../app/words/campaigns";
import { formatInstant } from "../ui/format";
import { Empty, ErrorBanner, Loading } from "../ui/widgets";
import { RECIPIENT_STATUSES, RecipientStatusBadge } from "./campaignText";

export function CampaignRecipients({ id, numberLabel, version }: { id: string; numberLabel: (id: string) => string; version: string }) {
  const [status, setStatus] = useState("");
  const [items, setItems] = useState<Recipient[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const pages = useRef(1);
  const statusId = useId();

  const load = async (after: string | null) => {
    setLoading(true);
    try {
      const page = await api.get<Page<Recipient>>(`/campaigns/${encodeURIComponent(id)}/recipients${query({ status, cursor: after, limit: 50 })}`);
      setItems((all) => (after ? [...all, ...page.data] : page.data));
      setCursor(page.next_cursor ?? null);
      pages.current = after ? pages.current + 1 : 1;
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load(null);
  }, [id, status]);
  const lastVersion = useRef(version);
  useEffect(() => {
    if (lastVersion.current === version) return;
    lastVersion.current = version;
    if (pages.current === 1) void load(null);
  }, [version]);

  return (
    <section className="section" aria-labelledby="recipients-title">
      <div className="sched-head">
        <h2 id="recipients-title">{t("campaign.recipients")}</h2>
        <div className="field field-inline">
          <label htmlFor={statusId} className="field-label">
            {t("campaign.recipients.status")}
          </label>
          <select id={statusId} value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t("campaign.recipients.all")}</option>
            {RECIPIENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`recipient.status.${s}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorBanner error={error} />
      {loading && items.length === 0 ? (
        <Loading height={120} />
      ) : items.length === 0 ? (
        <Empty>{t("campaign.recipients.none")}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table recipients">
            <thead>
              <tr>
                <th scope="col">{t("campaign.recipients.contact")}</th>
                <th scope="col">{t("campaign.recipients.status")}</th>
                <th scope="col" className="hide-narrow">{t("campaign.recipients.number")}</th>
                <th scope="col">{t("campaign.recipients.sent")}</th>
                <th scope="col">{t("campaign.recipients.replied")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.contact_id} data-testid="recipient-row">
                  <td>
                    <span className="strong">{r.name || r.phone}</span>
                    {r.name && <span className="muted small"> {r.phone}</span>}
                  </td>
                  <td>
                    <RecipientStatusBadge status={r.status} />
                    {r.reason && <span className="small reason"> {r.reason}</span>}
                  </td>
                  <td className="small hide-narrow">{r.number_id ? numberLabel(r.number_id) : "—"}</td>
                  <td className="small nowrap">{r.sent_at ? formatInstant(r.sent_at) : "—"}</td>
                  <td className="small nowrap">{r.replied_at ? formatInstant(r.replied_at) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <div className="pager">
          <button type="button" className="button" disabled={loading} onClick={() => void load(cursor)}>
            {t("common.loadMore")}
          </button>
        </div>
      )}
    </section>
  );
}
