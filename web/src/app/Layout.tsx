// The frame of every signed-in page: the brand, the main navigation (only the pages the signed-in
// role may use, see access.ts), the language picker and who is signed in. Below 760 px the
// navigation folds into a "Menu" button that opens a panel listing every page (Escape or a
// choice closes it, and focus goes back to the button).

import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { ALLOWED, landingPath, PAGES, roleOf } from "./access";
import { Link, useLocation } from "./router";
import { useAuth } from "./auth";
import { t } from "./words/frame";
import { LanguagePicker } from "../ui/LanguagePicker";

export function Layout({ children, wide }: { children: ReactNode; wide?: boolean }) {
  const { path } = useLocation();
  const { agent, logout } = useAuth();
  const role = roleOf(agent);
  const nav = PAGES.filter((p) => ALLOWED[role].includes(p.id));
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  // A new page closes the menu.
  useEffect(() => setOpen(false), [path]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <header className={open ? "topbar menu-open" : "topbar"}>
        <Link to={landingPath(role)} className="brand" aria-label={t("nav.home")}>
          waflow
        </Link>
        <button
          ref={button}
          type="button"
          className="menu-button"
          aria-expanded={open}
          aria-controls={panelId}
          onClick={() => setOpen((o) => !o)}
        >
          <span aria-hidden="true" className="menu-icon">{open ? "✕" : "☰"}</span> {t("menu.button")}
        </button>
        <nav aria-label={t("nav.main")} className="nav" id={panelId}>
          <ul>
            {nav.map(({ path: to, label }) => {
              const current = path === to || path.startsWith(`${to}/`);
              return (
                <li key={to}>
                  <Link to={to} aria-current={current ? "page" : undefined} onClick={() => setOpen(false)}>
                    {t(label)}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="who">
          <LanguagePicker />
          {agent && <span className="who-name" title={agent.email}>{agent.name || agent.email}</span>}
          <button type="button" className="button-quiet" onClick={() => void logout()}>
            {t("nav.signOut")}
          </button>
        </div>
      </header>
      <main id="main" className={wide ? "main main-wide" : "main"} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
