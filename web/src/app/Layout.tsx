// The frame of every signed-in page: the brand, the main navigation (only the pages the signed-in
// role may use, see access.ts) and who is signed in.

import type { ReactNode } from "react";
import { ALLOWED, landingPath, PAGES, roleOf } from "./access";
import { Link, useLocation } from "./router";
import { useAuth } from "./auth";
import { t } from "./i18n";

export function Layout({ children, wide }: { children: ReactNode; wide?: boolean }) {
  const { path } = useLocation();
  const { agent, logout } = useAuth();
  const role = roleOf(agent);
  const nav = PAGES.filter((p) => ALLOWED[role].includes(p.id));
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <header className="topbar">
        <Link to={landingPath(role)} className="brand" aria-label={t("nav.home")}>
          waflow
        </Link>
        <nav aria-label={t("nav.main")} className="nav">
          <ul>
            {nav.map(({ path: to, label }) => {
              const current = path === to || path.startsWith(`${to}/`);
              return (
                <li key={to}>
                  <Link to={to} aria-current={current ? "page" : undefined}>
                    {t(label)}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="who">
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
