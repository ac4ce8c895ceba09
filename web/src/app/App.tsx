// The app: sign-in gate, then one page per route.

import { lazy, Suspense, useEffect, type ReactNode } from "react";
import { useAuth } from "./auth";
import { ErrorBoundary } from "./ErrorBoundary";
import { Layout } from "./Layout";
import { match, navigate, useLocation } from "./router";
import { LoginPage } from "../pages/LoginPage";
import { WorkflowsPage } from "../pages/WorkflowsPage";
import { Loading } from "../ui/widgets";

// The builder carries the canvas library: loaded only when a workflow is opened.
const BuilderPage = lazy(() => import("../builder/BuilderPage"));
const ConversationsPage = lazy(() => import("../pages/ConversationsPage"));
const NumbersPage = lazy(() => import("../pages/NumbersPage"));
const ContactsPage = lazy(() => import("../pages/ContactsPage"));
const LogsPage = lazy(() => import("../pages/LogsPage"));
const SettingsPage = lazy(() => import("../pages/SettingsPage"));

function route(path: string): { page: ReactNode; wide?: boolean } {
  let m: Record<string, string> | null;
  if ((m = match("/workflows/:id", path))) return { page: <BuilderPage id={m.id ?? ""} />, wide: true };
  if (match("/workflows", path)) return { page: <WorkflowsPage /> };
  if ((m = match("/conversations/:id", path))) return { page: <ConversationsPage selected={m.id ?? null} />, wide: true };
  if (match("/conversations", path)) return { page: <ConversationsPage selected={null} />, wide: true };
  if (match("/numbers", path)) return { page: <NumbersPage /> };
  if (match("/contacts", path)) return { page: <ContactsPage /> };
  if (match("/logs", path)) return { page: <LogsPage /> };
  if (match("/settings", path)) return { page: <SettingsPage /> };
  return { page: <NotFound /> };
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function NotFound() {
  return (
    <div className="empty">
      <h1>Page not found</h1>
      <p>
        <button type="button" className="button" onClick={() => navigate("/workflows")}>
          Go to workflows
        </button>
      </p>
    </div>
  );
}

export function App() {
  const { status } = useAuth();
  const { path } = useLocation();
  if (status === "checking") return <Loading label="Checking your session…" height={240} />;
  if (status === "signed_out") return <LoginPage />;
  if (path === "/" || path === "/login") return <Redirect to="/workflows" />;
  const { page, wide } = route(path);
  return (
    <Layout wide={wide}>
      <ErrorBoundary resetKey={path}>
        <Suspense fallback={<Loading height={320} />}>{page}</Suspense>
      </ErrorBoundary>
    </Layout>
  );
}
