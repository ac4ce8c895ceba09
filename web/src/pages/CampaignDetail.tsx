// One campaign (/campaigns/{id}): live progress (polled every 1.5 s while it sends), the totals
// as statistics, pause / resume / cancel as its state allows, what it sends to whom, the
// per-recipient table (CampaignRecipients.tsx) and the CSV export.

import { useEffect, useState } from "react";
import { api, download, errorText } from "../api/client";
import type { Campaign, Page, WaNumber, Workflow } from "../api/types";
import { t } from "../app/words/campaigns";
import type { TranslationKey } from "../app/i18n";
import { Link } from "../app/router";
import { formatCount, formatDuration, formatInstant, formatShare } from "../ui/format";
import { useLoad } from "../ui/useLoad";
import { ErrorBanner, Loading, PageHeader, ProgressBar } from "../ui/widgets";
import { CampaignRecipients } from "./CampaignRecipients";
import { CampaignStateBadge, describeAudience, describeContent, processed } from "./campaignText";

/** How often the page asks for the campaign while it sends (and while it waits to start). */
const POLL_MS: Partial<Record<Campaign["state"], number>> = { sending: 1500, scheduled: 5000 };

const STATS: Array<"sent" | "delivered" | "read" | "replied" | "failed" | "skipped"> = ["sent", "delivered", "read", "replied", "failed", "skipped"];

type Action = "pause" | "resume" | "cancel";

function actionsFor(state: Campaign["state"]): Action[] {
  if (state === "sending" || state === "scheduled") return ["pause", "cancel"];
  if (state === "paused") return ["resume", "cancel"];
  return [];
}

export default function CampaignDetail({ id }: { id: string }) {
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const numbers = useLoad(() => api.get<Page<WaNumber>>("/numbers").then((p) => p.data).catch(() => [] as WaNumber[]), []);
  const workflows = useLoad(() => api.get<Page<Workflow>>("/workflows").then((p) => p.data).catch(() => [] as Workflow[]), []);
  const path = `/campaigns/${encodeURIComponent(id)}`;

  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const poll = async () => {
      try {
        const c = await api.get<Campaign>(path);
        if (stopped) return;
        setCampaign(c);
        setError(null);
        const every = POLL_MS[c.state];
        if (every) timer = window.setTimeout(() => void poll(), every);
      } catch (e) {
        if (!stopped) setError(errorText(e));
      }
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
    // Polling restarts when the state changes (a pause stops it, a resume starts it again).
  }, [path, campaign?.state]);

  const act = async (action: Action) => {
    if (!campaign) return;
    if (action === "cancel" && !window.confirm(t("campaign.confirmCancel", { name: campaign.name }))) return;
    setBusy(true);
    setError(null);
    try {
      setCampaign(await api.post<Campaign>(`${path}/${action}`));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const exportCsv = async () => {
    setError(null);
    try {
      await download(`${path}/export`, `campaign-${(campaign?.name ?? id).replace(/[^\p{L}\p{N}]+/gu, "-")}.csv`);
    } catch (e) {
      setError(errorText(e));
    }
  };

  if (!campaign) {
    return (
      <>
        <ErrorBanner error={error} />
        {!error && <Loading height={320} />}
      </>
    );
  }
  const totals = campaign.totals;
  const done = processed(totals);
  const numberLabel = (nid: string) => numbers.data?.find((n) => n.id === nid)?.label ?? nid;
  const workflowName = (wid: string) => workflows.data?.find((w) => w.id === wid)?.name;

  return (
    <>
      <PageHeader title={campaign.name}>
        {actionsFor(campaign.state).map((a) => (
          <button key={a} type="button" className={a === "cancel" ? "button-danger" : "button"} disabled={busy} onClick={() => void act(a)}>
            {t(`campaign.action.${a}`)}
          </button>
        ))}
        <button type="button" className="button" onClick={() => void exportCsv()}>
          {t("campaign.export")}
        </button>
        <Link to="/campaigns" className="button-quiet">
          {t("campaign.backToList")}
        </Link>
      </PageHeader>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <section className="section" aria-labelledby="progress-title">
        <div className="sched-head">
          <h2 id="progress-title">{t("campaign.progress")}</h2>
          <span data-testid="campaign-state">
            <CampaignStateBadge state={campaign.state} />
          </span>
        </div>
        <ProgressBar done={done} total={totals.recipients} label={t("campaign.progress")} />
        <p className="small" data-testid="campaign-progress">
          {t("campaign.progressText", { done: formatCount(done), total: formatCount(totals.recipients) })}
          {totals.recipients > 0 && ` (${formatShare(done, totals.recipients)})`}
          {campaign.state === "sending" && campaign.expected_seconds > 0 && ` · ${t("campaign.expected", { duration: formatDuration(campaign.expected_seconds) })}`}
        </p>
        <dl className="stats" aria-label={t("campaign.statistics")}>
          <div className="stat" data-testid="stat-recipients">
            <dt>{t("campaign.stat.recipients")}</dt>
            <dd>{formatCount(totals.recipients)}</dd>
          </div>
          {STATS.map((k) => (
            <div key={k} className={`stat${k === "failed" && totals.failed > 0 ? " stat-bad" : ""}`} data-testid={`stat-${k}`}>
              <dt>{t(`campaign.stat.${k}` as TranslationKey)}</dt>
              <dd>
                {formatCount(totals[k])}
                {totals.recipients > 0 && <span className="muted small"> {formatShare(totals[k], totals.recipients)}</span>}
              </dd>
            </div>
          ))}
          {(totals.uncertain ?? 0) > 0 && (
            <div className="stat" data-testid="stat-uncertain" title={t("campaign.uncertainHint")}>
              <dt>{t("campaign.stat.uncertain")}</dt>
              <dd>{formatCount(totals.uncertain)}</dd>
            </div>
          )}
          {totals.cancelled > 0 && (
            <div className="stat" data-testid="stat-cancelled">
              <dt>{t("campaign.stat.cancelled")}</dt>
              <dd>{formatCount(totals.cancelled)}</dd>
            </div>
          )}
        </dl>
      </section>
      <section className="section" aria-labelledby="about-title">
        <h2 id="about-title">{t("campaign.about")}</h2>
        <dl className="kv small">
          <dt>{t("campaign.audience")}</dt>
          <dd>{describeAudience(campaign.audience)}</dd>
          <dt>{t("campaign.content")}</dt>
          <dd>{describeContent(campaign.content, workflowName)}</dd>
          <dt>{t("campaign.numbers")}</dt>
          <dd>{campaign.number_ids.map(numberLabel).join(", ")}</dd>
          <dt>{t("campaign.startAt")}</dt>
          <dd>{formatInstant(campaign.start_at)}</dd>
          {campaign.started_at && (
            <>
              <dt>{t("campaign.started")}</dt>
              <dd>{formatInstant(campaign.started_at)}</dd>
            </>
          )}
          {campaign.finished_at && (
            <>
              <dt>{t("campaign.finished")}</dt>
              <dd>{formatInstant(campaign.finished_at)}</dd>
            </>
          )}
        </dl>
      </section>
      <CampaignRecipients id={campaign.id} numberLabel={numberLabel} version={JSON.stringify(totals)} />
    </>
  );
}
