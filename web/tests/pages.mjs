// One test per page: each loads the page with data seeded through the API, checks what a person
// would look for, exercises one action, and saves screenshots (desktop and a 390 px phone).

import { join } from "node:path";
import { expect } from "./expect.mjs";
import { apiClient, OUTPUT, OWNER } from "./harness.mjs";

let seeded = null;
const AGENT = { email: "ada@example.com", password: "ada-password-1" };

/** Seeds a workspace once: numbers, an agent, workflows, contacts, conversations and logs. */
export async function seed(env) {
  if (seeded) return seeded;
  const api = apiClient(env.apiUrl, env.token);
  const support = await api.post("/numbers", { label: "Support line", channel: "sandbox" });
  const sales = await api.post("/numbers", { label: "Sales line", channel: "sandbox" });
  await api.patch(`/numbers/${sales.id}`, { marketing: true, automation: false });
  const agent = await api
    .post("/agents", { name: "Ada Agent", email: AGENT.email, role: "agent", password: AGENT.password })
    .catch(() => api.post("/agents", { name: "Ada Agent", email: AGENT.email, role: "agent" }));
  const faq = await api.post("/workflows", {
    name: "Shipping FAQ", priority: 10, trigger: { type: "exact_phrase", phrase: "shipping" },
    steps: [
      { id: "menu", type: "menu", content: { type: "buttons", body: "What do you need?", buttons: [{ id: "times", title: "Delivery times" }, { id: "cost", title: "Costs" }] }, routes: { times: "times", cost: "cost" }, otherwise: "human" },
      { id: "times", type: "send_text", text: "We ship in 24 hours.", next: "done" },
      { id: "cost", type: "send_text", text: "Shipping is free over 50 euros.", next: "done" },
      { id: "human", type: "assign_agent", agent: agent.id },
      { id: "done", type: "end" },
    ],
  });
  const greet = await api.post("/workflows", {
    name: "Greeting", priority: 20, trigger: { type: "message_received" },
    conditions: { any: [{ type: "text", op: "contains", values: ["hello", "hi"] }, { not: { type: "tags", mode: "any", tags: ["customer"] } }] },
    steps: [{ id: "hi", type: "send_text", text: "Hello {{ contact.first_name }}!" }, { id: "tag", type: "add_tag", tag: "greeted" }],
  });
  const ooh = await api.post("/workflows", { name: "After hours", priority: 30, active: false, trigger: { type: "outside_business_hours" }, steps: [{ id: "closed", type: "send_text", text: "We are closed." }] });
  const contacts = [];
  for (const [phone, name, tags, fields] of [
    ["+393331230001", "Mario Rossi", ["customer", "vip"], { city: "Milano", orders: 3 }],
    ["+393331230002", "Giulia Bianchi", ["lead"], { city: "Roma" }],
    ["+393331230003", "", [], {}],
  ]) {
    contacts.push(await api.post("/contacts", { phone, name, tags, fields }));
  }
  for (const [from, text] of [["+393331230001", "hello there"], ["+393331230002", "shipping"], ["+393331230002", "Costs"], ["+393331230004", "a question about my order"], ["+393331230001", "thanks"]]) {
    await api.post(`/numbers/${support.id}/sandbox/inbound`, { from, text });
  }
  seeded = { api, support, sales, agent, workflows: [faq, greet, ooh], contacts };
  return seeded;
}

export const shot = (page, name, fullPage = true) => page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage });

/** A screenshot at 390 px wide; fails when the page is wider than the phone. */
export async function phoneShot(page, name) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await shot(page, `${name}-390`);
  if (overflow > 1) throw new Error(`${name}: the page is ${overflow}px wider than a 390 px screen`);
}

export const PAGE_TESTS = [
  {
    name: "login page: a wrong password is refused in words",
    fresh: true,
    run: async ({ page, env }) => {
      await page.goto("/workflows");
      await expect(page.getByRole("heading", { name: "Sign in to waflow" })).visible();
      if (!env.canLogIn) env.failLater("no login on this server: the refusal could not be checked");
      await page.getByLabel("Email").fill(OWNER.email);
      await page.getByLabel("Password").fill("not the password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("alert")).visible();
      await expect(page.getByRole("alert")).text(/\w+ \w+/);
      await shot(page, "login");
      await phoneShot(page, "login");
    },
  },
  {
    name: "workflows page: list, bulk deactivate, reorder by keyboard, templates",
    run: async ({ page, env }) => {
      await seed(env);
      await page.goto("/workflows");
      const rows = page.getByTestId("workflow-row");
      await expect(rows).minCount(3);
      await expect(rows.first()).text(/Shipping FAQ/);
      // Keyboard reorder: move the first workflow down.
      await page.getByRole("button", { name: "Move Shipping FAQ down" }).focus();
      await page.keyboard.press("Enter");
      await expect(page.getByText("Priority order saved.")).visible();
      await expect(rows.first()).text(/Greeting/);
      // Mouse reorder: drag "After hours" onto the first row.
      await rows.filter({ hasText: "After hours" }).dragTo(rows.first());
      await expect(page.getByText("Priority order saved.")).visible();
      await expect(rows.first()).text(/After hours/);
      // Bulk deactivate two workflows.
      await page.getByLabel("Select Greeting").check();
      await page.getByLabel("Select Shipping FAQ").check();
      await page.getByRole("button", { name: "Deactivate" }).click();
      await expect(page.getByText("2 workflow(s) deactivated.")).visible();
      await expect(page.getByRole("switch", { name: "Greeting active" })).visible();
      if ((await page.getByRole("switch", { name: "Greeting active" }).getAttribute("aria-checked")) !== "false") throw new Error("Greeting is still active");
      // Search.
      await page.getByLabel("Search").fill("after");
      await expect(rows).count(1);
      await page.getByLabel("Search").fill("");
      await shot(page, "workflows");
      await page.getByRole("button", { name: "From a template" }).click();
      await expect(page.getByRole("heading", { name: "Start from a template" })).visible();
      await expect(page.getByRole("button", { name: /^Use “Out.of.hours/i })).visible();
      await expect(page.getByRole("button", { name: /^Use “/ })).minCount(3);
      await shot(page, "workflows-templates", false);
      await page.keyboard.press("Escape");
      await phoneShot(page, "workflows");
    },
  },
  {
    name: "builder page: the graph of a menu flow, and a server error shown on its node",
    width: 1400,
    height: 900,
    run: async ({ page, env }) => {
      const { workflows } = await seed(env);
      await page.goto(`/workflows/${workflows[0].id}`);
      await expect(page.locator(".react-flow__node-step")).count(5);
      await expect(page.locator(".react-flow__edge")).minCount(5);
      await expect(page.locator(".react-flow__minimap")).visible();
      await expect(page.locator('.react-flow__node[data-id="menu"]').getByText("Delivery times")).visible();
      // A broken template: the autosaved draft is refused and the node and field say why.
      await page.locator('.react-flow__node[data-id="times"]').click();
      await page.getByRole("tabpanel").getByLabel("Message", { exact: true }).fill("We ship in {{ 24 hours.");
      await expect(page.locator('.react-flow__node[data-id="times"] .step-node-error')).visible(10000);
      await expect(page.getByRole("tabpanel").locator(".field-error").first()).text(/template/i);
      await shot(page, "builder-error", false);
      await page.getByRole("tabpanel").getByLabel("Message", { exact: true }).fill("We ship in 24 hours!");
      await expect(page.getByRole("status").filter({ hasText: "Draft saved" })).visible(10000);
      await expect(page.locator(".step-node-error")).count(0);
      // Deleting a step with the Delete key, then undoing it.
      await page.locator('.react-flow__node[data-id="cost"]').click();
      await page.keyboard.press("Delete");
      await expect(page.locator(".react-flow__node-step")).count(4);
      await page.getByRole("button", { name: "Undo" }).click();
      await expect(page.locator(".react-flow__node-step")).count(5);
      await expect(page.locator('.react-flow__node[data-id="cost"]')).visible();
      // Trigger and nested conditions of another workflow.
      await page.goto(`/workflows/${workflows[1].id}`);
      await page.getByRole("tab", { name: "Trigger" }).click();
      await expect(page.getByRole("group", { name: /Condition group \(any\)/ })).visible();
      await expect(page.getByLabel("NOT", { exact: true }).first()).visible();
      await shot(page, "builder-conditions", false);
      // A list step after "tag", accepted by the server's validation.
      await page.getByRole("navigation", { name: "Steps" }).getByRole("button", { name: /tag/ }).click();
      await page.getByRole("button", { name: "+ Add to list" }).click();
      await page.getByRole("tabpanel").getByLabel("List", { exact: true }).fill("vip-news");
      await page.keyboard.press("Control+s");
      await expect(page.getByRole("status").filter({ hasText: "Draft saved" })).visible(10000);
      await expect(page.locator('.react-flow__node[data-id="add-to-list-1"]', { hasText: "vip-news" })).visible();
      // Versions.
      await page.getByRole("tab", { name: "Versions" }).click();
      await expect(page.getByText("v1")).visible();
      await phoneShot(page, "builder");
    },
  },
  {
    name: "numbers page: statuses in colour and module switches",
    run: async ({ page, env }) => {
      await seed(env);
      await page.goto("/numbers");
      const cards = page.getByTestId("number-card");
      await expect(cards).minCount(2);
      const support = cards.filter({ hasText: "Support line" });
      await expect(support.locator(".badge-ok", { hasText: "connected" })).visible();
      const sales = cards.filter({ hasText: "Sales line" });
      if ((await sales.getByRole("switch", { name: "Marketing (campaigns)" }).getAttribute("aria-checked")) !== "true") throw new Error("marketing should be on for Sales line");
      await support.getByRole("switch", { name: "Marketing (campaigns)" }).click();
      await expect(support.getByRole("switch", { name: "Marketing (campaigns)", checked: true })).visible();
      await shot(page, "numbers");
      await phoneShot(page, "numbers");
    },
  },
  {
    name: "conversations page: a thread, an agent reply and a tag",
    run: async ({ page, env }) => {
      await seed(env);
      await page.goto("/conversations");
      await page.getByRole("link", { name: /Giulia Bianchi/ }).click();
      await expect(page.locator(".thread-chat .bubble", { hasText: "What do you need?" })).visible();
      await page.getByLabel("Reply").fill("An agent here: how can I help?");
      await page.getByLabel("Reply").press("Enter");
      await expect(page.locator(".thread-chat .bubble", { hasText: "An agent here" })).visible();
      await page.getByLabel("New tag").fill("followup");
      await page.getByRole("button", { name: "Add tag" }).click();
      await expect(page.getByRole("button", { name: "Remove tag followup" })).visible();
      await page.getByLabel("Assigned agent").selectOption({ label: "Ada Agent" });
      await page.getByRole("switch", { name: "Excluded from automation" }).click();
      await expect(page.getByRole("switch", { name: "Excluded from automation", checked: true })).visible();
      await shot(page, "conversations");
      await phoneShot(page, "conversations");
    },
  },
  {
    name: "contacts page: tags, custom fields and runs",
    run: async ({ page, env }) => {
      await seed(env);
      await page.goto("/contacts");
      await expect(page.getByTestId("contact-card")).minCount(3);
      await page.getByRole("button", { name: /Mario Rossi/ }).click();
      await expect(page.locator('input[value="Milano"]')).visible();
      await page.getByRole("button", { name: "+ Field" }).click();
      const keys = page.getByLabel("Field", { exact: true });
      await keys.last().fill("plan");
      await page.getByLabel("Value", { exact: true }).last().fill("gold");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await expect(page.getByText("Saved.")).visible();
      await page.getByLabel("Tag", { exact: true }).fill("vip");
      await page.getByRole("button", { name: "Filter" }).click();
      await expect(page.getByTestId("contact-card")).count(1);
      await shot(page, "contacts");
      await phoneShot(page, "contacts");
    },
  },
  {
    name: "logs page: filters, the why of an entry, paging",
    run: async ({ page, env }) => {
      await seed(env);
      await page.goto("/logs?period=today");
      await expect(page.getByTestId("log-entry")).minCount(4);
      await page.getByLabel("Outcome").selectOption("no_match");
      await page.getByRole("button", { name: "Apply" }).click();
      const entry = page.getByTestId("log-entry").first();
      await expect(entry).text(/no match/i);
      await entry.getByRole("button", { name: /Why\?/ }).click();
      await expect(entry.getByText(/first failing condition/).first()).visible();
      await expect(entry.locator(".checks")).minCount(1);
      await shot(page, "logs");
      await page.getByLabel("Period").selectOption("custom");
      await expect(page.getByLabel("From")).visible();
      await phoneShot(page, "logs");
    },
  },
  {
    name: "settings page: time zone, business hours, holidays, and a refusal in words",
    run: async ({ page, env }) => {
      await seed(env);
      await page.goto("/settings");
      await page.getByLabel("Time zone").selectOption("Europe/Rome");
      await page.getByLabel("Monday").fill("09:00-13:00, 14:00-18:00");
      await page.getByLabel("Date").fill("2026-12-25");
      await page.getByLabel("Every year").check();
      await page.getByRole("button", { name: "Add holiday" }).click();
      await page.getByRole("button", { name: "Save settings" }).click();
      await expect(page.getByText("Settings saved.")).visible();
      await page.reload();
      await expect(page.getByLabel("Monday")).visible();
      if ((await page.getByLabel("Monday").inputValue()) !== "09:00-13:00, 14:00-18:00") throw new Error("business hours were not kept");
      await expect(page.getByText("every year on December 25")).visible();
      await page.getByLabel("Tuesday").fill("9 to 5");
      await page.getByRole("button", { name: "Save settings" }).click();
      await expect(page.locator(".weekly .field-error")).text(/tue|interval|HH:MM/i);
      await shot(page, "settings");
      await phoneShot(page, "settings");
    },
  },
  {
    name: "agent sign-in: an agent sees only the conversations assigned to them",
    fresh: true,
    run: async ({ page, env }) => {
      const { api, agent, contacts } = await seed(env);
      if (!env.canLogIn) {
        env.failLater("no login on this server: an agent cannot sign in");
        return;
      }
      const mario = contacts.find((c) => c.name === "Mario Rossi");
      await api.patch(`/contacts/${mario.id}`, { assigned_agent_id: agent.id });
      await page.goto("/conversations");
      await page.getByLabel("Email").fill(AGENT.email);
      await page.getByLabel("Password").fill(AGENT.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("heading", { name: "Conversations" })).visible();
      await expect(page.getByText("Ada Agent")).visible();
      await expect(page.getByRole("link", { name: /Mario Rossi/ })).visible();
      await expect(page.getByRole("link", { name: /\+393331230004/ })).count(0);
      await shot(page, "conversations-as-agent");
    },
  },
  {
    name: "roles: an agent lands on conversations, sees only its pages, and signing out revokes the token",
    fresh: true,
    run: async ({ page, env }) => {
      await seed(env);
      if (!env.canLogIn) {
        env.failLater("no login on this server: an agent cannot sign in");
        return;
      }
      await page.goto("/");
      await page.getByLabel("Email").fill(AGENT.email);
      await page.getByLabel("Password").fill(AGENT.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("heading", { name: "Conversations" })).visible();
      if (new URL(page.url()).pathname !== "/conversations") throw new Error(`an agent landed on ${page.url()}, not /conversations`);
      const nav = page.getByRole("navigation", { name: "Main" });
      await expect(nav.getByRole("link", { name: "Conversations" })).visible();
      await expect(nav.getByRole("link", { name: "Contacts" })).visible();
      await expect(nav.getByRole("link", { name: "Logs" })).visible();
      for (const hidden of ["Home", "Workflows", "Scheduled", "Campaigns", "Numbers", "Settings"]) await expect(nav.getByRole("link", { name: hidden })).count(0);
      // A page the role cannot use says so in words, without asking the server (no 403).
      const refused = [];
      page.on("response", (r) => {
        if (r.status() === 403) refused.push(r.url());
      });
      for (const path of ["/home", "/workflows", "/workflows/anything", "/scheduled", "/campaigns", "/campaigns/new", "/numbers", "/settings"]) {
        await page.evaluate((p) => {
          history.pushState(null, "", p);
          dispatchEvent(new PopStateEvent("popstate"));
        }, path);
        await expect(page.getByRole("heading", { name: "Not available to you" })).visible();
        await expect(page.getByText(/As agent you cannot use the \w+ page/)).visible();
      }
      await shot(page, "forbidden-as-agent");
      await page.getByRole("button", { name: "Go to Conversations" }).click();
      await expect(page.getByRole("heading", { name: "Conversations" })).visible();
      if (refused.length) throw new Error(`the dashboard asked for what an agent may not: ${refused.join(", ")}`);
      // Signing out revokes the token on the server, then forgets it here.
      const token = await page.evaluate(() => localStorage.getItem("waflow.token"));
      if (!token) throw new Error("no token in localStorage after signing in");
      const logout = page.waitForResponse((r) => r.url().endsWith("/api/v1/auth/logout") && r.request().method() === "POST");
      await page.getByRole("button", { name: "Sign out" }).click();
      if ((await logout).status() !== 204) throw new Error(`POST /auth/logout answered ${(await logout).status()}`);
      await expect(page.getByRole("heading", { name: "Sign in to waflow" })).visible();
      await expect(page.getByText("Your session has ended")).count(0);
      if (await page.evaluate(() => localStorage.getItem("waflow.token"))) throw new Error("the token is still in localStorage after signing out");
      const me = await fetch(`${env.apiUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      if (me.status !== 401) throw new Error(`the old token got ${me.status} from /auth/me after signing out, not 401`);
    },
  },
  {
    name: "roles: an admin lands on Home, without Numbers, and Settings shows AI replies only",
    fresh: true,
    run: async ({ page, env }) => {
      const { api } = await seed(env);
      if (!env.canLogIn) {
        env.failLater("no login on this server: an admin cannot sign in");
        return;
      }
      const admin = { email: "ali@example.com", password: "ali-password-1" };
      await api.post("/agents", { name: "Ali Admin", email: admin.email, role: "admin", password: admin.password });
      await page.goto("/login");
      await page.getByLabel("Email").fill(admin.email);
      await page.getByLabel("Password").fill(admin.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("heading", { name: "Home", exact: true })).visible();
      if (new URL(page.url()).pathname !== "/home") throw new Error(`an admin landed on ${page.url()}, not /home`);
      const nav = page.getByRole("navigation", { name: "Main" });
      for (const shown of ["Home", "Workflows", "Conversations", "Scheduled", "Campaigns", "Contacts", "Logs", "Settings"]) await expect(nav.getByRole("link", { name: shown })).visible();
      await expect(nav.getByRole("link", { name: "Numbers" })).count(0);
      await nav.getByRole("link", { name: "Settings" }).click();
      await expect(page.getByRole("heading", { name: "AI replies" })).visible();
      await expect(page.getByRole("heading", { name: "Opt-out" })).visible();
      await expect(page.getByRole("heading", { name: "Agents" })).count(0);
      await expect(page.getByRole("heading", { name: /^Workspace/ })).count(0);
      await page.goto("/numbers");
      await expect(page.getByRole("heading", { name: "Not available to you" })).visible();
      await expect(page.getByText("As admin you cannot use the Numbers page.")).visible();
    },
  },
];
