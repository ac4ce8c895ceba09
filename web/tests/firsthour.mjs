// The first hour (issue 18): a server started from an EMPTY data dir asks for its first owner,
// Home's getting-started checklist ticks itself, Home's charts show the period's numbers; and
// the acceptance path in Italian — create the owner, add the sandbox number, build "text
// contains prezzo → reply → tag after 2 h" with the mouse, test the draft in the test chat,
// publish, see Home's counters move, take the conversation over (the flow stays silent), resume —
// with the same path's first three screens in French and Spanish. Screenshots:
// test-output/firsthour-<lang>-<step>.png.

import { join } from "node:path";
import { expect } from "./expect.mjs";
import { apiClient, OUTPUT, startWaflow } from "./harness.mjs";
import { phoneShot, shot } from "./pages.mjs";

const OWNERS = {
  en: { name: "Emma Owner", email: "emma@example.com", password: "first-owner-pass" },
  it: { name: "Giulia Bianchi", email: "giulia@bottega.it", password: "bottega-segreta-1" },
  fr: { name: "Camille Martin", email: "camille@boutique.fr", password: "boutique-secret-1" },
  es: { name: "Lucía García", email: "lucia@tienda.es", password: "tienda-secreta-1" },
};

/** What each language's first screens say (the setup page, Home, the checklist). */
const WORDS = {
  en: { welcome: "Welcome to waflow", name: "Your name", email: "Email", password: "Password", create: "Create the owner and start", home: "Home", checklist: "Get started", progress: (d) => `${d} of 4 done`, connect: "Connect a number", signIn: "Sign in to waflow" },
  it: { welcome: "Benvenuto in waflow", name: "Il tuo nome", email: "Email", password: "Password", create: "Crea il proprietario e inizia", home: "Home", checklist: "Per iniziare", progress: (d) => `${d} su 4 completati`, connect: "Collega un numero" },
  fr: { welcome: "Bienvenue dans waflow", name: "Votre nom", email: "E-mail", password: "Mot de passe", create: "Créer le propriétaire et commencer", home: "Accueil", checklist: "Pour commencer", progress: (d) => `Avancement : ${d} sur 4`, connect: "Connecter un numéro" },
  es: { welcome: "Bienvenido a waflow", name: "Tu nombre", email: "Correo electrónico", password: "Contraseña", create: "Crear el propietario y empezar", home: "Inicio", checklist: "Para empezar", progress: (d) => `Completados: ${d} de 4`, connect: "Conecta un número" },
};

/** Runs `fn` against a second waflow started from an empty data dir (no owner), then stops it. */
async function withEmptyServer(page, fn) {
  const server = await startWaflow({ empty: true });
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

/** Creates the first owner through the API (POST /setup); the answer's token. */
/** POST /setup (public): {status, body}. */
async function postSetup(server, owner) {
  const r = await fetch(`${server.apiUrl}/api/v1/setup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(owner) });
  return { status: r.status, body: await r.text() };
}

async function setupOwner(server, owner) {
  const answer = await postSetup(server, owner);
  if (answer.status !== 201) throw new Error(`POST /setup → ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body).token;
}

async function needsOwner(server) {
  const r = await fetch(`${server.apiUrl}/api/v1/setup`);
  if (!r.ok) throw new Error(`GET /setup → ${r.status} ${await r.text()}`);
  return (await r.json()).needs_owner;
}

/** Runs named steps in order, a screenshot after each (firsthour-<lang>-<n>-<name>.png); a failure names its step. */
async function steps(page, lang, list) {
  let n = 0;
  for (const [name, fn] of list) {
    n++;
    try {
      await fn();
    } catch (e) {
      throw new Error(`first hour (${lang}), step ${n} "${name}": ${e.message}`);
    }
    await page.screenshot({ path: join(OUTPUT, `firsthour-${lang}-${n}-${name}.png`), fullPage: true });
  }
}

/** The setup page: fills the owner in and lands on Home with an untouched checklist. */
async function createOwnerOnPage(page, lang) {
  const w = WORDS[lang];
  const owner = OWNERS[lang];
  await page.getByLabel(w.name).fill(owner.name);
  await page.getByLabel(w.email, { exact: true }).fill(owner.email);
  await page.getByLabel(w.password, { exact: true }).fill(owner.password);
  await page.getByRole("button", { name: w.create }).click();
  await page.waitForURL(/\/home$/);
  await expect(page.getByRole("heading", { name: w.home, exact: true })).visible();
  await expect(page.getByRole("heading", { name: w.checklist })).visible();
  // A new server may come with its sandbox number (which counts as connected): 0 or 1 done.
  await expect(page.getByTestId("checklist-progress")).text(new RegExp(`^(${w.progress(0)}|${w.progress(1)})$`));
}

/** The checklist's ticks as the page shows them. */
async function ticks(page) {
  const out = {};
  for (const key of ["number_connected", "workflow_created", "draft_tested", "workflow_published"]) {
    out[key] = (await page.getByTestId(`checklist-${key}`).getAttribute("data-done")) === "true";
  }
  return out;
}

/** Waits until the checklist shows what GET /onboarding says, after the reader comes back to the window. */
async function checklistMatches(page, onboarding) {
  const want = await onboarding();
  const done = Object.values(want).filter(Boolean).length;
  await page.evaluate(() => window.dispatchEvent(new Event("focus")));
  if (done === 4) {
    await expect(page.getByRole("heading", { name: "Get started" })).count(0);
    return want;
  }
  await expect(page.getByTestId("checklist-progress")).text(new RegExp(`^${done} of 4 done$`));
  const got = await ticks(page);
  for (const [k, v] of Object.entries(want)) if (got[k] !== v) throw new Error(`checklist item ${k} shows ${got[k]}, the server says ${v}`);
  return want;
}

const SIMPLE_FLOW = {
  name: "Risposta prezzi",
  trigger: { type: "message_received" },
  conditions: { type: "text", op: "contains", values: ["prezzo"] },
  steps: [{ id: "reply", type: "send_text", text: "Costa 10 euro." }],
};

/** The other pages' words the path goes through (Numbers, Workflows, the builder, Conversations), per language. */
const UI = {
  it: {
    addNumber: "Aggiungi un numero", label: "Nome", add: "Aggiungi",
    workflows: "Flussi", newWorkflow: "Nuovo flusso",
    workflowTab: "Flusso", name: "Nome", active: "Attivo (funziona una volta pubblicato)",
    triggerTab: "Avvio", addCondition: "Aggiungi una condizione", condition: "Condizione", operator: "Operatore", values: "Uno tra (separati da virgole)",
    message: "Messaggio", addTag: "+ Aggiungi etichetta", tag: "Etichetta", when: "Quando", saved: /Bozza salvata/,
    test: "Prova", chat: "Prova nella sandbox", chatInput: "Messaggio del contatto di prova",
    why: /La bozza non è partita\. Condizione non soddisfatta: .*prezzo.*ciao/,
    publish: "Pubblica", published: /Pubblicato come versione \d+: è attivo\./,
    conversations: "Conversazioni", composer: "Rispondi", send: "Invia", paused: /Automazione in pausa/, resume: "Riprendi l'automazione",
  },
  fr: { addNumber: "Ajouter un numéro", label: "Nom", add: "Ajouter" },
  es: { addNumber: "Añadir un número", label: "Nombre", add: "Añadir" },
};

/** The label of the sandbox number the path adds. */
const SHOP_NUMBER = "Negozio";

/** The first three screens in `lang`: the setup page, Home with its checklist, the sandbox number added. */
function firstScreens(lang, server, page, more = []) {
  const w = WORDS[lang];
  const ui = UI[lang];
  return steps(page, lang, [
    ["setup", async () => {
      await page.goto(`${server.baseUrl}/`);
      await expect(page.getByRole("heading", { name: w.welcome })).visible();
    }],
    ["home", () => createOwnerOnPage(page, lang)],
    ["number", async () => {
      await page.getByRole("region", { name: w.checklist }).getByRole("link", { name: w.connect }).click();
      await page.waitForURL(/\/numbers$/);
      await page.getByRole("button", { name: ui.addNumber }).click();
      await page.getByLabel(ui.label, { exact: true }).fill(SHOP_NUMBER);
      await page.getByRole("button", { name: ui.add, exact: true }).click();
      await expect(page.getByTestId("number-card").filter({ hasText: SHOP_NUMBER })).visible();
    }],
    ...more,
  ]);
}

export const FIRSTHOUR_TESTS = [
  {
    name: "first run: an empty server asks for its first owner, only until one exists, and lands on Home",
    fresh: true,
    run: ({ page }) =>
      withEmptyServer(page, async (server) => {
        if (!(await needsOwner(server))) throw new Error("GET /setup says an empty server needs no owner");
        await page.goto(`${server.baseUrl}/workflows`);
        await expect(page.getByRole("heading", { name: WORDS.en.welcome })).visible();
        await expect(page.getByRole("heading", { name: WORDS.en.signIn })).count(0);
        await shot(page, "setup");
        await phoneShot(page, "setup");
        await page.setViewportSize({ width: 1280, height: 860 });
        // A short password is refused before asking the server.
        await page.getByLabel(WORDS.en.name).fill(OWNERS.en.name);
        await page.getByLabel("Email", { exact: true }).fill(OWNERS.en.email);
        await page.getByLabel("Password", { exact: true }).fill("short");
        await page.getByRole("button", { name: WORDS.en.create }).click();
        await expect(page.getByRole("alert").filter({ hasText: "at least 8 characters" })).visible();
        await createOwnerOnPage(page, "en");
        await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Home", exact: true })).visible();
        if ((await page.getByRole("link", { name: "Home", exact: true }).getAttribute("aria-current")) !== "page") throw new Error("Home is not the current page in the nav");
        const token = await page.evaluate(() => localStorage.getItem("waflow.token"));
        const me = await fetch(`${server.apiUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
        if (me.agent?.email !== OWNERS.en.email || me.agent?.role !== "owner") throw new Error(`the stored token is not the new owner's: ${JSON.stringify(me)}`);
        await shot(page, "home-first");
        // Once an owner exists: the server refuses a second one, and a signed-out visitor gets the sign-in page.
        if (await needsOwner(server)) throw new Error("GET /setup still says needs_owner after the owner was created");
        const again = await postSetup(server, { ...OWNERS.en, email: "other@example.com" });
        if (again.status !== 409) throw new Error(`a second POST /setup answered ${again.status}, not 409`);
        await page.getByRole("button", { name: "Sign out" }).click();
        await expect(page.getByRole("heading", { name: WORDS.en.signIn })).visible();
        await expect(page.getByRole("heading", { name: WORDS.en.welcome })).count(0);
        // And signing in again lands on Home.
        await page.getByLabel("Email").fill(OWNERS.en.email);
        await page.getByLabel("Password").fill(OWNERS.en.password);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.waitForURL(/\/home$/);
      }),
  },
  {
    name: "home: the checklist ticks itself as the owner goes, links to each place, and can be hidden",
    fresh: true,
    run: ({ page }) =>
      withEmptyServer(page, async (server) => {
        const token = await setupOwner(server, OWNERS.en);
        const api = apiClient(server.apiUrl, token);
        const onboarding = () => api.get("/onboarding");
        await page.goto(`${server.baseUrl}/`);
        await page.evaluate((t) => localStorage.setItem("waflow.token", t), token);
        await page.goto(`${server.baseUrl}/`);
        await page.waitForURL(/\/home$/);
        await checklistMatches(page, onboarding);
        // Each item links to where it is done.
        const items = page.getByRole("region", { name: "Get started" });
        for (const [name, href] of [["Connect a number", "/numbers"], ["Build a flow or pick a template", "/workflows"], ["Test it in the test chat", "/workflows"], ["Publish it", "/workflows"]]) {
          const got = await items.getByRole("link", { name }).getAttribute("href");
          if (got !== href) throw new Error(`the checklist's "${name}" links to ${got}, not ${href}`);
        }
        // It ticks itself when the reader comes back, without a reload.
        const number = await api.post("/numbers", { label: "Prova", channel: "sandbox" });
        let state = await checklistMatches(page, onboarding);
        if (!state.number_connected) throw new Error("GET /onboarding: a sandbox number does not count as connected");
        await shot(page, "checklist-one");
        const wf = await api.post("/workflows", SIMPLE_FLOW);
        state = await checklistMatches(page, onboarding);
        if (!state.workflow_created) throw new Error("GET /onboarding: workflow_created is false after creating one");
        // Hidden, then shown again; the choice survives a reload.
        await page.getByRole("button", { name: "Hide the checklist" }).click();
        await expect(page.getByRole("heading", { name: "Get started" })).count(0);
        await page.reload();
        await expect(page.getByRole("heading", { name: "Home", exact: true })).visible();
        await expect(page.getByRole("heading", { name: "Get started" })).count(0);
        await page.getByRole("button", { name: "Show the getting-started checklist" }).click();
        await expect(page.getByRole("heading", { name: "Get started" })).visible();
        // A test run of the draft, then a published draft: done, and the checklist goes away.
        await api.post(`/workflows/${wf.id}/test`, { from: "+393330000001", number_id: number.id });
        state = await checklistMatches(page, onboarding);
        if (!state.draft_tested) throw new Error("GET /onboarding: draft_tested is false after a test run");
        await api.put(`/workflows/${wf.id}/draft`, { ...SIMPLE_FLOW, steps: [{ id: "reply", type: "send_text", text: "Costa 12 euro." }] });
        await api.post(`/workflows/${wf.id}/publish`);
        state = await checklistMatches(page, onboarding);
        if (Object.values(state).some((v) => !v)) throw new Error(`GET /onboarding after a publish: ${JSON.stringify(state)}`);
        await expect(page.getByRole("button", { name: "Show the getting-started checklist" })).count(0);
      }),
  },
  {
    name: "home: the period's totals and charts from GET /stats, switched between 7, 30 and 90 days, and the numbers' health",
    run: async ({ page, env }) => {
      const api = apiClient(env.apiUrl, env.token);
      const number = await api.post("/numbers", { label: "Home line", channel: "sandbox" });
      const flow = await api.post("/workflows", {
        name: "Home echo",
        priority: 5,
        trigger: { type: "message_received" },
        conditions: { type: "text", op: "contains", values: ["homecheck"] },
        steps: [{ id: "echo", type: "send_text", text: "Echo from home" }],
      });
      // Three contacts (another test's flow may wait for a contact's next message and take it).
      for (const i of [1, 2, 3]) await api.post(`/numbers/${number.id}/sandbox/inbound`, { from: `+39333000990${i}`, text: `homecheck ${i}` });
      const deadline = Date.now() + 10000;
      for (;;) {
        const out = await api.get(`/numbers/${number.id}/sandbox/outbox`);
        const items = Array.isArray(out) ? out : out.data ?? out.items ?? [];
        if (items.filter((m) => JSON.stringify(m).includes("Echo from home")).length >= 3) break;
        if (Date.now() > deadline) throw new Error(`the flow did not answer three times: ${JSON.stringify(out).slice(0, 3000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }

      const seven = page.waitForResponse((r) => /\/api\/v1\/stats\?days=7$/.test(r.url()));
      await page.goto("/home");
      if ((await seven).status() !== 200) throw new Error(`GET /stats?days=7 answered ${(await seven).status()}`);
      await expect(page.getByRole("heading", { name: "Home", exact: true })).visible();
      const stats = await api.get("/stats?days=7");
      const sum = (k) => stats.days.reduce((s, d) => s + d[k], 0);
      if (stats.days.length !== 7) throw new Error(`GET /stats?days=7 has ${stats.days.length} days`);
      if (sum("messages_in") < 3 || sum("messages_out") < 3) throw new Error(`GET /stats?days=7 counts ${sum("messages_in")} in and ${sum("messages_out")} out after 3 and 3`);
      // The totals are the period's sums, in the locale's digits.
      for (const key of ["messages_in", "messages_out", "runs", "failures", "ai_credits"]) {
        await expect(page.getByTestId(`total-${key}`).locator("dd")).text(new RegExp(`^${new Intl.NumberFormat("en-US").format(sum(key))}$`));
      }
      // Each chart: a title, an image labelled with its numbers, and a hidden table of them, a row a day.
      const messages = page.getByRole("table", { name: "Messages per day" });
      await expect(messages.locator("tbody tr")).count(7);
      const today = messages.locator("tbody tr").last();
      await expect(today.locator("td").first()).text(new RegExp(`^${stats.days[6].messages_in}$`));
      await expect(page.getByRole("img", { name: /^Messages per day, last 7 days: Messages in \d+, Messages out \d+\. Busiest day/ })).visible();
      await expect(page.getByRole("figure", { name: "Runs and failures per day" }).locator("svg rect")).minCount(1);
      await expect(page.getByRole("table", { name: "AI credits per day" }).locator("tbody tr")).count(7);
      const perFlow = page.getByRole("table", { name: "Replies per flow" }).locator("tbody tr", { hasText: "Home echo" });
      const flowStats = stats.workflows.find((w) => w.workflow_id === flow.id);
      if (!flowStats || flowStats.replies < 3) throw new Error(`GET /stats?days=7 counts the flow as ${JSON.stringify(flowStats)}`);
      await expect(perFlow.locator("td").first()).text(new RegExp(`^${flowStats.replies}$`));
      // The numbers' health: each number with its status in words.
      const health = page.getByTestId("health-numbers");
      await expect(health.locator("li", { hasText: "Home line" }).getByText("connected")).visible();
      await expect(health.getByText(/Every number is connected\.|Numbers that need attention: \d+\./)).visible();
      await shot(page, "home");
      await phoneShot(page, "home");
      await page.setViewportSize({ width: 1280, height: 860 });

      // The period switches: 30 then 90 days, a row a day, kept in the address.
      for (const days of [30, 90]) {
        const asked = page.waitForResponse((r) => r.url().endsWith(`/api/v1/stats?days=${days}`));
        await page.getByRole("group", { name: "Period" }).getByRole("button", { name: `${days} days` }).click();
        if ((await asked).status() !== 200) throw new Error(`GET /stats?days=${days} answered ${(await asked).status()}`);
        await expect(messages.locator("tbody tr")).count(days);
        if (!page.url().endsWith(`/home?days=${days}`)) throw new Error(`the period is not in the address: ${page.url()}`);
        if ((await page.getByRole("button", { name: `${days} days` }).getAttribute("aria-pressed")) !== "true") throw new Error(`the ${days} days button is not pressed`);
        await expect(page.getByRole("img", { name: new RegExp(`^Messages per day, last ${days} days`) })).visible();
      }
      await shot(page, "home-90-days");
      await page.reload();
      await expect(page.getByRole("table", { name: "Messages per day" }).locator("tbody tr")).count(90);
      await page.getByRole("button", { name: "7 days" }).click();
      await expect(page.getByRole("table", { name: "Messages per day" }).locator("tbody tr")).count(7);
    },
  },
  {
    name: "first hour (fr): the first three screens from an empty server",
    fresh: true,
    locale: "fr-FR",
    run: ({ page }) => withEmptyServer(page, (server) => firstScreens("fr", server, page)),
  },
  {
    name: "first hour (es): the first three screens from an empty server",
    fresh: true,
    locale: "es-ES",
    run: ({ page }) => withEmptyServer(page, (server) => firstScreens("es", server, page)),
  },
  {
    name: "first hour (it): from an empty server to a published flow, Home's counters, a takeover and its end",
    fresh: true,
    locale: "it-IT",
    run: ({ page }) => withEmptyServer(page, (server) => firstHourItalian(server, page)),
  },
];

const CUSTOMER = "+393471234567";
const REPLY = "Il prezzo è 10 euro. Vuoi ordinare?";

/** The outbox of the sandbox number: what waflow sent, oldest first. */
async function outbox(api, numberId) {
  const out = await api.get(`/numbers/${numberId}/sandbox/outbox`);
  return Array.isArray(out) ? out : out.items ?? out.messages ?? out.data ?? [];
}

/** How many messages sent in the conversation are `text`. */
async function sentCount(api, numberId, conversationId, text) {
  return (await outbox(api, numberId)).filter((m) => m.conversation_id === conversationId && m.text === text).length;
}

async function waitUntil(check, what, ms = 10000) {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`expected ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Home's totals as numbers (read in the page's locale). */
async function homeTotals(page) {
  const out = {};
  for (const key of ["messages_in", "messages_out", "runs"]) {
    const text = await page.getByTestId(`total-${key}`).locator("dd").innerText();
    out[key] = Number(text.replace(/[^\d]/g, ""));
  }
  return out;
}

async function firstHourItalian(server, page) {
  const ui = UI.it;
  let api = null;
  let number = null;
  let before = null;
  const ctx = {};
  // The customer writes on the sandbox number, as from WhatsApp.
  const live = async (text) => {
    const answer = await api.post(`/numbers/${number.id}/sandbox/inbound`, { from: CUSTOMER, text });
    ctx.liveConversation = answer.conversation_id;
    return answer;
  };
  const replies = () => sentCount(api, number.id, ctx.liveConversation, REPLY);
  await firstScreens("it", server, page, [
    ["flusso", async () => {
      api = apiClient(server.apiUrl, await page.evaluate(() => localStorage.getItem("waflow.token")));
      const numbers = await api.get("/numbers");
      number = (numbers.data ?? numbers).find((n) => n.label === SHOP_NUMBER);
      if (!number) throw new Error("no number after adding the sandbox one");
      await page.getByRole("navigation").getByRole("link", { name: ui.workflows, exact: true }).click();
      await page.getByRole("button", { name: ui.newWorkflow }).click();
      await page.waitForURL(/\/workflows\/wf_/);
      ctx.workflowId = new URL(page.url()).pathname.split("/").pop();
      await page.getByRole("tab", { name: ui.workflowTab, exact: true }).click();
      await page.getByLabel(ui.name, { exact: true }).fill("Risposta prezzi");
      await page.getByLabel(ui.active).check();
      // Trigger: any message whose text contains "prezzo".
      await page.getByRole("tab", { name: ui.triggerTab, exact: true }).click();
      const panel = page.getByRole("tabpanel");
      await panel.getByRole("button", { name: ui.addCondition, exact: true }).click();
      await panel.getByLabel(ui.condition, { exact: true }).selectOption("text");
      await panel.getByLabel(ui.operator, { exact: true }).selectOption("contains");
      await panel.getByLabel(ui.values).fill("prezzo");
      // The reply: the starter step, picked with the mouse on the canvas.
      await page.locator('.react-flow__node[data-id="reply"]').click();
      await panel.getByLabel(ui.message, { exact: true }).fill(REPLY);
      // Then a tag, two hours later.
      await page.getByRole("button", { name: ui.addTag, exact: true }).click();
      await expect(page.locator(".react-flow__node-step")).count(2);
      await panel.getByLabel(ui.tag, { exact: true }).fill("interessato");
      await panel.getByLabel(ui.when, { exact: true }).fill("2h");
      await page.keyboard.press("Control+s");
      await expect(page.getByRole("status").filter({ hasText: ui.saved })).visible(15000);
      const draft = await api.get(`/workflows/${ctx.workflowId}/versions/draft`);
      const doc = draft.document ?? draft;
      const text = JSON.stringify(doc);
      if (!text.includes("prezzo") || !text.includes("interessato") || !text.includes("2h")) throw new Error(`the saved draft is not the flow built: ${text.slice(0, 400)}`);
    }],
    ["prova", async () => {
      await page.getByRole("button", { name: ui.test, exact: true }).click();
      const chat = page.getByRole("complementary", { name: ui.chat });
      const input = chat.getByLabel(ui.chatInput);
      await input.fill("quanto costa? prezzo");
      await input.press("Enter");
      await expect(chat.getByText(REPLY)).visible(15000);
      await input.fill("ciao");
      await input.press("Enter");
      // No reply, and the why names the condition that failed (and what it saw).
      await expect(chat.getByText(ui.why)).visible(15000);
      await page.waitForTimeout(1000);
      await expect(chat.getByText(REPLY)).count(1);
    }],
    ["pubblica", async () => {
      await page.getByRole("button", { name: ui.publish, exact: true }).click();
      await expect(page.getByText(ui.published)).visible(15000);
      const wf = await api.get(`/workflows/${ctx.workflowId}`);
      if (!wf.active) throw new Error("the published flow is not active");
    }],
    ["home-contatori", async () => {
      await page.getByRole("navigation").getByRole("link", { name: WORDS.it.home, exact: true }).click();
      await expect(page.getByTestId("total-messages_in")).visible();
      before = await homeTotals(page);
      // A customer writes on the (sandbox) number: the live flow answers.
      await live("Buongiorno, qual è il prezzo della torta?");
      await waitUntil(async () => (await replies()) === 1, "the live flow's reply");
      await page.evaluate(() => window.dispatchEvent(new Event("focus")));
      await page.getByRole("navigation").getByRole("link", { name: ui.workflows, exact: true }).click();
      await page.getByRole("navigation").getByRole("link", { name: WORDS.it.home, exact: true }).click();
      await expect(page.getByTestId("total-messages_in").locator("dd")).text(new RegExp(`^${before.messages_in + 1}$`));
      const after = await homeTotals(page);
      if (after.messages_out < before.messages_out + 1) throw new Error(`messages out went from ${before.messages_out} to ${after.messages_out}`);
      if (after.runs < before.runs + 1) throw new Error(`runs went from ${before.runs} to ${after.runs}`);
    }],
    ["presa-in-carico", async () => {
      await page.getByRole("navigation").getByRole("link", { name: ui.conversations, exact: true }).click();
      await page.getByRole("link", { name: new RegExp(CUSTOMER.replace("+", "\\+")) }).first().click();
      await page.waitForURL(/\/conversations\/cv_/);
      ctx.conversationId = new URL(page.url()).pathname.split("/").pop();
      await page.getByLabel(ui.composer, { exact: true }).fill("Buongiorno, sono Giulia: le rispondo io.");
      await page.getByRole("button", { name: ui.send, exact: true }).click();
      await expect(page.getByText(ui.paused).first()).visible(15000);
      const conv = await api.get(`/conversations/${ctx.conversationId}`);
      if (!conv.automation_paused_until) throw new Error("the conversation is not paused after the agent wrote");
      // The customer writes "prezzo" again: the flow stays silent.
      await live("prezzo?");
      await page.waitForTimeout(2500);
      const count = await replies();
      if (count !== 1) throw new Error(`the flow answered during the takeover (${count} replies)`);
    }],
    ["riprendi", async () => {
      await page.getByRole("button", { name: ui.resume }).click();
      await expect(page.getByText(ui.paused)).count(0);
      const conv = await api.get(`/conversations/${ctx.conversationId}`);
      if (conv.automation_paused_until) throw new Error(`still paused until ${conv.automation_paused_until} after resuming`);
      await live("e il prezzo della crostata?");
      await waitUntil(async () => (await replies()) === 2, "the flow's reply after resuming");
    }],
  ]);
}
