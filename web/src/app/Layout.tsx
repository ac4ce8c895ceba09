// The frame of every signed-in page: the brand, the main navigation and who is signed in.

import type { ReactNode } from "react";
import { Link, useLocation } from "./router";
import { useAuth } from "./auth";

const NAV: Array<[string, string]> = [
  ["/workflows", "Workflows"],
  ["/conversations", "Conversations"],
  ["/numbers", "Numbers"],
  ["/contacts", "Contacts"],
  ["/logs", "Logs"],
  ["/settings", "Settings"],
];

export function Layout({ children, wide }: { children: ReactNode; wide?: boolean }) {
  const { path } = useLocation();
  const { agent, logout } = useAuth();
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/workflows" className="brand" aria-label="waflow home">
          waflow
        </Link>
        <nav aria-label="Main" className="nav">
          <ul>
            {NAV.map(([to, label]) => {
              const current = path === to || path.startsWith(`${to}/`);
              return (
                <li key={to}>
                  <Link to={to} aria-current={current ? "page" : undefined}>
                    {label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="who">
          {agent && <span className="who-name" title={agent.email}>{agent.name || agent.email}</span>}
          <button type="button" className="button-quiet" onClick={logout}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className={wide ? "main main-wide" : "main"} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
