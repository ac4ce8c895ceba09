// Adding a number: a sandbox (for tests), a WhatsApp Cloud API number (Meta's credentials, in
// words), or a linked device (the owner's WhatsApp, linked by a QR scan or by a code typed on
// the phone).

import { useState, type FormEvent } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { NumberInfo } from "../api/extra";
import { t } from "../app/words/numbers";
import { SelectField, TextField } from "../ui/fields";
import { ErrorBanner } from "../ui/widgets";
import { CloudApiFields, emptyCredentials } from "./CloudApiForm";

export function AddNumberForm({ onAdded }: { onAdded: (n: NumberInfo) => void }) {
  const [label, setLabel] = useState("");
  const [channel, setChannel] = useState("sandbox");
  const [cloud, setCloud] = useState(emptyCredentials);
  const [linkBy, setLinkBy] = useState<"qr" | "code">("qr");
  const [pairPhone, setPairPhone] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [field, setField] = useState<{ path: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setField(null);
    try {
      const body =
        channel === "cloud_api" ? { label, channel, cloud_api: cloud }
        : channel === "linked_device" ? { label, channel, ...(linkBy === "code" ? { pair_phone: pairPhone } : {}) }
        : { label, channel };
      onAdded(await api.post<NumberInfo>("/numbers", body));
    } catch (err) {
      // A field's error is shown under that field, in the field's own words.
      const placed = err instanceof ApiError && err.field && (["label", "channel", "pair_phone"].includes(err.field) || err.field.startsWith("cloud_api."));
      if (placed && err instanceof ApiError && err.field) setField({ path: err.field, text: err.detail });
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const errorFor = (path: string) => (field?.path === path ? field.text : null);

  return (
    <form className="section" onSubmit={submit} aria-labelledby="add-number-title">
      <h2 id="add-number-title">{t("numbers.addTitle")}</h2>
      <ErrorBanner error={error} />
      <div className="row">
        <TextField label={t("numbers.label")} value={label} placeholder={t("numbers.labelPlaceholder")} error={errorFor("label")} onChange={setLabel} />
        <SelectField
          label={t("numbers.channel")}
          value={channel}
          error={errorFor("channel")}
          options={[
            ["sandbox", t("numbers.channelOption.sandbox")],
            ["cloud_api", t("numbers.channelOption.cloud_api")],
            ["linked_device", t("numbers.channelOption.linked_device")],
          ]}
          onChange={setChannel}
        />
      </div>
      {channel === "cloud_api" && <CloudApiFields value={cloud} onChange={setCloud} errorFor={errorFor} />}
      {channel === "linked_device" && (
        <fieldset className="cloud-fields">
          <legend>{t("numbers.linkHow")}</legend>
          <p className="muted small">{t("numbers.linkedHint")}</p>
          <label className="radio">
            <input type="radio" name="link-by" checked={linkBy === "qr"} onChange={() => setLinkBy("qr")} /> {t("numbers.linkQr")}
          </label>
          <label className="radio">
            <input type="radio" name="link-by" checked={linkBy === "code"} onChange={() => setLinkBy("code")} /> {t("numbers.linkCode")}
          </label>
          {linkBy === "code" && (
            <TextField label={t("numbers.pairPhone")} hint={t("numbers.pairPhoneHint")} type="tel" value={pairPhone} error={errorFor("pair_phone")} onChange={setPairPhone} />
          )}
        </fieldset>
      )}
      <button type="submit" className="button-primary" disabled={busy}>
        {busy ? t("numbers.adding") : t("numbers.addButton")}
      </button>
    </form>
  );
}
