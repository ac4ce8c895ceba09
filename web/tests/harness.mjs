// The test harness: starts the real waflow binary on a free port with a temp data dir, creates
// the first owner (or an API token), serves the dashboard, launches Debian's chromium, and
// offers a small API client for seeding data.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serveDist } from "./static-server.mjs";

export const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const OUTPUT = join(WEB, "test-output");
export const OWNER = { email: "owner@example.com", password: "correct horse battery staple", name: "Olivia Owner" };

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitFor(url, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

/** Installs Debian's chromium when it is missing (needs root and the package registry). */
export function ensureChromium() {
  const path = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (existsSync(path)) return path;
  console.log("chromium is missing: installing Debian's package…");
  const sh = (cmd) => spawnSync("sh", ["-c", cmd], { stdio: "inherit" });
  if (sh("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium").status !== 0 || !existsSync(path)) {
    throw new Error(`chromium is not installed at ${path} and could not be installed`);
  }
  return path;
}

function run(bin, args) {
  const r = spawnSync(bin, args, { encoding: "utf8" });
  return { ok: r.status === 0, out: (r.stdout ?? "").trim(), err: (r.stderr ?? "").trim() };
}

/** A running waflow with its dashboard URL, an API token, and how the owner signs in.
 * Options (none by default): `empty` — a fresh data dir and no owner at all (the first-run
 * page's case; then `token` is null and `canLogIn` false until the test creates the owner with
 * POST /setup or the page); `linkedDeviceUrl` — where linked-device numbers connect (e.g. a
 * refused `ws://127.0.0.1:9`, so pairing fails at once); `graphUrl` — Meta's Graph API stand-in. */
export async function startWaflow({ empty = false, linkedDeviceUrl = null, graphUrl = null } = {}) {
  const bin = process.env.WAFLOW_BIN ? resolve(process.env.WAFLOW_BIN) : resolve(WEB, "../target/debug/waflow");
  if (!existsSync(bin)) throw new Error(`no waflow binary at ${bin}: set WAFLOW_BIN`);
  const dataDir = mkdtempSync(join(tmpdir(), "waflow-web-test-"));
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  mkdirSync(OUTPUT, { recursive: true });
  // The fake AI provider listens on loopback, which the SSRF guard refuses unless allowed.
  const args = ["serve", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir, "--allow-private-http"];
  if (linkedDeviceUrl) args.push("--linked-device-url", linkedDeviceUrl);
  if (graphUrl) args.push("--graph-url", graphUrl);
  const child = spawn(bin, args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  await waitFor(`${apiUrl}/healthz`, 20000).catch((e) => {
    child.kill("SIGKILL");
    throw new Error(`${e.message}\n${stderr}`);
  });

  const { web, baseUrl } = await serveWeb(apiUrl).catch((e) => {
    child.kill("SIGKILL");
    throw e;
  });
  const stop = async () => {
    web?.server.close();
    child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  };
  const started = { bin, dataDir, apiUrl, baseUrl, stop, serverLog: () => stderr };
  if (empty) return { ...started, token: null, canLogIn: false };

  // The first owner, through the CLI; the token for seeding comes from signing in as them.
  const owner = run(bin, ["agents", "create-owner", "--email", OWNER.email, "--password", OWNER.password, "--name", OWNER.name, "--data-dir", dataDir]);
  const ownerNoName = owner.ok ? owner : run(bin, ["agents", "create-owner", "--email", OWNER.email, "--password", OWNER.password, "--data-dir", dataDir]);
  let token = null;
  let canLogIn = false;
  if (ownerNoName.ok) {
    const r = await fetch(`${apiUrl}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: OWNER.email, password: OWNER.password }) });
    if (r.ok) {
      token = (await r.json()).token;
      canLogIn = true;
    }
  }
  if (!token) {
    const t = run(bin, ["token", "create", "--data-dir", dataDir]);
    if (!t.ok) throw new Error(`waflow token create failed: ${t.err}`);
    token = t.out.split(/\s+/).find((w) => w.startsWith("wf")) ?? t.out.split(/\s+/).pop();
  }

  return { ...started, token, canLogIn };
}

/** The dashboard's URL: the binary itself (WAFLOW_SERVES_WEB=1), or web/dist served with /api proxied. */
async function serveWeb(apiUrl) {
  if (process.env.WAFLOW_SERVES_WEB === "1") return { web: null, baseUrl: apiUrl };
  const dist = join(WEB, "dist");
  if (!existsSync(join(dist, "index.html"))) throw new Error("web/dist is missing: run npm run build first");
  const web = await serveDist({ dist, api: apiUrl });
  return { web, baseUrl: `http://127.0.0.1:${web.port}` };
}

/** A JSON API client with the token; throws with the server's words on any error. */
export function apiClient(apiUrl, token) {
  const call = async (method, path, body) => {
    const r = await fetch(`${apiUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path} → ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    get: (p) => call("GET", p),
    post: (p, b = {}) => call("POST", p, b),
    put: (p, b) => call("PUT", p, b),
    patch: (p, b) => call("PATCH", p, b),
    del: (p) => call("DELETE", p),
  };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: ensureChromium(), args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

/** A fresh page; records console errors and failed requests so tests can assert on them.
 * `locale` defaults to en-US (the tests look for the dashboard's English words; it also speaks
 * it, fr and es); `colorScheme` ("light" or "dark") and `timezoneId` are the browser's. */
export async function newPage(browser, { width = 1280, height = 860, token = null, baseUrl, locale = "en-US", colorScheme, timezoneId }) {
  const context = await browser.newContext({
    viewport: { width, height },
    baseURL: baseUrl,
    locale,
    ...(colorScheme ? { colorScheme } : {}),
    ...(timezoneId ? { timezoneId } : {}),
  });
  if (token) await context.addInitScript((t) => localStorage.setItem("waflow.token", t), token);
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  return { page, context, problems };
}
