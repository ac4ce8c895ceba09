// The getting-started checklist on Home: connect a number, build or pick a flow, test it, publish.
// It ticks itself from GET /onboarding, read again whenever the reader comes back to the tab or
// the window, and each item links to where it is done. Hidden once every item is done, or when
// dismissed (remembered in this browser, per agent).

import { useCallback, useEffect, useState } from "react";
import { api, ApiError } from "../api/client";
import { canUse, type Role } from "../app/access";
import { Link } from "../app/router";
import { t, type HomeKey } from "../app/words/home";

/** GET /onboarding's answer. */
export interface Onboarding {
  number_connected: boolean;
  workflow_created: boolean;
  draft_tested: boolean;
  workflow_published: boolean;
}

interface Item {
  done: keyof Onboarding;
  label: HomeKey;
  hint: HomeKey;
  to: string;
  page: "numbers" | "workflows";
}

const ITEMS: Item[] = [
  { done: "number_connected", label: "checklist.number", hint: "checklist.number.hint", to: "/numbers", page: "numbers" },
  { done: "workflow_created", label: "checklist.workflow", hint: "checklist.workflow.hint", to: "/workflows", page: "workflows" },
  { done: "draft_tested", label: "checklist.test", hint: "checklist.test.hint", to: "/workflows", page: "workflows" },
  { done: "workflow_published", label: "checklist.publish", hint: "checklist.publish.hint", to: "/workflows", page: "workflows" },
];

function dismissedKey(agentId: string | undefined): string {
  return `waflow.checklist.dismissed.${agentId ?? "token"}`;
}

/** Whether the checklist was dismissed in this browser, and a way to change it. */
export function useChecklistDismissed(agentId: string | undefined): [boolean, (value: boolean) => void] {
  const key = dismissedKey(agentId);
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(key) === "1");
  const set = useCallback(
    (value: boolean) => {
      if (value) localStorage.setItem(key, "1");
      else localStorage.removeItem(key);
      setDismissed(value);
    },
    [key],
  );
  return [dismissed, set];
}

export type OnboardingState = { kind: "loading" } | { kind: "ready"; progress: Onboarding } | { kind: "unavailable" };

/** GET /onboarding, read again when the page becomes visible or the window gets the focus. */
export function useOnboarding(): OnboardingState {
  const [state, setState] = useState<OnboardingState>({ kind: "loading" });
  useEffect(() => {
    let cancelled = false;
    const load = () => {
      api
        .get<Onboarding>("/onboarding")
        .then((progress) => {
          if (!cancelled) setState({ kind: "ready", progress });
        })
        .catch((e: unknown) => {
          // An older server (404), or one that cannot answer now: the checklist says so once, and
          // keeps the last answer it had if any.
          if (!cancelled) setState((s) => (s.kind === "ready" && !(e instanceof ApiError && e.status === 404) ? s : { kind: "unavailable" }));
        });
    };
    load();
    const onVisible = () => {
      if (document.visibilityState === "visible") load();
    };
    document.addEventListener("visibilitychange", onVisible);
    window.addEventListener("focus", load);
    return () => {
      cancelled = true;
      document.removeEventListener("visibilitychange", onVisible);
      window.removeEventListener("focus", load);
    };
  }, []);
  return state;
}

/** Whether every item is done. */
export function allDone(progress: Onboarding): boolean {
  return ITEMS.every((item) => progress[item.done]);
}

export function Checklist({ state, role, onDismiss }: { state: OnboardingState; role: Role; onDismiss: () => void }) {
  if (state.kind === "loading") return null;
  if (state.kind === "unavailable") {
    return (
      <p className="hint" role="status">
        {t("checklist.unavailable")}
      </p>
    );
  }
  const { progress } = state;
  const done = ITEMS.filter((item) => progress[item.done]).length;
  if (done === ITEMS.length) return null;
  return (
    <section className="section checklist" aria-labelledby="checklist-title">
      <div className="checklist-head">
        <h2 id="checklist-title">{t("checklist.title")}</h2>
        <span className="hint" data-testid="checklist-progress">
          {t("checklist.progress", { done: String(done), total: String(ITEMS.length) })}
        </span>
        <button type="button" className="button-quiet" onClick={onDismiss}>
          {t("checklist.dismiss")}
        </button>
      </div>
      <ol className="checklist-items">
        {ITEMS.map((item) => {
          const ticked = progress[item.done];
          const reachable = canUse(role, item.page);
          return (
            <li key={item.done} className={ticked ? "checklist-done" : undefined} data-testid={`checklist-${item.done}`} data-done={ticked ? "true" : "false"}>
              <span className="checklist-mark" aria-hidden="true">
                {ticked ? "✓" : ""}
              </span>
              <span className="checklist-text">
                {reachable ? <Link to={item.to}>{t(item.label)}</Link> : <span>{t(item.label)}</span>}
                <span className="visually-hidden">{` (${ticked ? t("checklist.done") : t("checklist.todo")})`}</span>
                <span className="hint">{reachable ? t(item.hint) : t("checklist.number.ownerOnly")}</span>
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
