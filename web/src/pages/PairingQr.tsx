// Linking a linked-device number, live: the QR code (or the code to type on the phone) from the
// number's event stream, what happened in words, and Reconnect — which always ends in a result
// (linked, a new code to scan, or why it failed; "no answer" after a bounded wait), never in a
// message that stays forever.

import { useEffect, useRef, useState } from "react";
import { api, errorText } from "../api/client";
import type { NumberEvent, NumberInfo, Pairing } from "../api/extra";
import { t } from "../app/words/numbers";
import { formatInstant } from "../ui/format";
import { useNumberEvents } from "./numberStream";
import { reasonInWords, statusInWords } from "./numberStatus";

/** How long a reconnect (or a new number) waits for WhatsApp before saying there was no answer. */
export const ATTEMPT_SECONDS = 45;
/** A status other than `pairing` read this soon after Reconnect may predate it (see below). */
const STALE_MS = 3000;

type Result = { tone: "ok" | "bad" | "info"; text: string };
type Attempt = { started: number; seenPairing: boolean };

/** The QR code (an SVG document from the server) as an image. */
function QrImage({ svg }: { svg: string }) {
  const src = svg.startsWith("data:") ? svg : `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  return <img className="qr-image" src={src} alt={t("numbers.pair.qrAlt")} width={220} height={220} />;
}

function PairingView({ pairing }: { pairing: Pairing }) {
  const expires = pairing.expires_at ? <p className="muted small">{t("numbers.pair.expires", { time: formatInstant(pairing.expires_at) })}</p> : null;
  if (pairing.pair_code) {
    return (
      <div className="qr">
        <p>{t("numbers.pair.code")}</p>
        <p className="pair-code strong" aria-label={t("numbers.pair.codeLabel")}>{pairing.pair_code}</p>
        {expires}
      </div>
    );
  }
  return (
    <div className="qr">
      <p className="strong">{t("numbers.pair.scan")}</p>
      {pairing.qr ? <QrImage svg={pairing.qr} /> : <p className="muted">{t("numbers.pair.noImage")}</p>}
      {expires}
    </div>
  );
}

export function PairingQr({
  number,
  justAdded,
  onChange,
}: {
  number: NumberInfo;
  justAdded: boolean;
  onChange: (status: string, reason: string | null) => void;
}) {
  const [generation, setGeneration] = useState(0);
  const [pairing, setPairing] = useState<Pairing | null>(null);
  const [paired, setPaired] = useState<string | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [streamError, setStreamError] = useState<string | null>(null);
  // A new number starts in `pairing` as stored, so any later status is news.
  const attempt = useRef<Attempt | null>(justAdded ? { started: Date.now(), seenPairing: true } : null);
  const [waiting, setWaiting] = useState(justAdded);
  const latest = useRef({ status: number.status, reason: number.status_reason ?? null });
  latest.current = { status: number.status, reason: number.status_reason ?? null };

  const finish = (r: Result) => {
    attempt.current = null;
    setWaiting(false);
    setResult(r);
  };
  const finishWithStatus = (status: string, reason: string | null) => {
    if (status === "connected") return finish({ tone: "ok", text: t("numbers.result.connected") });
    const why = reasonInWords(status, reason)?.text ?? statusInWords(status).label;
    finish({ tone: "bad", text: t("numbers.result.failed", { reason: why }) });
  };

  const onEvent = (e: NumberEvent) => {
    setStreamError(null);
    const now = attempt.current;
    if (e.event === "number.qr" || e.event === "number.pair_code") {
      setPairing(e.pairing);
      if (now) finish({ tone: "info", text: t(e.pairing.pair_code ? "numbers.result.code" : "numbers.result.scan") });
    } else if (e.event === "number.paired") {
      setPaired(e.phone ?? "");
    } else if (e.event === "number.status") {
      onChange(e.status, e.reason ?? null);
      if (e.status !== "pairing") setPairing(null);
      if (e.status === "connected") setPaired(null);
      if (!now) return;
      // Right after Reconnect the stream's first status may still be the one before it (the
      // server stores the new one a moment later): only a status after `pairing`, or one read
      // past STALE_MS, is the outcome.
      if (e.status === "pairing") now.seenPairing = true;
      else if (now.seenPairing || Date.now() - now.started > STALE_MS) finishWithStatus(e.status, e.reason ?? null);
    }
  };
  const active = number.status === "pairing" || waiting || pairing !== null;
  useNumberEvents(number.id, active, generation, onEvent, (message) => setStreamError(message));

  // While waiting: read the number every 2 s too (the stream may have closed, or the outcome
  // came before it opened), and give up with a result after ATTEMPT_SECONDS.
  useEffect(() => {
    if (!waiting) return;
    const timer = window.setInterval(() => {
      const now = attempt.current;
      if (!now) return;
      if (Date.now() - now.started > ATTEMPT_SECONDS * 1000) {
        const why = reasonInWords(latest.current.status, latest.current.reason)?.text ?? statusInWords(latest.current.status).label;
        finish({ tone: "bad", text: t("numbers.result.noAnswer", { seconds: String(ATTEMPT_SECONDS), reason: why }) });
        return;
      }
      api
        .get<NumberInfo>(`/numbers/${encodeURIComponent(number.id)}`)
        .then((n) => {
          const still = attempt.current;
          if (!still) return;
          onChange(n.status, n.status_reason ?? null);
          if (n.status === "pairing") still.seenPairing = true;
          else if (still.seenPairing || Date.now() - still.started > STALE_MS) finishWithStatus(n.status, n.status_reason ?? null);
        })
        .catch(() => undefined);
    }, 2000);
    return () => window.clearInterval(timer);
  }, [waiting, number.id]);

  const reconnect = async () => {
    setResult(null);
    setPairing(null);
    setPaired(null);
    setStreamError(null);
    try {
      await api.post(`/numbers/${encodeURIComponent(number.id)}/reconnect`);
    } catch (e) {
      finish({ tone: "bad", text: t("numbers.result.failed", { reason: errorText(e) }) });
      return;
    }
    attempt.current = { started: Date.now(), seenPairing: false };
    setWaiting(true);
    setGeneration((g) => g + 1);
  };

  return (
    <div className="pairing" data-testid="pairing">
      {waiting && (
        <p className="banner banner-info" role="status">
          {t("numbers.pair.waiting")}
        </p>
      )}
      {result && (
        <p className={`banner ${result.tone === "bad" ? "banner-error" : "banner-info"}`} role={result.tone === "bad" ? "alert" : "status"} data-testid="pairing-result">
          {result.text}
        </p>
      )}
      {streamError && !result && <p className="muted small">{t("numbers.streamFailed", { error: streamError })}</p>}
      {paired !== null && <p role="status">{t("numbers.pair.paired", { phone: paired })}</p>}
      {pairing && <PairingView pairing={pairing} />}
      {number.status !== "connected" && (
        <div className="row">
          <button type="button" className="button" disabled={waiting} onClick={() => void reconnect()}>
            {waiting ? t("numbers.reconnecting") : t("numbers.reconnect")}
          </button>
        </div>
      )}
    </div>
  );
}
