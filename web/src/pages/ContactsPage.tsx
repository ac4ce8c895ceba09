// Contacts: search and tag filter, paging, adding one, importing a CSV (ContactImport.tsx);
// per contact its name, custom fields, tags, agent, exclusion, block, marketing opt-out and runs.

import { useEffect, useState, type FormEvent } from "react";
import { api, ApiError, errorText, query } from "../api/client";
import type { Agent, Contact, Page, Run } from "../api/types";
import { Link } from "../app/router";
import { useLoad } from "../ui/useLoad";
import { TextField } from "../ui/fields";
import { Empty, ErrorBanner, Loading, Notice, PageHeader, When } from "../ui/widgets";
import { t } from "../app/words/contacts";
import { t as words } from "../app/words/contactsPage";
import { tOr } from "../app/words/frame";
import { roleOf } from "../app/access";
import { useAuth } from "../app/auth";
import { ContactControls, patchContact } from "./ContactControls";
import { ContactImport } from "./ContactImport";

export default function ContactsPage() {
  const [search, setSearch] = useState("");
  const [tag, setTag] = useState("");
  const [applied, setApplied] = useState({ search: "", tag: "" });
  const [items, setItems] = useState<Contact[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const { agent } = useAuth();
  // Importing is for admins and owners (the server's role table); agents do not see the button.
  const canImport = roleOf(agent) !== "agent";
  const [message, setMessage] = useState<string | null>(null);
  const agents = useLoad(() => api.get<Page<Agent>>("/agents").then((p) => p.data).catch(() => [] as Agent[]), []);

  const load = async (after: string | null, filter = applied) => {
    setLoading(true);
    try {
      const page = await api.get<Page<Contact>>(`/contacts${query({ search: filter.search, tag: filter.tag, cursor: after, limit: 50 })}`);
      setItems((all) => (after ? [...all, ...page.data] : page.data));
      setCursor(page.next_cursor ?? null);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load(null);
    // (dependencies chosen on purpose: see above)
  }, []);

  const filter = (e: FormEvent) => {
    e.preventDefault();
    const f = { search: search.trim(), tag: tag.trim() };
    setApplied(f);
    void load(null, f);
  };

  const replace = (c: Contact) => setItems((all) => all.map((x) => (x.id === c.id ? c : x)));

  return (
    <>
      <PageHeader title={words("page.contacts")}>
        {canImport && (
          <button type="button" className="button" aria-expanded={importing} onClick={() => setImporting((a) => !a)}>
            {t("import.open")}
          </button>
        )}
        <button type="button" className="button-primary" aria-expanded={adding} onClick={() => setAdding((a) => !a)}>
          {words("contactsPage.add")}
        </button>
      </PageHeader>
      <ErrorBanner error={error} />
      {message && <Notice>{message}</Notice>}
      {importing && <ContactImport onDone={() => void load(null)} />}
      {adding && (
        <AddContact
          onAdded={(c) => {
            setAdding(false);
            setMessage(words("contactsPage.added", { phone: c.phone }));
            setItems((all) => [...all, c]);
          }}
        />
      )}
      <form className="toolbar" onSubmit={filter} role="search">
        <label className="field field-inline grow">
          <span>{words("contactsPage.search")}</span>
          <input type="search" value={search} placeholder={words("contactsPage.searchHint")} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label className="field field-inline">
          <span>{words("contactsPage.tag")}</span>
          <input value={tag} onChange={(e) => setTag(e.target.value)} />
        </label>
        <button type="submit" className="button">{words("contactsPage.filter")}</button>
      </form>
      {loading && items.length === 0 ? (
        <Loading height={240} />
      ) : items.length === 0 ? (
        <Empty>{words("contactsPage.none")}</Empty>
      ) : (
        <ul className="contact-list">
          {items.map((c) => (
            <li key={c.id} className="card contact-card" data-testid="contact-card">
              <button type="button" className="contact-summary" aria-expanded={openId === c.id} onClick={() => setOpenId(openId === c.id ? null : c.id)}>
                <span className="strong">{c.name || c.phone}</span>
                <span className="muted">{c.name ? c.phone : ""}</span>
                <span className="tags-inline">
                  {c.tags.map((tag) => <span key={tag} className="tag">{tag}</span>)}
                </span>
                {c.blocked && <span className="badge badge-bad">{words("contactsPage.blocked")}</span>}
                {c.excluded_from_automation && <span className="badge badge-warn">{words("contactsPage.excluded")}</span>}
                {c.opted_out && <span className="badge badge-warn">{t("optout.badge")}</span>}
              </button>
              {openId === c.id && <ContactDetail contact={c} agents={agents.data ?? []} onChange={replace} onDeleted={() => {
                setItems((all) => all.filter((x) => x.id !== c.id));
                setOpenId(null);
              }} />}
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <div className="pager">
          <button type="button" className="button" disabled={loading} onClick={() => void load(cursor)}>
            {words("common.loadMore")}
          </button>
        </div>
      )}
    </>
  );
}

type FieldValue = string | number | boolean | null;

function typed(kind: string, text: string): FieldValue {
  if (kind === "number") return text.trim() === "" ? null : Number(text);
  if (kind === "boolean") return text === "true";
  return text;
}

function kindOf(v: FieldValue): string {
  return typeof v === "number" ? "number" : typeof v === "boolean" ? "boolean" : "text";
}

function ContactDetail({ contact, agents, onChange, onDeleted }: { contact: Contact; agents: Agent[]; onChange: (c: Contact) => void; onDeleted: () => void }) {
  const [name, setName] = useState(contact.name);
  const [fields, setFields] = useState<Array<{ key: string; kind: string; text: string }>>(
    Object.entries(contact.fields).map(([key, v]) => ({ key, kind: kindOf(v), text: v === null ? "" : String(v) })),
  );
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const runs = useLoad(() => api.get<Page<Run>>(`/contacts/${encodeURIComponent(contact.id)}/runs`).then((p) => p.data), [contact.id]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const out: Record<string, FieldValue> = {};
      for (const f of fields) if (f.key.trim()) out[f.key.trim()] = typed(f.kind, f.text);
      // Removed fields are sent as null so they are cleared.
      for (const k of Object.keys(contact.fields)) if (!(k in out)) out[k] = null;
      onChange(await patchContact(contact.id, { name, fields: out }));
      setSaved(true);
    } catch (err) {
      setError(errorText(err));
    }
  };

  const remove = async () => {
    if (!window.confirm(words("contactsPage.confirmDelete", { phone: contact.phone }))) return;
    try {
      await api.del(`/contacts/${encodeURIComponent(contact.id)}`);
      onDeleted();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <div className="contact-detail">
      <form onSubmit={save} className="contact-form">
        <ErrorBanner error={error} />
        {saved && <Notice>{words("contactsPage.saved")}</Notice>}
        <TextField label={words("contactsPage.name")} value={name} onChange={setName} />
        <fieldset className="options">
          <legend>{words("contactsPage.customFields")}</legend>
          {fields.length === 0 && <p className="muted small">{words("contactsPage.noFields")}</p>}
          {fields.map((f, i) => (
            <div key={i} className="field-row">
              <label className="field">
                <span>{words("contactsPage.field")}</span>
                <input value={f.key} onChange={(e) => setFields(fields.map((x, k) => (k === i ? { ...x, key: e.target.value } : x)))} />
              </label>
              <label className="field">
                <span>{words("contactsPage.type")}</span>
                <select value={f.kind} onChange={(e) => setFields(fields.map((x, k) => (k === i ? { ...x, kind: e.target.value } : x)))}>
                  <option value="text">{words("contactsPage.kind.text")}</option>
                  <option value="number">{words("contactsPage.kind.number")}</option>
                  <option value="date">{words("contactsPage.kind.date")}</option>
                  <option value="boolean">{words("contactsPage.kind.boolean")}</option>
                </select>
              </label>
              <label className="field">
                <span>{words("contactsPage.value")}</span>
                {f.kind === "boolean" ? (
                  <select value={f.text || "false"} onChange={(e) => setFields(fields.map((x, k) => (k === i ? { ...x, text: e.target.value } : x)))}>
                    <option value="true">{words("contactsPage.yes")}</option>
                    <option value="false">{words("contactsPage.no")}</option>
                  </select>
                ) : (
                  <input type={f.kind === "number" ? "number" : f.kind === "date" ? "date" : "text"} value={f.text} onChange={(e) => setFields(fields.map((x, k) => (k === i ? { ...x, text: e.target.value } : x)))} />
                )}
              </label>
              <button type="button" className="icon-button" aria-label={words("contactsPage.removeField", { name: f.key })} onClick={() => setFields(fields.filter((_, k) => k !== i))}>
                ×
              </button>
            </div>
          ))}
          <button type="button" className="button small" onClick={() => setFields([...fields, { key: "", kind: "text", text: "" }])}>
            {words("contactsPage.addField")}
          </button>
        </fieldset>
        <div className="row">
          <button type="submit" className="button-primary">{words("contactsPage.save")}</button>
          <button type="button" className="button-danger" onClick={remove}>{words("contactsPage.delete")}</button>
        </div>
      </form>
      <ContactControls contact={contact} agents={agents} onChange={onChange} />
      <div className="runs">
        <h3>{words("contactsPage.runs")}</h3>
        {runs.loading && !runs.data ? <Loading height={60} /> : (runs.data ?? []).length === 0 ? <p className="muted small">{words("contactsPage.noRuns")}</p> : (
          <ul className="small">
            {(runs.data ?? []).map((r) => (
              <li key={r.id}>
                <Link to={`/workflows/${r.workflow_id}`}>{r.workflow_id}</Link> {words("contactsPage.runVersion", { version: String(r.workflow_version) })} ·{" "}
                {tOr(`contactsPage.state.${r.state}`, r.state)}
                {r.current_step ? words("contactsPage.runAt", { step: r.current_step }) : ""} · <When at={r.updated_at} /> ·{" "}
                <Link to={`/conversations/${r.conversation_id}`}>{words("contactsPage.conversation")}</Link>
              </li>
            ))}
          </ul>
        )}
        <ErrorBanner error={runs.error} />
      </div>
      <p className="muted small">{words("contactsPage.created")} <When at={contact.created_at} /> · {words("contactsPage.id")} <code>{contact.id}</code></p>
    </div>
  );
}

function AddContact({ onAdded }: { onAdded: (c: Contact) => void }) {
  const [phone, setPhone] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<ApiError | Error | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      onAdded(await api.post<Contact>("/contacts", { phone, name }));
    } catch (err) {
      setError(err instanceof Error ? err : new Error(errorText(err)));
    }
  };
  const fieldError = (f: string) => (error instanceof ApiError && error.field === f ? error.detail : null);
  return (
    <form className="section" onSubmit={submit} aria-labelledby="add-contact-title">
      <h2 id="add-contact-title">{words("contactsPage.add")}</h2>
      <ErrorBanner error={error?.message} />
      <div className="row">
        <TextField label={words("contactsPage.phone")} value={phone} placeholder="+393331234567" error={fieldError("phone")} onChange={setPhone} />
        <TextField label={words("contactsPage.name")} value={name} error={fieldError("name")} onChange={setName} />
      </div>
      <button type="submit" className="button-primary">{words("contactsPage.submit")}</button>
    </form>
  );
}
