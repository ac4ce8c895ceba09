// Human takeover in a thread: while an agent handles the contact, workflows leave them alone
// until a time; the banner says until when, and "Resume automation" ends the pause now.

import { useEffect, useState } from "react";
import { api, errorText } from "../api/client";
import { isMissingEndpoint, type ConversationInfo } from "../api/extra";
import { t } from "../app/words/conversations";
import { formatInstant } from "../ui/format";

/** Whether automation is paused now (the time is in the future). */
export function pausedNow(until: string | null | undefined, now = Date.now()): boolean {
  if (!until) return false;
  const at = new Date(until).getTime();
  return !Number.isNaN(at) && at > now;
}

export function TakeoverBanner({ conversation, onResumed }: { conversation: ConversationInfo; onResumed: (c: ConversationInfo) => void }) {
  const until = conversation.automation_paused_until;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [, setTick] = useState(0);

  // Hide the banner when the pause ends while the thread is open.
  useEffect(() => {
    if (!pausedNow(until)) return;
    const left = new Date(until ?? "").getTime() - Date.now();
    const timer = window.setTimeout(() => setTick((n) => n + 1), Math.min(left + 500, 2_000_000_000));
    return () => window.clearTimeout(timer);
  }, [until]);

  if (!pausedNow(until)) return null;

  const resume = async () => {
    setBusy(true);
    setError(null);
    try {
      const fresh = await api.post<ConversationInfo | undefined>(`/conversations/${encodeURIComponent(conversation.id)}/automation/resume`);
      onResumed({ ...conversation, ...(fresh ?? {}), automation_paused_until: fresh?.automation_paused_until ?? null });
    } catch (e) {
      setError(isMissingEndpoint(e) ? t("takeover.resumeUnavailable") : errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="banner banner-warn takeover" role="status" data-testid="takeover">
      <span>{t("takeover.paused", { time: formatInstant(until) })}</span>
      <button type="button" className="button small" disabled={busy} onClick={() => void resume()}>
        {t("takeover.resume")}
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
