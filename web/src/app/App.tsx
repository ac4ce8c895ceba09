// The app: sign-in gate, then one page per route. Choosing another language re-mounts everything
// under the app (the pages load again), so every word and date is written anew in it.

import { Suspense, useEffect, useState, type ReactNode } from "react";
import { loadable, type Loadable } from "./loadable";
import { canUse, landingPath, pageOf, PAGES, roleOf, type PageId, type Role } from "./access";
import { useAuth } from "./auth";
import { ErrorBoundary } from "./ErrorBoundary";
import { Layout } from "./Layout";
import { t, useLang } from "./i18n";
import { match, navigate, useLocation } from "./router";
import { FirstRunGate } from "../pages/FirstRunGate";
import { Loading } from "../ui/widgets";

// Every page is loaded with its own code (`loadable`); the page the browser opens on is loaded
// beside the session check (`firstPage`), so it renders at once when the check ends.
// The builder carries the canvas library: loaded only when a workflow is opened.
const BuilderPage = loadable(() => import("../builder/BuilderPage"));
// Owners and admins land on Home, agents on Conversations: the first page carries neither the
// workflows list nor the builder's words it describes steps with.
const WorkflowsPage = loadable<object>(() => import("../pages/WorkflowsPage").then((m) => ({ default: m.WorkflowsPage })));
const HomePage = loadable(() => import("../pages/HomePage"));
const ConversationsPage = loadable(() => import("../pages/ConversationsPage"));
const NumbersPage = loadable(() => import("../pages/NumbersPage"));
const TemplatesPage = loadable(() => import("../pages/TemplatesPage"));
const ContactsPage = loadable(() => import("../pages/ContactsPage"));
const LogsPage = loadable(() => import("../pages/LogsPage"));
const SettingsPage = loadable(() => import("../pages/SettingsPage"));
const ScheduledPage = loadable(() => import("../pages/ScheduledPage"));
const CampaignsPage = loadable(() => import("../pages/CampaignsPage"));
const CampaignForm = loadable(() => import("../pages/CampaignForm"));
const CampaignDetail = loadable(() => import("../pages/CampaignDetail"));

/** The code of the page at `path` (Home for `/`, where owners and admins land), if any. */
function pageCode(path: string): Promise<unknown> {
  const pages: Array<[RegExp, Loadable<never>]> = [
    [/^\/(home)?$/, HomePage],
    [/^\/workflows\/[^/]+/, BuilderPage],
    [/^\/workflows$/, WorkflowsPage],
    [/^\/conversations/, ConversationsPage],
    [/^\/numbers/, NumbersPage],
    [/^\/templates/, TemplatesPage],
    [/^\/contacts/, ContactsPage],
    [/^\/logs/, LogsPage],
    [/^\/settings/, SettingsPage],
    [/^\/scheduled/, ScheduledPage],
    [/^\/campaigns\/new/, CampaignForm],
    [/^\/campaigns\/[^/]+/, CampaignDetail],
    [/^\/campaigns$/, CampaignsPage],
  ];
  const found = pages.find(([pattern]) => pattern.test(path));
  return found ? found[1].preload().catch(() => undefined) : Promise.resolve();
}

const firstPage = typeof location === "undefined" ? Promise.resolve() : pageCode(location.pathname);

function route(path: string): { page: ReactNode | null; wide?: boolean } {
  let m: Record<string, string> | null;
  if (match("/home", path)) return { page: <HomePage /> };
  if ((m = match("/workflows/:id", path))) return { page: <BuilderPage id={m.id ?? ""} />, wide: true };
  if (match("/workflows", path)) return { page: <WorkflowsPage /> };
  if ((m = match("/conversations/:id", path))) return { page: <ConversationsPage selected={m.id ?? null} />, wide: true };
  if (match("/conversations", path)) return { page: <ConversationsPage selected={null} />, wide: true };
  if (match("/scheduled", path)) return { page: <ScheduledPage /> };
  if (match("/campaigns/new", path)) return { page: <CampaignForm /> };
  if ((m = match("/campaigns/:id", path))) return { page: <CampaignDetail id={m.id ?? ""} /> };
  if (match("/campaigns", path)) return { page: <CampaignsPage /> };
  if (match("/numbers", path)) return { page: <NumbersPage /> };
  if (match("/templates", path)) return { page: <TemplatesPage /> };
  if (match("/contacts", path)) return { page: <ContactsPage /> };
  if (match("/logs", path)) return { page: <LogsPage /> };
  if (match("/settings", path)) return { page: <SettingsPage /> };
  return { page: null };
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function GoTo({ path }: { path: string }) {
  const target = PAGES.find((p) => p.path === path);
  return (
    <p>
      <button type="button" className="button" onClick={() => navigate(path)}>
        {t("app.goTo", { page: target ? t(target.label) : path })}
      </button>
    </p>
  );
}

function NotFound({ home }: { home: string }) {
  return (
    <div className="empty">
      <h1>{t("app.notFound")}</h1>
      <GoTo path={home} />
    </div>
  );
}

/** A page the signed-in role cannot use: said in words instead of the server's 403. */
function Forbidden({ role, page, home }: { role: Role; page: PageId; home: string }) {
  const label = PAGES.find((p) => p.id === page)?.label ?? "page.workflows";
  return (
    <div className="empty" role="alert">
      <h1>{t("app.forbiddenTitle")}</h1>
      <p>{t("app.forbiddenText", { role: t(`role.${role}`), page: t(label) })}</p>
      <GoTo path={home} />
    </div>
  );
}

export function App() {
  const language = useLang();
  return <Screens key={language} />;
}

function Screens() {
  const { status, agent } = useAuth();
  const { path } = useLocation();
  const [firstPageHere, setFirstPageHere] = useState(false);
  useEffect(() => {
    void firstPage.then(() => setFirstPageHere(true));
  }, []);
  if (status === "checking" || (status === "signed_in" && !firstPageHere)) return <Loading label={t("app.checking")} height={240} />;
  if (status === "signed_out") return <FirstRunGate />;
  const role = roleOf(agent);
  const home = landingPath(role);
  if (path === "/" || path === "/login") return <Redirect to={home} />;
  const id = pageOf(path);
  const { page, wide } = route(path);
  let shown: ReactNode;
  if (id && !canUse(role, id)) shown = <Forbidden role={role} page={id} home={home} />;
  else shown = page ?? <NotFound home={home} />;
  return (
    <Layout wide={wide && shown === page}>
      <ErrorBoundary resetKey={path}>
        <Suspense fallback={<Loading height={320} />}>{shown}</Suspense>
      </ErrorBoundary>
    </Layout>
  );
}
