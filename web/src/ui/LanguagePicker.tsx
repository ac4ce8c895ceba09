// The language picker: the dashboard's four languages, each named in itself; the choice applies
// at once (the app re-renders in it) and is kept in localStorage "waflow.lang" (i18n.ts).

import { useId } from "react";
import { LANGUAGES, setLang, useLang, type Lang } from "../app/i18n";
import { t } from "../app/words/frame";

export function LanguagePicker({ className }: { className?: string }) {
  const current = useLang();
  const id = useId();
  return (
    <span className={`lang-picker${className ? ` ${className}` : ""}`}>
      <svg aria-hidden="true" className="lang-picker-icon" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="1.8">
        <circle cx="12" cy="12" r="9" />
        <path d="M3 12h18M12 3c2.5 2.6 3.8 5.6 3.8 9s-1.3 6.4-3.8 9c-2.5-2.6-3.8-5.6-3.8-9S9.5 5.6 12 3z" />
      </svg>
      <label htmlFor={id} className="visually-hidden">
        {t("lang.label")}
      </label>
      <select id={id} value={current} onChange={(e) => setLang(e.target.value as Lang)}>
        {LANGUAGES.map(([code, name]) => (
          <option key={code} value={code} lang={code}>
            {name}
          </option>
        ))}
      </select>
    </span>
  );
}
