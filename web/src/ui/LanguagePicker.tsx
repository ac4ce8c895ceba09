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
      <span aria-hidden="true" className="lang-picker-icon">
        🌐
      </span>
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
