// Campaign words shared by the list, the form and the detail: states and recipient statuses as
// badges, the audience and the content in a sentence, and how far a campaign has got.

import type { Audience, CampaignContent, CampaignState, CampaignTotals } from "../api/types";
import { t } from "../app/words/campaigns";
import { ToneBadge, type Tone } from "../ui/widgets";

const CAMPAIGN_TONE: Record<CampaignState, Tone> = { scheduled: "info", sending: "info", paused: "warn", completed: "ok", cancelled: "muted" };

/** A campaign's state as a coloured badge in words. */
export function CampaignStateBadge({ state }: { state: string }) {
  const known = state in CAMPAIGN_TONE ? (state as CampaignState) : null;
  return <ToneBadge tone={known ? CAMPAIGN_TONE[known] : "muted"} label={known ? t(`campaign.state.${known}`) : state} />;
}

/** Every recipient status, in the order the filter offers them. */
export const RECIPIENT_STATUSES = ["pending", "queued", "sent", "delivered", "read", "replied", "started", "failed", "uncertain", "skipped", "cancelled"] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

const RECIPIENT_TONE: Record<RecipientStatus, Tone> = {
  pending: "muted",
  queued: "info",
  sent: "ok",
  delivered: "ok",
  read: "ok",
  replied: "ok",
  started: "ok",
  failed: "bad",
  uncertain: "warn",
  skipped: "warn",
  cancelled: "muted",
};

/** A recipient's status as a coloured badge in words. */
export function RecipientStatusBadge({ status }: { status: string }) {
  const known = (RECIPIENT_STATUSES as readonly string[]).includes(status) ? (status as RecipientStatus) : null;
  return <ToneBadge tone={known ? RECIPIENT_TONE[known] : "muted"} label={known ? t(`recipient.status.${known}`) : status} />;
}

/** Who a campaign goes to, in a sentence. */
export function describeAudience(a: Audience): string {
  let who: string;
  if ("list" in a) who = t("campaign.audience.listIs", { name: a.list });
  else if ("tag" in a) who = t("campaign.audience.tagIs", { tag: a.tag });
  else if ("field" in a) who = t("campaign.audience.fieldIs", { name: a.field.name, value: a.field.equals });
  else who = t("campaign.audience.everyone");
  return a.exclude_tag ? `${who} ${t("campaign.audience.except", { tag: a.exclude_tag })}` : who;
}

/** What a campaign sends, in a sentence. */
export function describeContent(c: CampaignContent, workflowName?: (id: string) => string | undefined): string {
  if ("template" in c) return t("campaign.content.templateIs", { name: c.template.name, language: c.template.language });
  if ("text" in c) return t("campaign.content.textIs", { text: c.text });
  return t("campaign.content.workflowIs", { name: workflowName?.(c.workflow_id) ?? c.workflow_id });
}

/** Recipients the campaign is done with (sent, failed, skipped or cancelled). */
export function processed(totals: CampaignTotals): number {
  return Math.max(0, totals.recipients - totals.pending - totals.queued);
}
