// The live pairing QR code of a linked-device number (GET /numbers/{id}/qr, polled).

import { useEffect, useState } from "react";
import { api, errorText } from "../api/client";

export function PairingQr({ numberId }: { numberId: string }) {
  const [qr, setQr] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = () =>
      api
        .get<{ qr: string }>(`/numbers/${encodeURIComponent(numberId)}/qr`)
        .then((a) => !stopped && (setQr(a.qr), setError(null)))
        .catch((e: unknown) => !stopped && setError(errorText(e)));
    void load();
    const timer = window.setInterval(() => void load(), 3000);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [numberId]);
  return (
    <div className="qr" aria-live="polite">
      <p className="strong">Scan with WhatsApp → Linked devices</p>
      {qr ? (
        qr.startsWith("data:") || qr.startsWith("<svg") ? (
          <img src={qr.startsWith("<svg") ? `data:image/svg+xml;utf8,${encodeURIComponent(qr)}` : qr} alt="Pairing QR code" width={220} height={220} />
        ) : (
          <code className="qr-text">{qr}</code>
        )
      ) : (
        <p className="muted">{error ?? "Waiting for the QR code…"}</p>
      )}
    </div>
  );
}
