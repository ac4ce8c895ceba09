// A new campaign (/campaigns/new): name, audience (CampaignAudience.tsx), the numbers it goes
// from (only those with the marketing module on; the others say why not), content
// (CampaignContentFields.tsx), now or at a time; the live preview beside it
// (CampaignPreviewPanel.tsx). Sending opens the campaign's page.

import { useState, type FormEvent } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { Campaign, Page, WaNumber } from "../api/types";
import { ownsWorkspace, roleOf } from "../app/access";
import { useAuth } from "../app/auth";
import "../app/words/campaigns";
import { t } from "../app/words/campaignForm";
import { Link, navigate } from "../app/router";
import { browserTimeZone, formatCount } from "../ui/format";
import { TextField } from "../ui/fields";
import { useLoad } from "../ui/useLoad";
import { ErrorBanner, Loading, PageHeader } from "../ui/widgets";
import { AudienceFields, audienceOf, EMPTY_AUDIENCE, type AudienceDraft } from "./CampaignAudience";
import { ContentFields, contentOf, EMPTY_CONTENT, type ContentDraft } from "./CampaignContentFields";
import { PreviewPanel, usePreview } from "./CampaignPreviewPanel";
import { useTemplates } from "./TemplatePicker";

export default function CampaignForm() {
  const { agent } = useAuth();
  const owner = ownsWorkspace(roleOf(agent));
  const numbers = useLoad(() => api.get<Page<WaNumber>>("/numbers").then((p) => p.data), []);
  const [name, setName] = useState("");
  const [audience, setAudience] = useState<AudienceDraft>(EMPTY_AUDIENCE);
  const [picked, setPicked] = useState<string[] | null>(null);
  const [content, setContent] = useState<ContentDraft>(EMPTY_CONTENT);
  const [when, setWhen] = useState<"now" | "later">("now");
  const [startAt, setStartAt] = useState("");
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);

  const marketing = (numbers.data ?? []).filter((n) => n.marketing);
  const others = (numbers.data ?? []).filter((n) => !n.marketing);
  // Until the user picks, the first number with marketing on.
  const numberIds = picked ?? (marketing[0] ? [marketing[0].id] : []);
  const firstCloud = marketing.find((n) => numberIds.includes(n.id) && n.channel === "cloud_api");
  const { templates } = useTemplates(firstCloud);

  const audienceValue = audienceOf(audience);
  const contentValue = contentOf(content);
  const request = audienceValue && contentValue && numberIds.length > 0 ? { audience: audienceValue, number_ids: numberIds, content: contentValue } : null;
  const missing = !audienceValue ? t("campaign.preview.needAudience") : numberIds.length === 0 ? t("campaign.preview.needNumber") : !contentValue ? t("campaign.preview.needContent") : null;
  const { preview, error: previewError, loading } = usePreview(request);

  const toggle = (id: string, on: boolean) => setPicked(on ? [...numberIds.filter((x) => x !== id), id] : numberIds.filter((x) => x !== id));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!request) return;
    const count = preview ? formatCount(preview.sendable) : "?";
    const question = when === "now" ? t("campaign.confirmSend", { n: count }) : t("campaign.confirmSchedule", { n: count });
    if (!window.confirm(question)) return;
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { name: name.trim(), ...request };
      if (when === "later" && startAt) body.start_at = new Date(startAt).toISOString();
      const created = await api.post<Campaign>("/campaigns", body);
      navigate(`/campaigns/${created.id}`);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(errorText(err)));
    } finally {
      setBusy(false);
    }
  };
  const nameError = error instanceof ApiError && error.field === "name" ? error.detail : null;

  return (
    <>
      <PageHeader title={t("campaign.new")}>
        <Link to="/campaigns" className="button">
          {t("campaign.backToList")}
        </Link>
      </PageHeader>
      <div className="campaign-compose">
        <form className="section" onSubmit={submit} aria-label={t("campaign.new")}>
          <ErrorBanner error={error && !nameError ? error.message : null} />
          <TextField label={t("campaign.name")} value={name} error={nameError} onChange={setName} />
          <AudienceFields value={audience} onChange={setAudience} campaignName={name} />
          <fieldset className="options">
            <legend>{t("campaign.numbers")}</legend>
            {numbers.loading && !numbers.data && <Loading height={40} />}
            <ErrorBanner error={numbers.error} />
            {numbers.data && marketing.length === 0 && <p className="field-error">{t("campaign.noMarketingNumbers")}</p>}
            {marketing.map((n) => (
              <label key={n.id} className="check number-choice">
                <input type="checkbox" checked={numberIds.includes(n.id)} onChange={(e) => toggle(n.id, e.target.checked)} />
                <span>
                  {n.label} <span className="muted small">({n.channel.replace(/_/g, " ")})</span>
                </span>
              </label>
            ))}
            {others.length > 0 && (
              <ul className="small muted unavailable" aria-label={t("campaign.unavailableNumbers")}>
                {others.map((n) => (
                  <li key={n.id}>{t("campaign.marketingOff", { label: n.label })}</li>
                ))}
                <li>{owner ? <Link to="/numbers">{t("campaign.turnOnMarketing")}</Link> : t("campaign.askOwner")}</li>
              </ul>
            )}
          </fieldset>
          <ContentFields value={content} onChange={setContent} templates={templates} windowApplies={!!firstCloud} />
          <fieldset className="options">
            <legend>{t("campaign.when")}</legend>
            <label className="check">
              <input type="radio" name="when" checked={when === "now"} onChange={() => setWhen("now")} />
              <span>{t("campaign.whenNow")}</span>
            </label>
            <label className="check">
              <input type="radio" name="when" checked={when === "later"} onChange={() => setWhen("later")} />
              <span>{t("campaign.whenLater")}</span>
            </label>
            {when === "later" && (
              <TextField label={t("campaign.startAt")} type="datetime-local" step={1} value={startAt} hint={t("campaign.startAtHint", { zone: browserTimeZone() })} onChange={setStartAt} />
            )}
          </fieldset>
          <button type="submit" className="button-primary" disabled={busy || !request || !name.trim() || (when === "later" && !startAt)}>
            {busy ? t("common.saving") : when === "now" ? t("campaign.sendNow") : t("campaign.schedule")}
          </button>
        </form>
        <PreviewPanel preview={preview} error={previewError} loading={loading} missing={missing} />
      </div>
    </>
  );
}
