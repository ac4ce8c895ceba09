// What a campaign would do before it is sent: `POST /campaigns/preview`, asked again 400 ms
// after the form stops changing — the audience count, who is skipped and why, the expected
// duration, the server's warnings, and the message as one sample recipient would get it.

import { useEffect, useState } from "react";
import { api, errorText } from "../api/client";
import type { Audience, CampaignContent, CampaignPreview } from "../api/types";
import { t } from "../app/words/campaignForm";
import type { TranslationKey } from "../app/i18n";
import { formatCount, formatDuration } from "../ui/format";
import { Warnings } from "../ui/widgets";

export interface PreviewRequest {
  audience: Audience;
  number_ids: string[];
  content: CampaignContent;
}

/** The preview of `request` (null while the form is incomplete), debounced. */
export function usePreview(request: PreviewRequest | null): { preview: CampaignPreview | null; error: string | null; loading: boolean } {
  const [preview, setPreview] = useState<CampaignPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const key = request ? JSON.stringify(request) : "";
  useEffect(() => {
    if (!key) {
      setPreview(null);
      setError(null);
      setLoading(false);
      return;
    }
    let cancelled = false;
    setLoading(true);
    const timer = window.setTimeout(() => {
      api
        .post<CampaignPreview>("/campaigns/preview", JSON.parse(key))
        .then((p) => {
          if (cancelled) return;
          setPreview(p);
          setError(null);
        })
        .catch((e: unknown) => {
          if (cancelled) return;
          setPreview(null);
          setError(errorText(e));
        })
        .finally(() => {
          if (!cancelled) setLoading(false);
        });
    }, 400);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [key]);
  return { preview, error, loading };
}

const KNOWN_SKIPS = ["blocked", "excluded", "opted_out"];

function skipLabel(reason: string): string {
  return KNOWN_SKIPS.includes(reason) ? t(`campaign.preview.skip.${reason}` as TranslationKey) : reason.replace(/_/g, " ");
}

export function PreviewPanel({ preview, error, loading, missing }: { preview: CampaignPreview | null; error: string | null; loading: boolean; missing: string | null }) {
  const skipped = Object.entries(preview?.skipped ?? {}).filter(([, n]) => n > 0);
  return (
    <section className="section preview" aria-labelledby="preview-title" aria-busy={loading}>
      <h2 id="preview-title">{t("campaign.preview.title")}</h2>
      {missing && !preview && <p className="muted">{missing}</p>}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {loading && !preview && !missing && <p className="muted">{t("campaign.preview.counting")}</p>}
      {preview && (
        <div className={loading ? "stale" : undefined}>
          <p className="preview-count" data-testid="audience-count">
            {t("campaign.preview.count", { sendable: formatCount(preview.sendable), audience: formatCount(preview.audience) })}
          </p>
          {skipped.length === 0 ? (
            <p className="small muted">{t("campaign.preview.noneSkipped")}</p>
          ) : (
            <ul className="small skipped" aria-label={t("campaign.preview.skippedTitle")}>
              {skipped.map(([reason, n]) => (
                <li key={reason}>{t("campaign.preview.skipped", { reason: skipLabel(reason), n: formatCount(n) })}</li>
              ))}
            </ul>
          )}
          <p className="small">{t("campaign.preview.duration", { duration: formatDuration(preview.expected_seconds) })}</p>
          <Warnings items={preview.warnings} title={t("campaign.preview.warnings")} />
          {preview.sample && preview.sample.text === null ? (
            <p className="small muted">{t("campaign.preview.noText")}</p>
          ) : preview.sample ? (
            <div className="sample">
              <p className="small muted">
                {t("campaign.preview.sampleFor", { who: preview.sample.contact.name ? `${preview.sample.contact.name} (${preview.sample.contact.phone ?? ""})` : (preview.sample.contact.phone ?? "") })}
              </p>
              <p className="bubble bubble-waflow" data-testid="sample-message">
                {preview.sample.text}
              </p>
              {(preview.sample.content?.body ?? []).length > 0 && (
                <ul className="small template-values" data-testid="sample-values">
                  {(preview.sample.content?.body ?? []).map((p, i) => (
                    <li key={i}>{t("campaign.preview.param", { n: String(i + 1), value: p.type === "text" ? p.text : p.link })}</li>
                  ))}
                </ul>
              )}
            </div>
          ) : (
            <p className="small muted">{t("campaign.preview.noSample")}</p>
          )}
        </div>
      )}
    </section>
  );
}
