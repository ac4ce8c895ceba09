// What a signed-out visitor sees: the first-run page while the server has no owner (GET /setup →
// needs_owner), the sign-in page otherwise — also when the server cannot say (an older waflow
// without /setup, or unreachable: signing in then explains itself). Small on purpose: it is in
// the first bundle, the setup page and its words load only when needed.

import { lazy, Suspense, useEffect, useState } from "react";
import { api } from "../api/client";
import { t } from "../app/i18n";
import { Loading } from "../ui/widgets";
import { LoginPage } from "./LoginPage";

const SetupPage = lazy(() => import("./SetupPage"));

export function FirstRunGate() {
  const [needsOwner, setNeedsOwner] = useState<boolean | null>(null);
  useEffect(() => {
    let cancelled = false;
    api
      .get<{ needs_owner?: boolean }>("/setup")
      .then((answer) => !cancelled && setNeedsOwner(answer?.needs_owner === true))
      .catch(() => !cancelled && setNeedsOwner(false));
    return () => {
      cancelled = true;
    };
  }, []);
  if (needsOwner === null) return <Loading label={t("app.checking")} height={240} />;
  if (!needsOwner) return <LoginPage />;
  return (
    <Suspense fallback={<Loading label={t("app.checking")} height={240} />}>
      <SetupPage onOwnerExists={() => setNeedsOwner(false)} />
    </Suspense>
  );
}
