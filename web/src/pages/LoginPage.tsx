// Sign in with email and password (POST /auth/login); the token then authenticates every call.

import { useState, type FormEvent } from "react";
import { errorText } from "../api/client";
import { useAuth } from "../app/auth";
import { t } from "../app/words/frame";
import { LanguagePicker } from "../ui/LanguagePicker";
import { ErrorBanner, Notice } from "../ui/widgets";

export function LoginPage() {
  const { login, notice } = useAuth();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login" id="main">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="login-head">
          <h1 id="login-title">{t("login.title")}</h1>
          <LanguagePicker />
        </div>
        {notice && <Notice>{notice}</Notice>}
        <ErrorBanner error={error} />
        <label className="field">
          <span>{t("login.email")}</span>
          <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label className="field">
          <span>{t("login.password")}</span>
          <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? t("login.busy") : t("login.submit")}
        </button>
        <p className="hint">
          {t("login.noAccount")}
          <code> waflow agents create-owner --email … --password …</code>
        </p>
      </form>
    </main>
  );
}
