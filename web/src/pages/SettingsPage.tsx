// Settings: the workspace's time zone, business hours and holidays; AI replies (provider and
// knowledge, in AiSettings.tsx); the marketing opt-out words and reply (OptOutSettings.tsx); and
// the agents. The workspace and the agents are the owner's (app/access.ts): an admin sees AI
// replies, knowledge and opt-out only.

import { useEffect, useState, type FormEvent } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { Agent, Page, Workspace } from "../api/types";
import { ownsWorkspace, roleOf } from "../app/access";
import { TakeoverSettings } from "./TakeoverSettings";
import { useAuth } from "../app/auth";
import { useLoad } from "../ui/useLoad";
import { SelectField, TextField } from "../ui/fields";
import { WeeklyHours, type Weekly } from "../ui/WeeklyHours";
import { ErrorBanner, Loading, Notice, PageHeader } from "../ui/widgets";
import { formatDate, formatDayMonth, timeZones } from "../ui/format";
import { t } from "../app/words/settings";
import { AiSection } from "./AiSettings";
import { OptOutSection } from "./OptOutSettings";

const ROLES = ["owner", "admin", "agent"] as const;

/** A holiday in words: a date (`2026-12-25`) in the reader's locale, a yearly one (`12-25`) as "every year on…". */
function holidayLabel(h: string): string {
  return h.length === 5 ? t("settings.yearly", { date: formatDayMonth(h) }) : formatDate(h);
}

export default function SettingsPage() {
  const { agent } = useAuth();
  const owner = ownsWorkspace(roleOf(agent));
  return (
    <>
      <PageHeader title={t("page.settings")} />
      {owner && <WorkspaceSection />}
      {owner && <TakeoverSettings />}
      <AiSection />
      <OptOutSection />
      {owner && <Agents />}
    </>
  );
}

function WorkspaceSection() {
  const workspace = useLoad(() => api.get<Workspace>("/workspace"), []);
  return (
    <>
      <ErrorBanner error={workspace.error} />
      {workspace.data ? <WorkspaceForm workspace={workspace.data} onSaved={workspace.set} /> : !workspace.error && <Loading height={420} />}
    </>
  );
}

function WorkspaceForm({ workspace, onSaved }: { workspace: Workspace; onSaved: (w: Workspace) => void }) {
  const [tz, setTz] = useState(workspace.time_zone);
  const [hours, setHours] = useState<Weekly>(workspace.business_hours ?? {});
  const [holidays, setHolidays] = useState<string[]>(workspace.holidays ?? []);
  const [newDate, setNewDate] = useState("");
  const [yearly, setYearly] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [other, setOther] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => setSaved(false), [tz, hours, holidays]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setOther(null);
    try {
      const ws = await api.put<Workspace>("/workspace", { time_zone: tz, business_hours: hours, holidays });
      onSaved(ws);
      setSaved(true);
    } catch (err) {
      if (err instanceof ApiError) setError(err);
      else setOther(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const addHoliday = () => {
    if (!newDate) return;
    const value = yearly ? newDate.slice(5) : newDate;
    if (!holidays.includes(value)) setHolidays([...holidays, value].sort());
    setNewDate("");
  };

  const errFor = (f: string) => (error && error.field && (error.field === f || error.field.startsWith(`${f}.`) || error.field.startsWith(`${f}[`)) ? error.message : null);

  return (
    <form className="section" onSubmit={save} aria-labelledby="ws-title">
      <h2 id="ws-title">{t("settings.workspace")} {workspace.name && <span className="muted">· {workspace.name}</span>}</h2>
      <ErrorBanner error={other ?? (error && !error.field ? error.message : null)} />
      {saved && <Notice>{t("settings.saved")}</Notice>}
      <SelectField label={t("settings.timeZone")} value={tz} error={errFor("time_zone")} options={[...new Set([tz, ...timeZones()])].map((z): [string, string] => [z, z])} onChange={setTz} />
      <WeeklyHours legend={t("settings.hours")} value={hours} error={errFor("business_hours")} onChange={setHours} />
      <fieldset className="options">
        <legend>{t("settings.holidays")}</legend>
        {errFor("holidays") && <p className="field-error" role="alert">{errFor("holidays")}</p>}
        <ul className="tags">
          {holidays.length === 0 && <li className="muted small">{t("settings.noHolidays")}</li>}
          {holidays.map((h) => (
            <li key={h} className="tag">
              <span title={h}>{holidayLabel(h)}</span>
              <button type="button" className="tag-remove" aria-label={t("settings.removeHoliday", { date: holidayLabel(h) })} onClick={() => setHolidays(holidays.filter((x) => x !== h))}>
                ×
              </button>
            </li>
          ))}
        </ul>
        <div className="row">
          <label className="field">
            <span>{t("settings.date")}</span>
            <input type="date" value={newDate} onChange={(e) => setNewDate(e.target.value)} />
          </label>
          <label className="check">
            <input type="checkbox" checked={yearly} onChange={(e) => setYearly(e.target.checked)} />
            <span>{t("settings.everyYear")}</span>
          </label>
          <button type="button" className="button" disabled={!newDate} onClick={addHoliday}>
            {t("settings.addHoliday")}
          </button>
        </div>
      </fieldset>
      <button type="submit" className="button-primary" disabled={busy}>
        {busy ? t("common.saving") : t("settings.save")}
      </button>
    </form>
  );
}

function Agents() {
  const { agent: me } = useAuth();
  const agents = useLoad(() => api.get<Page<Agent>>("/agents").then((p) => p.data), []);
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("agent");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post<Agent>("/agents", { name, email, role, ...(password ? { password } : {}) });
      setName("");
      setEmail("");
      setPassword("");
      agents.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const update = async (a: Agent, r: string) => {
    setError(null);
    try {
      await api.patch(`/agents/${encodeURIComponent(a.id)}`, { role: r });
      agents.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const remove = async (a: Agent) => {
    if (!window.confirm(t("agents.confirmRemove", { email: a.email }))) return;
    try {
      await api.del(`/agents/${encodeURIComponent(a.id)}`);
      agents.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section className="section" aria-labelledby="agents-title">
      <h2 id="agents-title">{t("agents.title")}</h2>
      <ErrorBanner error={error ?? agents.error} />
      {agents.loading && !agents.data ? (
        <Loading height={80} />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr><th scope="col">{t("agents.name")}</th><th scope="col">{t("agents.email")}</th><th scope="col">{t("agents.role")}</th><th scope="col"><span className="visually-hidden">{t("agents.actions")}</span></th></tr>
            </thead>
            <tbody>
              {(agents.data ?? []).map((a) => (
                <tr key={a.id}>
                  <td>{a.name}{me?.id === a.id && <span className="muted">{t("agents.you")}</span>}</td>
                  <td>{a.email}</td>
                  <td>
                    <select aria-label={t("agents.roleOf", { email: a.email })} value={a.role} onChange={(e) => void update(a, e.target.value)}>
                      {ROLES.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
                    </select>
                  </td>
                  <td>
                    <button type="button" className="button-danger small" disabled={me?.id === a.id} onClick={() => void remove(a)}>
                      {t("agents.remove")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="row" onSubmit={create} aria-label={t("agents.add")}>
        <TextField label={t("agents.name")} value={name} onChange={setName} />
        <TextField label={t("agents.email")} type="email" value={email} onChange={setEmail} />
        <TextField label={t("agents.password")} type="password" value={password} onChange={setPassword} />
        <SelectField label={t("agents.role")} value={role} options={[...ROLES].reverse().map((r): [string, string] => [r, t(`role.${r}`)])} onChange={setRole} />
        <button type="submit" className="button" disabled={!email.trim()}>
          {t("agents.submit")}
        </button>
      </form>
    </section>
  );
}
