// A contact's agent assignment, tags, exclusion from automation, block switch and marketing
// opt-out (campaigns skip an opted-out contact; conversations and workflows still work).

import { useState, type FormEvent } from "react";
import { api, errorText } from "../api/client";
import type { Agent, Contact } from "../api/types";
import { t } from "../app/words/contacts";
import { t as words } from "../app/words/contactsPage";
import { formatInstant } from "../ui/format";
import { ErrorBanner, Switch } from "../ui/widgets";

export type ContactPatch = Partial<Pick<Contact, "name" | "tags" | "fields" | "assigned_agent_id" | "blocked" | "excluded_from_automation" | "opted_out">>;

export function patchContact(id: string, patch: ContactPatch): Promise<Contact> {
  return api.patch<Contact>(`/contacts/${encodeURIComponent(id)}`, patch);
}

export function ContactControls({ contact, agents, onChange }: { contact: Contact; agents: Agent[]; onChange: (c: Contact) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [tag, setTag] = useState("");

  const apply = async (patch: ContactPatch) => {
    setError(null);
    try {
      onChange(await patchContact(contact.id, patch));
    } catch (e) {
      setError(errorText(e));
    }
  };
  const addTag = async (e: FormEvent) => {
    e.preventDefault();
    const name = tag.trim();
    if (!name) return;
    setError(null);
    try {
      onChange(await api.post<Contact>(`/contacts/${encodeURIComponent(contact.id)}/tags`, { tags: [name] }));
      setTag("");
    } catch (err) {
      setError(errorText(err));
    }
  };
  const removeTag = async (name: string) => {
    setError(null);
    try {
      onChange(await api.del(`/contacts/${encodeURIComponent(contact.id)}/tags/${encodeURIComponent(name)}`).then(() => api.get<Contact>(`/contacts/${encodeURIComponent(contact.id)}`)));
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <div className="contact-controls">
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <label className="field">
        <span>{words("contactsPage.agent")}</span>
        <select value={contact.assigned_agent_id ?? ""} onChange={(e) => void apply({ assigned_agent_id: e.target.value || null })}>
          <option value="">{words("contactsPage.nobody")}</option>
          {agents.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name || a.email}
            </option>
          ))}
        </select>
      </label>
      <div className="field">
        <span className="field-label">{words("contactsPage.tags")}</span>
        <ul className="tags">
          {contact.tags.length === 0 && <li className="muted small">{words("contactsPage.noTags")}</li>}
          {contact.tags.map((name) => (
            <li key={name} className="tag">
              {name}
              <button type="button" className="tag-remove" aria-label={words("contactsPage.removeTag", { tag: name })} onClick={() => void removeTag(name)}>
                ×
              </button>
            </li>
          ))}
        </ul>
        <form className="row" onSubmit={addTag}>
          <label className="visually-hidden" htmlFor={`tag-${contact.id}`}>{words("contactsPage.newTag")}</label>
          <input id={`tag-${contact.id}`} value={tag} placeholder={words("contactsPage.newTag")} onChange={(e) => setTag(e.target.value)} className="grow" />
          <button type="submit" className="button small" disabled={!tag.trim()}>
            {words("contactsPage.addTag")}
          </button>
        </form>
      </div>
      <Switch checked={contact.excluded_from_automation} label={words("contactsPage.excludedSwitch")} onChange={(v) => void apply({ excluded_from_automation: v })} />
      <Switch checked={contact.blocked} label={words("contactsPage.blockedSwitch")} onChange={(v) => void apply({ blocked: v })} />
      {contact.opted_out !== undefined && (
        <div className="optout">
          <Switch checked={contact.opted_out} label={t("optout.switch")} onChange={(v) => void apply({ opted_out: v })} />
          <span className="hint">
            {contact.opted_out && contact.opted_out_at ? t("optout.since", { when: formatInstant(contact.opted_out_at) }) : t("optout.hint")}
          </span>
        </div>
      )}
    </div>
  );
}
