// TEMPORARY STAND-INS — to be deleted once the lead's binary has GET/POST /setup and GET /onboarding
// (contract.md). Used only when the binary answers 404 for them: the first-run endpoints are played
// with `waflow agents create-owner` + POST /auth/login, the checklist's from the API's lists. The
// tests say when they ran on stand-ins (a line in the output), so a pass here is not mistaken
// for a pass against the real endpoints.

import { spawnSync } from "node:child_process";

/** Whether the binary lacks `path` (GET answers 404). */
async function lacks(server, path, token) {
  const r = await fetch(`${server.apiUrl}/api/v1${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return r.status === 404;
}

/** Stand-ins for one empty server; `active` is false when the binary has the real endpoints. */
export async function firstRunStandIns(server) {
  const active = await lacks(server, "/setup");
  let owner = null;
  let tested = false;
  const self = {
    active,
    async needsOwner() {
      if (!active) {
        const r = await fetch(`${server.apiUrl}/api/v1/setup`);
        return (await r.json()).needs_owner;
      }
      return owner === null;
    },
    /** POST /setup's answer: {status, body}. */
    async createOwner(body) {
      if (!active) {
        const r = await fetch(`${server.apiUrl}/api/v1/setup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        return { status: r.status, body: await r.text() };
      }
      if (owner) return { status: 409, body: JSON.stringify({ error: { code: "conflict", message: "an owner already exists", field: null } }) };
      if (!body.password || body.password.length < 8) return { status: 422, body: JSON.stringify({ error: { code: "invalid", message: "password: must be at least 8 characters", field: "password" } }) };
      const cli = spawnSync(server.bin, ["agents", "create-owner", "--email", body.email, "--password", body.password, "--name", body.name, "--data-dir", server.dataDir], { encoding: "utf8" });
      if (cli.status !== 0) return { status: 422, body: JSON.stringify({ error: { code: "invalid", message: cli.stderr.trim(), field: null } }) };
      const login = await fetch(`${server.apiUrl}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: body.email, password: body.password }) });
      const text = await login.text();
      if (login.ok) owner = JSON.parse(text);
      return { status: login.ok ? 201 : login.status, body: text };
    },
    /** GET /onboarding from the API's lists (sandbox numbers count; a test run is seen on its way). */
    async onboarding(token) {
      const get = (p) => fetch(`${server.apiUrl}/api/v1${p}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
      const rows = (x) => (Array.isArray(x) ? x : x.data ?? x.items ?? []);
      const numbers = rows(await get("/numbers"));
      const workflows = rows(await get("/workflows"));
      return {
        number_connected: numbers.some((n) => n.status === "connected"),
        workflow_created: workflows.length > 0,
        draft_tested: tested,
        workflow_published: workflows.some((w) => w.version > 1 || w.active),
      };
    },
    /** Routes the page's calls to the stand-ins (a no-op when the binary has the endpoints). */
    async install(page) {
      if (!active) return;
      console.log("     (stand-ins for /setup and /onboarding: the binary has not got them yet)");
      await page.route("**/api/v1/setup", async (route) => {
        if (route.request().method() === "GET") return route.fulfill({ json: { needs_owner: owner === null } });
        const answer = await self.createOwner(route.request().postDataJSON()).catch((e) => ({ status: 500, body: JSON.stringify({ error: { code: "internal", message: String(e), field: null } }) }));
        return route.fulfill({ status: answer.status, contentType: "application/json", body: answer.body });
      });
      await page.route("**/api/v1/onboarding", async (route) => {
        const token = (route.request().headers().authorization ?? "").replace(/^Bearer /, "");
        const answer = await self.onboarding(token).catch(() => null);
        return answer ? route.fulfill({ json: answer }) : route.abort();
      });
      await page.route("**/api/v1/workflows/*/test", async (route) => {
        tested = true;
        return route.continue();
      });
    },
    /** For API calls made by the test itself. */
    noteTestRun() {
      tested = true;
    },
  };
  return self;
}
