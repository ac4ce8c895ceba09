// Home: the first page owners and admins see. The getting-started checklist (until it is done or
// dismissed), the numbers' health at a glance, the period's totals, and per-day charts of
// messages in and out, runs and failures, AI credits, and replies per flow, for the last 7, 30
// or 90 days (GET /stats?days=N; the period is kept in the address, `?days=30`).

import { api, ApiError } from "../api/client";
import { roleOf } from "../app/access";
import { useAuth } from "../app/auth";
import { navigate, useLocation } from "../app/router";
import { t } from "../app/words/home";
import { formatCount } from "../ui/format";
import { useLoad } from "../ui/useLoad";
import { ErrorBanner, Loading, PageHeader } from "../ui/widgets";
import { allDone, Checklist, useChecklistDismissed, useOnboarding } from "./Checklist";
import { HomeCharts } from "./HomeCharts";
import { HomeHealth } from "./HomeHealth";
import { sumOf, type Stats } from "./homeStats";
import "./home.css";

export const PERIODS = [7, 30, 90] as const;
export type Period = (typeof PERIODS)[number];

function periodFrom(params: URLSearchParams): Period {
  const n = Number(params.get("days"));
  return (PERIODS as readonly number[]).includes(n) ? (n as Period) : 7;
}

function PeriodSwitch({ value }: { value: Period }) {
  return (
    <div role="group" aria-label={t("home.period")} className="segmented">
      {PERIODS.map((n) => (
        <button
          key={n}
          type="button"
          className={n === value ? "segmented-on" : undefined}
          aria-pressed={n === value}
          onClick={() => navigate(n === 7 ? "/home" : `/home?days=${n}`, { replace: true })}
        >
          {t("home.days", { n: formatCount(n) })}
        </button>
      ))}
    </div>
  );
}

const TOTALS = [
  { key: "messages_in", label: "home.messagesIn" },
  { key: "messages_out", label: "home.messagesOut" },
  { key: "runs", label: "home.runs" },
  { key: "failures", label: "home.failures" },
  { key: "ai_credits", label: "home.aiCredits" },
] as const;

function Totals({ stats }: { stats: Stats }) {
  return (
    <section aria-labelledby="totals-title">
      <h2 id="totals-title" className="visually-hidden">
        {t("home.totals")}
      </h2>
      <dl className="home-totals">
        {TOTALS.map(({ key, label }) => (
          <div key={key} className={`home-total${key === "failures" && sumOf(stats, key) > 0 ? " home-total-bad" : ""}`} data-testid={`total-${key}`}>
            <dt>{t(label)}</dt>
            <dd>{formatCount(sumOf(stats, key))}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

export default function HomePage() {
  const { agent } = useAuth();
  const role = roleOf(agent);
  const { params } = useLocation();
  const days = periodFrom(params);
  const [dismissed, setDismissed] = useChecklistDismissed(agent?.id);
  const onboarding = useOnboarding();
  // null: the server has no statistics (an older waflow).
  const stats = useLoad<Stats | null>(
    () =>
      api.get<Stats>(`/stats?days=${days}`).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    [days],
  );
  const missing = stats.data === null;

  return (
    <div className="home">
      <PageHeader title={t("home.title")}>
        <PeriodSwitch value={days} />
      </PageHeader>
      {!dismissed && <Checklist state={onboarding} role={role} onDismiss={() => setDismissed(true)} />}
      {missing ? (
        <p className="empty" role="status">
          {t("home.unavailable")}
        </p>
      ) : (
        <>
          <ErrorBanner error={stats.error} />
          {!stats.data ? (
            stats.loading && <Loading label={t("home.loading")} height={360} />
          ) : (
            <div aria-busy={stats.loading} className="home-body">
              <p className="hint">{t("home.periodNote", { n: formatCount(days) })}</p>
              <HomeHealth stats={stats.data} days={days} role={role} />
              <Totals stats={stats.data} />
              <HomeCharts stats={stats.data} days={days} />
            </div>
          )}
        </>
      )}
      {dismissed && onboarding.kind === "ready" && !allDone(onboarding.progress) && (
        <p>
          <button type="button" className="button-quiet" onClick={() => setDismissed(false)}>
            {t("checklist.show")}
          </button>
        </p>
      )}
    </div>
  );
}

