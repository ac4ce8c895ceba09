// One number on the Numbers page: its label (renamable), status in words with the reason, the
// module switches, and what its channel needs — linking (linked device) or the webhook settings
// and connection check (Cloud API).

import { useState } from "react";
import type { NumberInfo } from "../api/extra";
import type { TranslationKey } from "../app/i18n";
import { Link } from "../app/router";
import { t } from "../app/words/numbers";
import { Switch, ToneBadge, When } from "../ui/widgets";
import { CloudApiConnection } from "./CloudApiForm";
import { PairingQr } from "./PairingQr";
import { reasonInWords, statusInWords } from "./numberStatus";

const CHANNEL_NAME: Record<string, TranslationKey> = {
  sandbox: "numbers.channelName.sandbox",
  cloud_api: "numbers.channelName.cloud_api",
  linked_device: "numbers.channelName.linked_device",
};

/** The status reason as a sentence, with the server's own words as a detail when reworded. */
export function StatusReason({ status, reason }: { status: string; reason: string | null | undefined }) {
  const said = reasonInWords(status, reason);
  if (!said || status === "connected") return null;
  return (
    <div className="status-reason" data-testid="status-reason">
      <p>{said.text}</p>
      {said.detail && <p className="muted small">{t("numbers.detail", { detail: said.detail })}</p>}
    </div>
  );
}

function LabelEditor({ value, onSave }: { value: string; onSave: (v: string) => void }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(value);
  if (!editing) {
    return (
      <h2 className="number-label">
        {value}{" "}
        <button type="button" className="button-quiet small" aria-label={t("numbers.renameWhat", { label: value })} onClick={() => { setText(value); setEditing(true); }}>
          {t("numbers.rename")}
        </button>
      </h2>
    );
  }
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        setEditing(false);
        if (text.trim() && text !== value) onSave(text.trim());
      }}
    >
      <label className="field field-inline">
        <span>{t("numbers.label")}</span>
        <input value={text} autoFocus onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="submit" className="button small">{t("numbers.save")}</button>
      <button type="button" className="button-quiet small" onClick={() => setEditing(false)}>{t("numbers.cancel")}</button>
    </form>
  );
}

export function NumberCard({
  number: n,
  justAdded,
  onPatch,
  onRemove,
  onStatus,
}: {
  number: NumberInfo;
  justAdded: boolean;
  onPatch: (body: Partial<Pick<NumberInfo, "label" | "automation" | "marketing">>) => void;
  onRemove: () => void;
  onStatus: (status: string, reason: string | null) => void;
}) {
  const status = statusInWords(n.status);
  return (
    <li className="card number-card" data-testid="number-card">
      <div className="number-head">
        <LabelEditor value={n.label} onSave={(label) => onPatch({ label })} />
        <ToneBadge tone={status.tone} label={status.label} />
      </div>
      <StatusReason status={n.status} reason={n.status_reason} />
      <dl className="kv small">
        <dt>{t("numbers.channel")}</dt>
        <dd>{t(CHANNEL_NAME[n.channel] ?? "numbers.channelName.sandbox")}</dd>
        {n.external_id && (
          <>
            <dt>{t("numbers.cloud.phoneNumberId")}</dt>
            <dd>{n.external_id}</dd>
          </>
        )}
        <dt>{t("numbers.id")}</dt>
        <dd><code>{n.id}</code></dd>
        <dt>{t("numbers.addedAt")}</dt>
        <dd><When at={n.created_at} /></dd>
      </dl>
      <div className="number-modules">
        <Switch checked={n.automation} label={t("numbers.automation")} onChange={(v) => onPatch({ automation: v })} />
        <Switch checked={n.marketing} label={t("numbers.marketing")} onChange={(v) => onPatch({ marketing: v })} />
      </div>
      {n.channel === "linked_device" && <PairingQr number={n} justAdded={justAdded} onChange={onStatus} />}
      {n.channel === "cloud_api" && (
        <>
          <CloudApiConnection numberId={n.id} />
          <p>
            <Link to={`/templates?number=${encodeURIComponent(n.id)}`}>{t("numbers.templatesOf")}</Link>
          </p>
        </>
      )}
      <div className="row">
        <button type="button" className="button-danger" onClick={onRemove}>
          {t("numbers.delete")}
        </button>
      </div>
    </li>
  );
}
