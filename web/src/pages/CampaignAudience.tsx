// A new campaign's audience: a contact list, a tag, a field that equals a value, everyone, or a
// CSV file imported into a new list (ContactImport.tsx) which the campaign then targets; and an
// optional tag whose contacts are left out.

import { useId } from "react";
import { api } from "../api/client";
import type { Audience, ContactList } from "../api/types";
import { t } from "../app/words/campaignForm";
import { formatCount } from "../ui/format";
import { useLoad } from "../ui/useLoad";
import { ContactImport } from "./ContactImport";

export type AudienceKind = "list" | "tag" | "field" | "all" | "csv";

/** The audience as the form holds it, complete or not. */
export interface AudienceDraft {
  kind: AudienceKind;
  list: string;
  tag: string;
  fieldName: string;
  fieldEquals: string;
  excludeTag: string;
  /** The list the uploaded CSV was imported into, once its import is done. */
  imported: string | null;
}

export const EMPTY_AUDIENCE: AudienceDraft = { kind: "list", list: "", tag: "", fieldName: "", fieldEquals: "", excludeTag: "", imported: null };

/** The audience to send, or null while the form lacks something. */
export function audienceOf(d: AudienceDraft): Audience | null {
  let a: Audience | null = null;
  if (d.kind === "list" && d.list) a = { list: d.list };
  if (d.kind === "csv" && d.imported) a = { list: d.imported };
  if (d.kind === "tag" && d.tag.trim()) a = { tag: d.tag.trim() };
  if (d.kind === "field" && d.fieldName.trim()) a = { field: { name: d.fieldName.trim(), equals: d.fieldEquals } };
  if (d.kind === "all") a = { all: true };
  if (a && d.excludeTag.trim()) a = { ...a, exclude_tag: d.excludeTag.trim() };
  return a;
}

const KINDS: AudienceKind[] = ["list", "tag", "field", "all", "csv"];

export function AudienceFields({ value, onChange, campaignName }: { value: AudienceDraft; onChange: (d: AudienceDraft) => void; campaignName: string }) {
  const listId = useId();
  const lists = useLoad(() => api.get<{ data: ContactList[] }>("/lists").then((p) => p.data), []);
  const set = (patch: Partial<AudienceDraft>) => onChange({ ...value, ...patch });
  const suggestedList = `${(campaignName.trim() || t("campaign.audience.csvListDefault")).toLowerCase().replace(/\s+/g, "-")}-${new Date().toISOString().slice(0, 10)}`;

  return (
    <fieldset className="options">
      <legend>{t("campaign.audience")}</legend>
      <div className="radio-row" role="radiogroup" aria-label={t("campaign.audience")}>
        {KINDS.map((k) => (
          <label key={k} className="check">
            <input type="radio" name="audience-kind" checked={value.kind === k} onChange={() => set({ kind: k })} />
            <span>{t(`campaign.audience.kind.${k}`)}</span>
          </label>
        ))}
      </div>
      {value.kind === "list" && (
        <div className="field">
          <label htmlFor={listId} className="field-label">
            {t("campaign.audience.list")}
          </label>
          <select id={listId} value={value.list} onChange={(e) => set({ list: e.target.value })}>
            <option value="">{t("campaign.audience.chooseList")}</option>
            {(lists.data ?? []).map((l) => (
              <option key={l.name} value={l.name}>
                {t("campaign.audience.listOption", { name: l.name, n: formatCount(l.contacts) })}
              </option>
            ))}
          </select>
          {lists.data && lists.data.length === 0 && <span className="hint">{t("campaign.audience.noLists")}</span>}
        </div>
      )}
      {value.kind === "tag" && (
        <label className="field">
          <span>{t("campaign.audience.tag")}</span>
          <input value={value.tag} onChange={(e) => set({ tag: e.target.value })} />
        </label>
      )}
      {value.kind === "field" && (
        <div className="row">
          <label className="field">
            <span>{t("campaign.audience.fieldName")}</span>
            <input value={value.fieldName} placeholder="city" onChange={(e) => set({ fieldName: e.target.value })} />
          </label>
          <label className="field">
            <span>{t("campaign.audience.fieldEquals")}</span>
            <input value={value.fieldEquals} placeholder="Roma" onChange={(e) => set({ fieldEquals: e.target.value })} />
          </label>
        </div>
      )}
      {value.kind === "all" && <p className="muted small">{t("campaign.audience.allHint")}</p>}
      {value.kind === "csv" && (
        <ContactImport
          title={t("campaign.audience.csvTitle")}
          submitLabel={t("campaign.audience.csvImport")}
          list={suggestedList}
          listRequired
          onDone={(imp, list) => {
            if (imp.state === "done") {
              set({ imported: list });
              lists.reload();
            }
          }}
        />
      )}
      {value.kind === "csv" && value.imported && <p className="small">{t("campaign.audience.csvTargets", { name: value.imported })}</p>}
      <label className="field">
        <span>{t("campaign.audience.excludeTag")}</span>
        <input value={value.excludeTag} onChange={(e) => set({ excludeTag: e.target.value })} />
        <span className="hint">{t("campaign.audience.excludeHint")}</span>
      </label>
    </fieldset>
  );
}
