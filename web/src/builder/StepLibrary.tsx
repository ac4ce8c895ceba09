// The step library: a search box and one button per step type, grouped. In the side column a
// new step goes after the selected one; in the insert dialog, on the edge it was opened for.

import { useId, useState } from "react";
import { t } from "../app/words/builder";
import { kindLabel, STEP_KINDS, type StepKind } from "./catalog";

const GROUPS: Array<StepKind["group"]> = ["Messages", "Flow", "Contact", "Integration"];
const GROUP_KEYS = { Messages: "library.group.messages", Flow: "library.group.flow", Contact: "library.group.contact", Integration: "library.group.integration" } as const;

/** Lower case, without accents: "Réponse" matches "repon". */
function fold(s: string): string {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

export function StepLibrary({ onAdd, hint, autoFocus = false }: { onAdd: (kind: StepKind) => void; hint?: string; autoFocus?: boolean }) {
  const [query, setQuery] = useState("");
  const id = useId();
  const words = fold(query).split(/\s+/).filter(Boolean);
  const matches = (k: StepKind) => {
    const hay = fold(`${kindLabel(k)} ${k.type.replace(/_/g, " ")}`);
    return words.every((w) => hay.includes(w));
  };
  const shown = STEP_KINDS.filter(matches);
  return (
    <section className="panel-section library" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t("library.title")}</h2>
      <p className="hint">{hint ?? t("library.hint")}</p>
      <label className="field library-search">
        <span className="visually-hidden">{t("library.search")}</span>
        <input
          type="search"
          value={query}
          placeholder={t("library.searchPlaceholder")}
          aria-label={t("library.search")}
          // The dialog opens for one purpose: typing the step's name.
          // eslint-disable-next-line jsx-a11y/no-autofocus
          autoFocus={autoFocus}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && shown.length === 1 && shown[0]) {
              e.preventDefault();
              onAdd(shown[0]);
            }
          }}
        />
      </label>
      {shown.length === 0 && <p className="muted" role="status">{t("library.none", { query })}</p>}
      {GROUPS.map((g) => {
        const kinds = shown.filter((k) => k.group === g);
        if (!kinds.length) return null;
        return (
          <div key={g} role="group" aria-label={t(GROUP_KEYS[g])}>
            <h3 className="library-group">{t(GROUP_KEYS[g])}</h3>
            <ul className="library-list">
              {kinds.map((k) => (
                <li key={k.type}>
                  <button type="button" className="button small" onClick={() => onAdd(k)}>
                    + {kindLabel(k)}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </section>
  );
}

/** The library in a dialog, for a step inserted on one edge (the "+" on the canvas). */
export function InsertDialog({ where, onAdd, onClose }: { where: string; onAdd: (kind: StepKind) => void; onClose: () => void }) {
  return (
    <div className="insert-backdrop" onClick={onClose}>
      <div
        className="insert-dialog"
        role="dialog"
        aria-modal="true"
        aria-label={t("insert.title")}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === "Escape" && onClose()}
      >
        <div className="dialog-head">
          <span className="strong">{t("insert.title")}</span>
          <button type="button" className="icon-button" aria-label={t("insert.close")} onClick={onClose}>
            ×
          </button>
        </div>
        <StepLibrary onAdd={onAdd} hint={where} autoFocus />
      </div>
    </div>
  );
}
