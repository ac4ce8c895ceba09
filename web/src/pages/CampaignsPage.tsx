// Campaigns: the list with each campaign's state and progress (refreshed every 2 s while one is
// sending), paging, and the way to a new campaign (CampaignForm.tsx) and to each one's detail.

import { useEffect, useState } from "react";
import { api, errorText, query } from "../api/client";
import type { Campaign, Page } from "../api/types";
import { t } from "../app/words/campaigns";
import { Link, navigate } from "../app/router";
import { formatCount, formatInstant } from "../ui/format";
import { Empty, ErrorBanner, Loading, PageHeader, ProgressBar } from "../ui/widgets";
import { CampaignStateBadge, describeAudience, processed } from "./campaignText";

export default function CampaignsPage() {
  const [items, setItems] = useState<Campaign[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = async (after: string | null) => {
    setLoading(true);
    try {
      const page = await api.get<Page<Campaign>>(`/campaigns${query({ cursor: after, limit: 50 })}`);
      setItems((all) => (after ? [...all, ...page.data] : page.data));
      setCursor(page.next_cursor ?? null);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load(null);
  }, []);

  // While a campaign on the first page is sending, its progress is refreshed.
  const sending = items.some((c) => c.state === "sending");
  useEffect(() => {
    if (!sending) return;
    const timer = window.setInterval(() => {
      api
        .get<Page<Campaign>>(`/campaigns${query({ limit: 50 })}`)
        .then((page) => setItems((all) => all.map((c) => page.data.find((x) => x.id === c.id) ?? c)))
        .catch(() => undefined);
    }, 2000);
    return () => window.clearInterval(timer);
  }, [sending]);

  return (
    <>
      <PageHeader title={t("page.campaigns")}>
        <button type="button" className="button-primary" onClick={() => navigate("/campaigns/new")}>
          {t("campaign.new")}
        </button>
      </PageHeader>
      <ErrorBanner error={error} />
      {loading && items.length === 0 ? (
        <Loading height={200} />
      ) : items.length === 0 ? (
        <Empty>{t("campaign.none")}</Empty>
      ) : (
        <ul className="campaign-list">
          {items.map((c) => (
            <li key={c.id} className="card campaign-item" data-testid="campaign-row">
              <div className="sched-head">
                <Link to={`/campaigns/${c.id}`} className="strong">
                  {c.name}
                </Link>
                <CampaignStateBadge state={c.state} />
              </div>
              <p className="small muted">{describeAudience(c.audience)}</p>
              <ProgressBar done={processed(c.totals)} total={c.totals.recipients} label={t("campaign.progressOf", { name: c.name })} />
              <p className="small">
                {t("campaign.progressText", { done: formatCount(processed(c.totals)), total: formatCount(c.totals.recipients) })} ·{" "}
                {t("campaign.sentShort", { n: formatCount(c.totals.sent) })} · {t("campaign.failedShort", { n: formatCount(c.totals.failed) })}
              </p>
              <p className="small muted">
                {c.started_at ? t("campaign.startedAt", { when: formatInstant(c.started_at) }) : t("campaign.startsAt", { when: formatInstant(c.start_at) })}
              </p>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <div className="pager">
          <button type="button" className="button" disabled={loading} onClick={() => void load(cursor)}>
            {t("common.loadMore")}
          </button>
        </div>
      )}
    </>
  );
}
