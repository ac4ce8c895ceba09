// The first run: a server without any owner asks for one (POST /setup {name, email, password} →
// {token, agent}), signs them in with the answer's token exactly as after sign-in, and lands on
// Home. Shown only while GET /setup says `needs_owner` (see FirstRunGate); if an owner appears
// meanwhile (409), it says so and offers the sign-in page.

import { useId, useState, type FormEvent } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { Agent } from "../api/types";
import { useAuth } from "../app/auth";
import { navigate } from "../app/router";
import { t } from "../app/words/home";
import { LanguagePicker } from "../ui/LanguagePicker";
import { ErrorBanner } from "../ui/widgets";

const MIN_PASSWORD = 8;

/** A labelled input with the browser's autofill hint and the server's error for it under it. */
function Field(props: { label: string; type: string; autoComplete: string; value: string; onChange: (v: string) => void; error?: string; hint?: string }) {
  const id = useId();
  const describedBy = [props.hint ? `${id}-hint` : "", props.error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`field${props.error ? " invalid" : ""}`}>
      <label htmlFor={id} className="field-label">
        {props.label}
      </label>
      <input
        id={id}
        type={props.type}
        autoComplete={props.autoComplete}
        required
        value={props.value}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.hint && (
        <span className="hint" id={`${id}-hint`}>
          {props.hint}
        </span>
      )}
      {props.error && (
        <span className="field-error" id={`${id}-error`} role="alert">
          {props.error}
        </span>
      )}
    </div>
  );
}

export default function SetupPage({ onOwnerExists }: { onOwnerExists: () => void }) {
  const { enter } = useAuth();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [taken, setTaken] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFieldErrors({});
    if (password.length < MIN_PASSWORD) {
      setFieldErrors({ password: t("setup.tooShort") });
      return;
    }
    setBusy(true);
    try {
      const answer = await api.post<{ token: string; agent: Agent }>("/setup", { name: name.trim(), email: email.trim(), password });
      navigate("/home", { replace: true });
      enter(answer.token, answer.agent);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setTaken(true);
      else if (err instanceof ApiError && err.field) setFieldErrors({ [err.field]: err.detail });
      else setError(errorText(err));
      setBusy(false);
    }
  };

  if (taken) {
    return (
      <main className="login" id="main">
        <div className="login-card" role="alert">
          <h1>{t("setup.title")}</h1>
          <p>{t("setup.taken")}</p>
          <button type="button" className="button-primary" onClick={onOwnerExists}>
            {t("setup.signIn")}
          </button>
        </div>
      </main>
    );
  }

  return (
    <main className="login" id="main">
      <form className="login-card" onSubmit={submit} aria-labelledby="setup-title" noValidate>
        <div className="login-head">
          <h1 id="setup-title">{t("setup.title")}</h1>
          <LanguagePicker />
        </div>
        <p>{t("setup.intro")}</p>
        <ErrorBanner error={error} />
        <Field label={t("setup.name")} type="text" autoComplete="name" value={name} onChange={setName} error={fieldErrors.name} />
        <Field label={t("setup.email")} type="email" autoComplete="username" value={email} onChange={setEmail} error={fieldErrors.email} />
        <Field label={t("setup.password")} type="password" autoComplete="new-password" value={password} onChange={setPassword} error={fieldErrors.password} hint={t("setup.passwordHint")} />
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? t("setup.creating") : t("setup.submit")}
        </button>
      </form>
    </main>
  );
}
