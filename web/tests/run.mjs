// The dashboard's browser tests: the main scenario and one test per page, against the real
// waflow binary (WAFLOW_BIN) in Debian's chromium. Prints "N passed, N failed"; exits non-zero on
// any failure. WAFLOW_SERVES_WEB=1: the binary serves the dashboard itself (no static server).

import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, newPage, OUTPUT, startWaflow } from "./harness.mjs";
import { mainScenario } from "./scenario.mjs";
import { PAGE_TESTS } from "./pages.mjs";
import { AI_TESTS } from "./ai.mjs";
import { OUTBOUND_TESTS } from "./outbound.mjs";
import { LANGUAGE_TESTS } from "./language.mjs";
import { NUMBER_TESTS } from "./numbers.mjs";
import { CONVERSATION_TESTS } from "./conversations.mjs";
import { startGraphStandIn } from "./graph-standin.mjs";
import { BUILDER_TESTS } from "./builder.mjs";
import { FIRSTHOUR_TESTS } from "./firsthour.mjs";

const only = process.env.ONLY ? new RegExp(process.env.ONLY, "i") : null;
rmSync(OUTPUT, { recursive: true, force: true });
mkdirSync(OUTPUT, { recursive: true });

const tests = [{ name: "main scenario: sign in, build, test, publish, logs", fresh: true, run: mainScenario }, ...PAGE_TESTS, ...AI_TESTS, ...OUTBOUND_TESTS, ...LANGUAGE_TESTS, ...NUMBER_TESTS, ...CONVERSATION_TESTS, ...BUILDER_TESTS, ...FIRSTHOUR_TESTS].filter((t) => !only || only.test(t.name));

let passed = 0;
let failed = 0;
// Server options some tests need (none by default): a linked-device address that refuses
// connections, and a Graph API stand-in.
const linkedDeviceUrl = tests.find((t) => t.linkedDeviceUrl)?.linkedDeviceUrl ?? null;
const graph = tests.some((t) => t.graph) ? await startGraphStandIn() : null;
const env = { ...(await startWaflow({ linkedDeviceUrl, graphUrl: graph?.url ?? null })), graph };
const browser = await launchBrowser();
console.log(`waflow ${env.bin} · dashboard at ${env.baseUrl}${process.env.WAFLOW_SERVES_WEB === "1" ? " (served by the binary)" : " (static server + /api proxy)"} · login ${env.canLogIn ? "by email and password" : "NOT AVAILABLE (API token)"}`);
try {
  for (const t of tests) {
    const started = Date.now();
    const later = [];
    const { page, context, problems } = await newPage(browser, { baseUrl: env.baseUrl, token: t.fresh ? null : env.token, width: t.width, height: t.height, locale: t.locale, colorScheme: t.colorScheme, timezoneId: t.timezoneId });
    try {
      await t.run({ page, env: { ...env, failLater: (m) => later.push(m) } });
      const rawJson = await page.locator("body").innerText().then((text) => /\{"error"/.test(text)).catch(() => false);
      if (rawJson) throw new Error("the page shows raw error JSON");
      // A translation key shown as is: its area's words (app/words/) were not loaded.
      const rawKey = await page.locator("body").innerText().then((text) => text.match(/\b(?:campaign|recipient|scheduled|template|import|optout|common|workflows|gallery|contactsPage|logs|why|settings|agents|ai|knowledge|login|lang|menu|ui|error|field|app|nav|page|role|templates|numbers|conversations|takeover|chatWhy|chat|conn|edge|insert|library|overlap|panel|canvas|notice|setup|checklist|home)\.[a-zA-Z]+(?:\.[\w]+)*\b/)?.[0]).catch(() => undefined);
      if (rawKey) throw new Error(`the page shows the translation key ${rawKey}`);
      if (problems.length) throw new Error(problems.join("; "));
      if (later.length) throw new Error(later.join("; "));
      passed++;
      console.log(`ok   ${t.name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed++;
      const shot = join(OUTPUT, `FAILED-${t.name.replace(/[^\w]+/g, "-")}.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
      console.log(`FAIL ${t.name} (${Date.now() - started} ms)\n     ${String(e.message ?? e).split("\n").join("\n     ")}\n     screenshot: ${shot}`);
    } finally {
      await context.close();
    }
  }
} finally {
  await browser.close();
  if (failed) console.log(`--- server log (tail) ---\n${env.serverLog().slice(-3000)}`);
  await env.stop();
  graph?.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
