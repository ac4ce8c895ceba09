// Home's "at a glance": every number's status and, when it is not connected, why (the server's
// reason), then the period's failures against its runs, each with a status in words and a link
// to where it is fixed or explained.

import { canUse, type Role } from "../app/access";
import { Link } from "../app/router";
import { channelWords, statusWords, t } from "../app/words/home";
import { formatCount } from "../ui/format";
import { ToneBadge, type Tone } from "../ui/widgets";
import { sumOf, type Stats } from "./homeStats";

function toneOf(status: string): Tone {
  if (status === "connected") return "ok";
  if (status === "pairing") return "info";
  if (status === "disconnected") return "warn";
  return "bad";
}

export function HomeHealth({ stats, days, role }: { stats: Stats; days: number; role: Role }) {
  const numbers = stats.numbers;
  const troubled = numbers.filter((n) => n.status !== "connected");
  const runs = sumOf(stats, "runs");
  const failures = sumOf(stats, "failures");
  const numbersLink = canUse(role, "numbers") ? <Link to="/numbers">{t("home.health.openNumbers")}</Link> : null;
  return (
    <section className="section home-health" aria-labelledby="health-title">
      <h2 id="health-title">{t("home.health")}</h2>
      <div className="home-health-grid">
        <div data-testid="health-numbers">
          <h3>{t("home.health.numbers")}</h3>
          {numbers.length === 0 ? (
            <p className="home-health-line">
              <ToneBadge tone="warn" label="!" /> {t("home.health.noNumbers")} {numbersLink}
            </p>
          ) : (
            <>
              <p className="home-health-line" role="status">
                {troubled.length === 0 ? t("home.health.allGood") : t("home.health.attention", { n: formatCount(troubled.length) })}
                {troubled.length > 0 && numbersLink && <> {numbersLink}</>}
              </p>
              <ul className="home-numbers">
                {numbers.map((n) => (
                  <li key={n.id}>
                    <span className="home-number-name">{n.label}</span>{" "}
                    {channelWords(n.channel) !== n.label && <span className="hint">{channelWords(n.channel)} </span>}
                    <ToneBadge tone={toneOf(n.status)} label={statusWords(n.status)} />
                    {n.status !== "connected" && n.status_reason && <span className="home-number-reason">{n.status_reason}</span>}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
        <div data-testid="health-failures">
          <h3>{t("home.failures")}</h3>
          <p className="home-health-line">
            {failures === 0 ? (
              <>
                <ToneBadge tone="ok" label="✓" /> {t("home.health.noFailures", { n: formatCount(days) })}
              </>
            ) : (
              <>
                <ToneBadge tone="bad" label="!" /> {t("home.failureRate", { failures: formatCount(failures), runs: formatCount(runs) })}{" "}
                <Link to="/logs">{t("home.seeLogs")}</Link>
              </>
            )}
          </p>
        </div>
      </div>
    </section>
  );
}
