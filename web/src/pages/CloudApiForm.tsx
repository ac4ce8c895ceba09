// A WhatsApp Cloud API number: the credentials from Meta in words (each field says where to find
// it), and, once added, what to paste into Meta's webhook settings (the callback URL and verify
// token, with copy buttons) and "Check connection" (Meta's Graph API asked through the server).

import { useState } from "react";
import { api, errorText } from "../api/client";
import { isMissingEndpoint, type NumberCheck, type NumberInfo } from "../api/extra";
import type { TranslationKey } from "../app/i18n";
import { t } from "../app/words/numbers";
import { TextField } from "../ui/fields";
import { useLoad } from "../ui/useLoad";
import { Loading } from "../ui/widgets";

export interface CloudCredentials {
  phone_number_id: string;
  waba_id: string;
  access_token: string;
  app_secret: string;
  verify_token: string;
}

/** A random verify token, so that nobody has to invent one. */
function randomToken(): string {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function emptyCredentials(): CloudCredentials {
  return { phone_number_id: "", waba_id: "", access_token: "", app_secret: "", verify_token: randomToken() };
}

const FIELDS: Array<{ key: keyof CloudCredentials; label: TranslationKey; hint: TranslationKey; secret?: boolean }> = [
  { key: "phone_number_id", label: "numbers.cloud.phoneNumberId", hint: "numbers.cloud.phoneNumberIdHint" },
  { key: "waba_id", label: "numbers.cloud.wabaId", hint: "numbers.cloud.wabaIdHint" },
  { key: "access_token", label: "numbers.cloud.accessToken", hint: "numbers.cloud.accessTokenHint", secret: true },
  { key: "app_secret", label: "numbers.cloud.appSecret", hint: "numbers.cloud.appSecretHint", secret: true },
  { key: "verify_token", label: "numbers.cloud.verifyToken", hint: "numbers.cloud.verifyTokenHint" },
];

/** The credential fields of the add-number form; `errorFor` gives the server's words for a field. */
export function CloudApiFields({
  value,
  onChange,
  errorFor,
}: {
  value: CloudCredentials;
  onChange: (v: CloudCredentials) => void;
  errorFor: (field: string) => string | null;
}) {
  return (
    <fieldset className="cloud-fields">
      <legend>{t("numbers.cloud.legend")}</legend>
      <p className="muted small">{t("numbers.cloud.intro")}</p>
      {FIELDS.map((f) => (
        <TextField
          key={f.key}
          label={t(f.label)}
          hint={t(f.hint)}
          type={f.secret ? "password" : "text"}
          value={value[f.key]}
          error={errorFor(`cloud_api.${f.key}`)}
          onChange={(v) => onChange({ ...value, [f.key]: v })}
        />
      ))}
    </fieldset>
  );
}

/** A value to copy, with a Copy button that says whether it worked. */
function CopyValue({ label, value }: { label: string; value: string }) {
  const [said, setSaid] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setSaid(t("numbers.copied"));
    } catch {
      setSaid(t("numbers.copyFailed"));
    }
  };
  return (
    <>
      <dt>{label}</dt>
      <dd className="copy-value">
        <code>{value}</code>{" "}
        <button type="button" className="button-quiet small" aria-label={t("numbers.copyWhat", { what: label })} onClick={() => void copy()}>
          {t("numbers.copy")}
        </button>
        {said && (
          <span className="muted small" role="status">
            {" "}
            {said}
          </span>
        )}
      </dd>
    </>
  );
}

/** On a Cloud API number's card: the webhook settings for Meta and "Check connection". */
export function CloudApiConnection({ numberId }: { numberId: string }) {
  const details = useLoad(() => api.get<NumberInfo>(`/numbers/${encodeURIComponent(numberId)}`), [numberId]);
  const [check, setCheck] = useState<{ ok: boolean; text: string } | null>(null);
  const [checking, setChecking] = useState(false);

  const runCheck = async () => {
    setChecking(true);
    setCheck(null);
    try {
      const r = await api.post<NumberCheck>(`/numbers/${encodeURIComponent(numberId)}/check`);
      if (r.ok) {
        const name = [r.verified_name, r.display_phone].filter(Boolean).join(" · ");
        setCheck({ ok: true, text: name ? t("numbers.check.okNamed", { name }) : t("numbers.check.ok") });
      } else {
        setCheck({ ok: false, text: t("numbers.check.failed", { message: r.message }) });
      }
    } catch (e) {
      const missing = isMissingEndpoint(e);
      setCheck({ ok: false, text: missing ? t("numbers.check.unavailable") : t("numbers.check.failed", { message: errorText(e) }) });
    } finally {
      setChecking(false);
    }
  };

  const n = details.data;
  return (
    <section className="cloud-connection" aria-label={t("numbers.webhook.title")}>
      <h3>{t("numbers.webhook.title")}</h3>
      {details.loading && !n ? (
        <Loading height={60} />
      ) : n?.webhook_path ? (
        <>
          <p className="muted small">{t("numbers.webhook.intro")}</p>
          <dl className="kv small">
            <CopyValue label={t("numbers.webhook.url")} value={window.location.origin + n.webhook_path} />
            {n.verify_token ? <CopyValue label={t("numbers.webhook.token")} value={n.verify_token} /> : null}
          </dl>
          {!n.verify_token && <p className="muted small">{t("numbers.webhook.tokenHidden")}</p>}
        </>
      ) : (
        <p className="muted small">{details.error ?? t("numbers.webhook.unavailable")}</p>
      )}
      <div className="row">
        <button type="button" className="button" disabled={checking} onClick={() => void runCheck()}>
          {checking ? t("numbers.checking") : t("numbers.check")}
        </button>
      </div>
      {check && (
        <p className={`banner ${check.ok ? "banner-info" : "banner-error"}`} role={check.ok ? "status" : "alert"} data-testid="check-result">
          {check.text}
        </p>
      )}
    </section>
  );
}
