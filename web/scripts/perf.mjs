// Measures the dashboard: bundle size (bytes and gzip of dist JS/CSS, what the first page loads
// and what loads later), and the time from navigation start to the workflows list being visible
// in chromium against the real binary (WAFLOW_BIN; 20 workflows seeded). Prints markdown tables.
//
// Usage: npm run build && WAFLOW_BIN=../target/release/waflow node scripts/perf.mjs

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { apiClient, launchBrowser, startWaflow, WEB } from "../tests/harness.mjs";

const RUNS = Number(process.env.RUNS ?? 7);
const dist = join(WEB, "dist");
const assets = join(dist, "assets");
const html = readFileSync(join(dist, "index.html"), "utf8");
const initial = new Set([...html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]));

const rows = { js: { initial: [0, 0], lazy: [0, 0] }, css: { initial: [0, 0], lazy: [0, 0] } };
for (const file of readdirSync(assets)) {
  const kind = file.endsWith(".js") ? "js" : file.endsWith(".css") ? "css" : null;
  if (!kind) continue;
  const body = readFileSync(join(assets, file));
  const part = rows[kind][initial.has(file) ? "initial" : "lazy"];
  part[0] += statSync(join(assets, file)).size;
  part[1] += gzipSync(body, { level: 9 }).length;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log("| bundle | bytes | gzip |\n| --- | ---: | ---: |");
for (const kind of ["js", "css"]) {
  for (const when of ["initial", "lazy"]) {
    const [b, g] = rows[kind][when];
    console.log(`| ${kind.toUpperCase()}, ${when === "initial" ? "first page" : "loaded later (builder, other pages)"} | ${kb(b)} | ${kb(g)} |`);
  }
}
const total = ["js", "css"].flatMap((k) => ["initial", "lazy"].map((w) => rows[k][w]));
console.log(`| total | ${kb(total.reduce((s, r) => s + r[0], 0))} | ${kb(total.reduce((s, r) => s + r[1], 0))} |`);

const env = await startWaflow();
const api = apiClient(env.apiUrl, env.token);
for (let i = 0; i < 20; i++) {
  await api.post("/workflows", { name: `Workflow ${i + 1}`, active: i % 2 === 0, priority: (i + 1) * 10, trigger: { type: "exact_phrase", phrase: `phrase ${i}` }, steps: [{ id: "r", type: "send_text", text: "Hi" }] });
}
const browser = await launchBrowser();
const times = [];
const firstPage = [];
try {
  for (let i = 0; i < RUNS + 1; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addInitScript((t) => {
      localStorage.setItem("waflow.token", t);
      // Records when the first workflow row is in the document and laid out.
      new MutationObserver((_, observer) => {
        if (document.querySelector('[data-testid="workflow-row"]')) {
          window.__firstRow = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    }, env.token);
    const page = await context.newPage();
    await page.goto(`${env.baseUrl}/workflows`);
    await page.getByTestId("workflow-row").first().waitFor({ state: "visible" });
    const t = await page.evaluate(() => window.__firstRow);
    if (i > 0) times.push(t); // the first run warms the server and the browser's disk cache
    await context.close();
  }
  // The first page a signed-in owner sees (/): first contentful paint, and the JavaScript bytes
  // that crossed the wire for it (as compressed, by the browser's Accept-Encoding).
  for (let i = 0; i < RUNS + 1; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addInitScript((t) => localStorage.setItem("waflow.token", t), env.token);
    const page = await context.newPage();
    const encodings = new Set();
    page.on("response", async (r) => {
      if (!r.url().endsWith(".js")) return;
      const asked = (await r.request().allHeaders())["accept-encoding"] ?? "?";
      encodings.add(`asked ${asked} → got ${(await r.allHeaders())["content-encoding"] ?? "identity"}`);
    });
    await page.goto(`${env.baseUrl}/`, { waitUntil: "networkidle" });
    const m = await page.evaluate(() => ({
      fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
      js: performance
        .getEntriesByType("resource")
        .filter((r) => r.name.endsWith(".js"))
        .reduce((sum, r) => sum + r.transferSize, 0),
      decoded: performance
        .getEntriesByType("resource")
        .filter((r) => r.name.endsWith(".js"))
        .reduce((sum, r) => sum + r.decodedBodySize, 0),
    }));
    if (i > 0) firstPage.push({ ...m, encodings: [...encodings].join(" | ") });
    await context.close();
  }
} finally {
  await browser.close();
  await env.stop();
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`\n| workflows page, navigation start → list visible (${times.length} cold-context runs, 20 workflows) | ms |\n| --- | ---: |`);
console.log(`| median | ${median.toFixed(0)} |\n| min | ${times[0].toFixed(0)} |\n| max | ${times[times.length - 1].toFixed(0)} |`);
const fcps = firstPage.map((p) => p.fcp).filter((x) => x !== null).sort((a, b) => a - b);
const mid = (xs) => xs[Math.floor(xs.length / 2)];
console.log(`\n| first page (/), signed in, ${firstPage.length} cold-context runs | value |\n| --- | ---: |`);
console.log(`| first contentful paint, median | ${mid(fcps)?.toFixed(0)} ms |\n| first contentful paint, max | ${fcps[fcps.length - 1]?.toFixed(0)} ms |`);
console.log(`| JavaScript transferred (encoded) | ${kb(mid(firstPage.map((p) => p.js).sort((a, b) => a - b)))} |`);
console.log(`| JavaScript decoded | ${kb(mid(firstPage.map((p) => p.decoded).sort((a, b) => a - b)))} |`);
console.log(`| the browser's Accept-Encoding | ${firstPage[0]?.encodings} |`);
console.log(`\nserved by ${process.env.WAFLOW_SERVES_WEB === "1" ? "the waflow binary" : "the test static server (node) with /api proxied to the binary"}; binary ${env.bin}`);
