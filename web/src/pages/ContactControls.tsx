// A contact's agent assignment, tags, exclusion from automation, block switch and marketing
// opt-out (campaigns skip an opted-out contact; conversations and workflows still work).

import { useState, type FormEvent } from "react";
import { api, errorText } from "../api/client";
import type { Agent, Contact } from "../api/types";
import { t } from "../app/words/contacts";
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
    const t = tag.trim();
    if (!t) return;
    setError(null);
    try {
      onChange(await api.post<Contact>(`/contacts/${encodeURIComponent(contact.id)}/tags`, { tags: [t] }));
      setTag("");
    } catch (err) {
      setError(errorText(err));
    }
  };
  const removeTag = async (t: string) => {
    setError(null);
    try {
      onChange(await api.del(`/contacts/${encodeURIComponent(contact.id)}/tags/${encodeURIComponent(t)}`).then(() => api.get<Contact>(`/contacts/${encodeURIComponent(contact.id)}`)));
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <div className="contact-controls">
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <label className="field">
        <span>Assigned agent</span>
        <select value={contact.assigned_agent_id ?? ""} onChange={(e) => void apply({ assigned_agent_id: e.target.value || null })}>
          <option value="">Nobody</option>
          {agents.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name || a.email}
            </option>
          ))}
        </select>
      </label>
      <div className="field">
        <span className="field-label">Tags</span>
        <ul className="tags">
          {contact.tags.length === 0 && <li className="muted small">No tags</li>}
          {contact.tags.map((t) => (
            <li key={t} className="tag">
              {t}
              <button type="button" className="tag-remove" aria-label={`Remove tag ${t}`} onClick={() => void removeTag(t)}>
                ×
              </button>
            </li>
          ))}
        </ul>
        <form className="row" onSubmit={addTag}>
          <label className="visually-hidden" htmlFor={`tag-${contact.id}`}>New tag</label>
          <input id={`tag-${contact.id}`} value={tag} placeholder="New tag" onChange={(e) => setTag(e.target.value)} className="grow" />
          <button type="submit" className="button small" disabled={!tag.trim()}>
            Add tag
          </button>
        </form>
      </div>
      <Switch checked={contact.excluded_from_automation} label="Excluded from automation" onChange={(v) => void apply({ excluded_from_automation: v })} />
      <Switch checked={contact.blocked} label="Blocked" onChange={(v) => void apply({ blocked: v })} />
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
