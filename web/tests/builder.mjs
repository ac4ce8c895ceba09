// The flow builder's defects of issue 18, one test each: steps under a menu's options end there
// (no fall-through into the next step of the list), "End the run" in Next, routes picked by the
// option's title and the steps by what they do, a new button's edge drawn at once, the warning
// when another live workflow takes the same messages, the test chat running the draft as live
// would (trigger, conditions, the why when nothing runs, the live workflows untouched), a zoom
// that stays readable, the library's search, "+" on an edge, and "keep running during a takeover".

import { join } from "node:path";
import { expect } from "./expect.mjs";
import { apiClient, OUTPUT } from "./harness.mjs";

const shot = (page, name) => page.screenshot({ path: join(OUTPUT, `${name}.png`) });

async function until(what, check, ms = 15000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last === true || (last && typeof last === "object")) return last;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${typeof last === "string" ? ` (${last})` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const api = (env) => apiClient(env.apiUrl, env.token);

/** Waits until the canvas stops moving: selecting a new step brings it into view after 60 ms,
 * animated over 200 ms, and a click aimed before that lands where the target no longer is. */
async function viewSettled(page) {
  const transform = () => page.locator(".react-flow__viewport").evaluate((el) => el.style.transform);
  let last = await transform();
  let still = 0;
  const end = Date.now() + 5000;
  while (still < 400 && Date.now() < end) {
    await page.waitForTimeout(100);
    const now = await transform();
    still = now === last ? still + 100 : 0;
    last = now;
  }
}

/** The saved draft (or the live document when no draft). */
async function draftOf(client, id) {
  const { draft } = await client.get(`/workflows/${id}/draft`);
  return draft ?? (await client.get(`/workflows/${id}`)).document;
}

/** The step the engine runs after `id` when nothing branches: its `next`, else the next in the list. */
function successor(doc, id) {
  const i = doc.steps.findIndex((s) => s.id === id);
  const s = doc.steps[i];
  if (!s) return null;
  return s.next ?? doc.steps[i + 1]?.id ?? null;
}

let n = 0;
/** A new inactive workflow (it never answers real messages), opened in the builder. */
async function open(page, env, doc) {
  const client = api(env);
  const wf = await client.post("/workflows", { active: false, ...doc, name: `${doc.name} ${++n}` });
  await page.goto(`/workflows/${wf.id}`);
  await expect(page.locator(".react-flow__node-step")).count(doc.steps.length);
  return { client, wf };
}

const MENU = {
  name: "Shop menu",
  trigger: { type: "exact_phrase", phrase: "menu" },
  steps: [
    { id: "welcome", type: "menu", content: { type: "buttons", body: "What do you need?", buttons: [{ id: "opt-price", title: "Prices" }, { id: "opt-hours", title: "Opening hours" }] }, routes: {} },
    { id: "goodbye", type: "send_text", text: "Thanks for writing!" },
  ],
};

export const BUILDER_TESTS = [
  {
    name: "builder: steps added under two menu options end there (no fall-through)",
    width: 1400,
    height: 900,
    run: async ({ page, env }) => {
      const { client, wf } = await open(page, env, MENU);
      // Option 1 with the "+" under its handle on the canvas, through the dialog's search.
      await page.getByRole("button", { name: "Add a step on “Prices” of welcome" }).click();
      const dialog = page.getByRole("dialog", { name: "Add a step" });
      await dialog.getByLabel("Search the steps").fill("send text");
      await dialog.getByRole("button", { name: "+ Send text" }).click();
      await expect(dialog).count(0);
      await page.getByRole("tabpanel").getByLabel("Message", { exact: true }).fill("Our prices start at 10 euros.");
      // Option 2 from the library with the menu selected: it goes on the first option without a step.
      await page.getByRole("navigation", { name: "Steps" }).getByRole("button", { name: /welcome/ }).click();
      await page.locator(".builder-left").getByRole("button", { name: "+ Send text" }).click();
      await page.getByRole("tabpanel").getByLabel("Message", { exact: true }).fill("We are open 9 to 18.");
      await page.keyboard.press("Control+s");
      const doc = await until("both options routed in the saved draft", async () => {
        const d = await draftOf(client, wf.id);
        const r = d.steps[0].routes ?? {};
        const price = d.steps.find((s) => s.text === "Our prices start at 10 euros.");
        const hours = d.steps.find((s) => s.text === "We are open 9 to 18.");
        return r["opt-price"] && r["opt-hours"] && price && hours ? d : `routes ${JSON.stringify(r)}`;
      });
      const price = doc.steps[0].routes["opt-price"];
      const hours = doc.steps[0].routes["opt-hours"];
      if (price === hours) throw new Error(`both options lead to ${price}`);
      for (const [from, other] of [[price, hours], [hours, price]]) {
        const after = successor(doc, from);
        if (after === other || after === "goodbye") throw new Error(`${from} continues into ${after}: ${JSON.stringify(doc.steps)}`);
        const step = doc.steps.find((s) => s.id === after);
        if (after !== null && step?.type !== "end") throw new Error(`${from} continues into ${after} (${step?.type}), not an end`);
      }
      await shot(page, "builder-menu-branches");
    },
  },
  {
    name: "builder: “End the run” in Next ends the saved flow there",
    width: 1400,
    height: 900,
    run: async ({ page, env }) => {
      const { client, wf } = await open(page, env, {
        name: "Two texts", trigger: { type: "message_received" },
        steps: [{ id: "first", type: "send_text", text: "One" }, { id: "second", type: "send_text", text: "Two" }],
      });
      await page.getByRole("navigation", { name: "Steps" }).getByRole("button", { name: /first/ }).click();
      const next = page.getByRole("tabpanel").getByLabel("Next →");
      await next.selectOption({ label: "End the run" });
      await page.keyboard.press("Control+s");
      const doc = await until("first ending in the saved draft", async () => {
        const d = await draftOf(client, wf.id);
        const after = successor(d, "first");
        return d.steps.find((s) => s.id === after)?.type === "end" ? d : `first → ${after}`;
      });
      if (successor(doc, "first") === "second") throw new Error("first still continues into second");
      if ((await next.inputValue()) !== "__end") throw new Error("the Next select does not show “End the run”");
      await expect(page.getByTestId("rf__edge-first:next")).count(1);
    },
  },
  {
    name: "builder: menu routes are picked by the option's title, steps by what they do",
    width: 1400,
    height: 900,
    run: async ({ page, env }) => {
      const { client, wf } = await open(page, env, {
        ...MENU,
        steps: [
          MENU.steps[0],
          { id: "send-text-1", type: "send_text", text: "Our prices start at 10 euros.", next: "done" },
          { id: "send-text-2", type: "send_text", text: "We are open 9 to 18.", next: "done" },
          { id: "done", type: "end" },
        ],
      });
      await page.locator('.react-flow__node[data-id="welcome"]').click();
      const panel = page.getByRole("tabpanel");
      const route = panel.getByLabel("Prices →", { exact: true });
      await expect(route).visible();
      await expect(panel.getByLabel("Opening hours →", { exact: true })).visible();
      await expect(panel.getByLabel("opt-price →")).count(0);
      const options = await route.locator("option").allInnerTexts();
      const byId = options.filter((o) => /^(send-text-\d|done)\b/.test(o.trim()));
      if (byId.length) throw new Error(`the route picker lists steps by id: ${JSON.stringify(options)}`);
      const wanted = options.find((o) => o.includes("Our prices start at"));
      if (!wanted) throw new Error(`no step described by its text in ${JSON.stringify(options)}`);
      await route.selectOption({ label: wanted });
      await page.keyboard.press("Control+s");
      await until("the route saved", async () => ((await draftOf(client, wf.id)).steps[0].routes?.["opt-price"] === "send-text-1") || "not yet");
      await expect(page.getByTestId("rf__edge-welcome:route:opt-price")).count(1);
    },
  },
  {
    name: "builder: a new button's edge is drawn at once, without a reload",
    width: 1400,
    height: 900,
    run: async ({ page, env }) => {
      const { client, wf } = await open(page, env, {
        ...MENU,
        steps: [
          { ...MENU.steps[0], routes: { "opt-price": "price", "opt-hours": "hours" } },
          { id: "price", type: "send_text", text: "Our prices start at 10 euros.", next: "done" },
          { id: "hours", type: "send_text", text: "We are open 9 to 18.", next: "done" },
          { id: "human", type: "assign_agent", agent: null, next: "done" },
          { id: "done", type: "end" },
        ],
      });
      const edges = page.locator(".react-flow__edge");
      await expect(edges).minCount(4);
      await expect(page.getByTestId("rf__edge-welcome:route:opt-price")).count(1);
      const before = await edges.count();
      await page.locator('.react-flow__node[data-id="welcome"]').click();
      const panel = page.getByRole("tabpanel");
      await panel.getByRole("button", { name: "+ Button" }).click();
      await panel.getByLabel("Title 3").fill("Talk to us");
      await panel.getByLabel("Talk to us →", { exact: true }).selectOption("human");
      // Drawn at once: no reload, no other change.
      await expect(page.getByTestId("rf__edge-welcome:route:option-3")).count(1, 3000);
      await expect(edges).count(before + 1, 3000);
      const drawn = await page.getByTestId("rf__edge-welcome:route:option-3").locator("path.react-flow__edge-path").getAttribute("d");
      if (!drawn || /NaN/.test(drawn)) throw new Error(`the new edge has no path: ${drawn}`);
      await page.keyboard.press("Control+s");
      await until("the new route saved", async () => ((await draftOf(client, wf.id)).steps[0].routes?.["option-3"] === "human") || "not yet");
    },
  },
  {
    name: "builder: a warning names the other live workflow that takes the same messages",
    width: 1400,
    height: 900,
    run: async ({ page, env }) => {
      const client = api(env);
      const doc = (name) => ({
        name, active: true, priority: 77, trigger: { type: "message_received" },
        conditions: { all: [{ type: "text", op: "contains", values: ["orari"] }] },
        steps: [{ id: "hours", type: "send_text", text: `${name}: 9-18` }],
      });
      const first = await client.post("/workflows", doc("Orari negozio"));
      const second = await client.post("/workflows", doc("Orari magazzino"));
      try {
        await page.goto(`/workflows/${second.id}`);
        const warning = page.getByRole("alert", { name: "Other workflows take the same messages" });
        await expect(warning).visible(15000);
        await expect(warning.getByText("“Orari negozio”")).visible();
        await shot(page, "builder-overlap");
        // Before publishing too: a question, not a silent publish.
        await page.getByRole("tabpanel").getByLabel("Description").fill("Changed");
        await page.getByRole("button", { name: "Publish", exact: true }).click();
        const check = page.getByRole("alertdialog", { name: "Publish anyway?" });
        await expect(check).visible();
        await expect(check).text(/Orari negozio/);
        await check.getByRole("button", { name: "Cancel" }).click();
        await expect(check).count(0);
        const wf = await client.get(`/workflows/${second.id}`);
        if (wf.version !== second.version) throw new Error("published without being asked");
      } finally {
        await client.post(`/workflows/${first.id}/deactivate`);
        await client.post(`/workflows/${second.id}/deactivate`);
      }
    },
  },
  {
    name: "builder: the test chat runs the draft as live would (trigger, conditions, why), never the live workflows",
    width: 1400,
    height: 900,
    run: async ({ page, env }) => {
      const client = api(env);
      // A live catch-all that would answer any message reaching the live workflows.
      const live = await client.post("/workflows", {
        name: "Live catch-all", active: true, priority: 1, trigger: { type: "message_received" },
        steps: [{ id: "live", type: "send_text", text: "LIVE WORKFLOW ANSWERED" }],
      });
      try {
        const { wf } = await open(page, env, {
          name: "Prezzi", trigger: { type: "message_received" },
          conditions: { all: [{ type: "text", op: "contains", values: ["prezzo"] }] },
          steps: [{ id: "price", type: "send_text", text: "Il prezzo è 10 euro." }],
        });
        await page.getByRole("button", { name: "Test", exact: true }).click();
        const chat = page.getByRole("complementary", { name: "Test in the sandbox" });
        const create = chat.getByRole("button", { name: "Create a sandbox number" });
        await expect(create.or(chat.locator("#test-message"))).visible();
        if (await create.isVisible()) await create.click();
        const say = async (text) => {
          await chat.locator("#test-message").fill(text);
          await chat.locator("#test-message").press("Enter");
        };
        const noText = chat.getByText("This server cannot yet try a message");
        await say("quanto costa? prezzo");
        const reply = chat.locator(".bubble-waflow", { hasText: "Il prezzo è 10 euro." });
        await expect(reply.or(noText)).visible(15000);
        if (await noText.isVisible()) throw new Error("the server does not take a text in POST /workflows/{id}/test yet (needs the new binary)");
        await expect(chat.locator(".bubble-contact", { hasText: "quanto costa? prezzo" })).visible();
        // A message the conditions refuse: nothing runs, and the pane says which condition failed.
        await say("ciao");
        const why = chat.locator(".chat-why");
        await expect(why).visible(15000);
        await expect(why.first()).text(/prezzo/);
        await expect(why.first()).text(/condition/i);
        await expect(chat.locator(".bubble-contact", { hasText: "ciao" })).visible();
        await page.waitForTimeout(1500);
        await expect(chat.locator(".bubble-waflow", { hasText: "LIVE WORKFLOW ANSWERED" })).count(0);
        await expect(reply).count(1);
        await shot(page, "builder-test-chat");
        // The live workflow never ran, on any number.
        const { data: numbers } = await client.get("/numbers");
        for (const num of numbers.filter((x) => x.channel === "sandbox")) {
          const outbox = await client.get(`/numbers/${num.id}/sandbox/outbox`);
          if (JSON.stringify(outbox).includes("LIVE WORKFLOW ANSWERED")) throw new Error(`a live workflow answered a test-chat message on ${num.label}`);
        }
        const { data: logs } = await client.get(`/logs?workflow_id=${live.id}&limit=50`).catch(() => ({ data: [] }));
        if ((logs ?? []).some((l) => /run/.test(l.kind ?? "") && l.workflow_id === live.id)) throw new Error(`the live workflow has runs: ${JSON.stringify(logs).slice(0, 400)}`);
        void wf;
      } finally {
        await client.post(`/workflows/${live.id}/deactivate`);
      }
    },
  },
  {
    name: "builder: zooming out stops at a readable size; the selected step is brought into view",
    width: 1280,
    height: 800,
    run: async ({ page, env }) => {
      const steps = Array.from({ length: 40 }, (_, i) => ({ id: `s${i + 1}`, type: "send_text", text: `Message number ${i + 1}` }));
      await open(page, env, { name: "Long flow", trigger: { type: "message_received" }, steps });
      const zoom = async () => {
        const t = await page.locator(".react-flow__viewport").evaluate((el) => getComputedStyle(el).transform);
        const m = /matrix\(([-\d.e]+)/.exec(t);
        return m ? Number(m[1]) : 1;
      };
      const canvas = page.getByRole("region", { name: "Flow canvas" });
      const box = await canvas.boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      for (let i = 0; i < 25; i++) await page.mouse.wheel(0, 400);
      await page.waitForTimeout(400);
      const out = await zoom();
      if (out < 0.6 - 1e-6) throw new Error(`zoomed out to ${out}: the text is unreadable`);
      await page.locator(".react-flow__controls-fitview").click();
      await page.waitForTimeout(400);
      const fitted = await zoom();
      if (fitted < 0.6 - 1e-6) throw new Error(`fit view zoomed to ${fitted}: the text is unreadable`);
      // The last step, picked in the step list, comes into view.
      await page.getByRole("navigation", { name: "Steps" }).getByRole("button", { name: /^40\./ }).click();
      const node = page.locator('.react-flow__node[data-id="s40"]');
      await until("s40 in view", async () => {
        const b = await node.boundingBox();
        const c = await canvas.boundingBox();
        return (b && b.y >= c.y - 1 && b.y + b.height <= c.y + c.height + 1 && b.x >= c.x - 1 && b.x + b.width <= c.x + c.width + 1) || `node at ${JSON.stringify(b)}`;
      }, 5000);
      await shot(page, "builder-zoom");
    },
  },
  {
    name: "builder: the step library's search filters the steps",
    width: 1400,
    height: 900,
    run: async ({ page, env }) => {
      await open(page, env, { name: "Search", trigger: { type: "message_received" }, steps: [{ id: "hi", type: "send_text", text: "Hi" }] });
      const library = page.locator(".builder-left");
      const buttons = library.getByRole("button", { name: /^\+ / });
      const all = await buttons.count();
      if (all < 20) throw new Error(`the library shows ${all} steps`);
      await library.getByLabel("Search the steps").fill("tag");
      await expect(buttons).count(2);
      await expect(library.getByRole("button", { name: "+ Add tag" })).visible();
      await expect(library.getByRole("button", { name: "+ Remove tag" })).visible();
      await expect(library.getByRole("button", { name: "+ Send text" })).count(0);
      await library.getByLabel("Search the steps").fill("zzzz");
      await expect(buttons).count(0);
      await expect(library.getByText("No step matches “zzzz”.")).visible();
      await library.getByLabel("Search the steps").fill("");
      await expect(buttons).count(all);
    },
  },
  {
    name: "builder: “+” on an edge inserts a step between its two steps",
    width: 1400,
    height: 900,
    run: async ({ page, env }) => {
      const { client, wf } = await open(page, env, {
        name: "Insert", trigger: { type: "message_received" },
        steps: [
          { id: "hello", type: "send_text", text: "Hello" },
          { id: "ask", type: "menu", content: { type: "buttons", body: "Which one?", buttons: [{ id: "a", title: "Alpha" }] }, routes: { a: "alpha" } },
          { id: "alpha", type: "send_text", text: "Alpha it is" },
        ],
      });
      // The trigger's edge, hello → ask (list order) and ask —Alpha→ alpha.
      await expect(page.locator(".react-flow__edge")).count(3);
      // On a list-order edge: hello → (new) → ask.
      await page.getByRole("button", { name: "Add a step between hello and ask" }).click();
      await page.getByRole("dialog", { name: "Add a step" }).getByRole("button", { name: "+ Add tag" }).click();
      await expect(page.locator('.react-flow__node[data-id="add-tag-1"]')).visible();
      await viewSettled(page);
      // On a menu route: ask —Alpha→ (new) → alpha.
      await page.getByRole("button", { name: "Add a step between ask and alpha" }).click();
      await page.getByRole("dialog", { name: "Add a step" }).getByRole("button", { name: "+ Remove tag" }).click();
      await expect(page.locator(".react-flow__edge")).count(5);
      await page.keyboard.press("Control+s");
      const doc = await until("both inserted steps saved", async () => {
        const d = await draftOf(client, wf.id);
        return d.steps.length === 5 ? d : `${d.steps.length} steps`;
      });
      if (successor(doc, "hello") !== "add-tag-1" || successor(doc, "add-tag-1") !== "ask") throw new Error(`hello → ${successor(doc, "hello")} → ${successor(doc, "add-tag-1")}`);
      const ask = doc.steps.find((s) => s.id === "ask");
      if (ask.routes.a !== "remove-tag-1" || successor(doc, "remove-tag-1") !== "alpha") throw new Error(`Alpha → ${ask.routes.a} → ${successor(doc, "remove-tag-1")}`);
      await expect(page.getByTestId("rf__edge-add-tag-1:next")).count(1);
      await expect(page.getByTestId("rf__edge-remove-tag-1:next")).count(1);
    },
  },
  {
    name: "builder: “Keep running during a takeover” writes during_takeover",
    run: async ({ page, env }) => {
      const { client, wf } = await open(page, env, { name: "Opt-out", trigger: { type: "message_received" }, steps: [{ id: "bye", type: "send_text", text: "Bye" }] });
      await page.getByRole("tab", { name: "Workflow" }).click();
      const box = page.getByLabel("Keep running while an agent has taken over the conversation");
      await box.check();
      await until("during_takeover saved", async () => (await draftOf(client, wf.id)).during_takeover === true || "not yet");
      await box.uncheck();
      await until("during_takeover removed", async () => !("during_takeover" in (await draftOf(client, wf.id))) || "still there");
    },
  },
  {
    name: "builder in Italian: the builder's words and the test chat's why in the reader's language",
    width: 1400,
    height: 900,
    run: async ({ page, env }) => {
      const client = api(env);
      const wf = await client.post("/workflows", {
        name: "Prezzi in italiano", active: false, trigger: { type: "message_received" },
        conditions: { all: [{ type: "text", op: "contains", values: ["prezzo"] }] },
        steps: [{ id: "price", type: "send_text", text: "Il prezzo è 10 euro." }],
      });
      const context = await page.context().browser().newContext({ baseURL: env.baseUrl, locale: "it-IT", timezoneId: "Europe/Rome", viewport: { width: 1400, height: 900 } });
      await context.addInitScript((t) => localStorage.setItem("waflow.token", t), env.token);
      const it = await context.newPage();
      try {
        await it.goto(`/workflows/${wf.id}`);
        await expect(it.getByRole("heading", { name: "Aggiungi un passo" })).visible();
        await expect(it.getByLabel("Cerca tra i passi")).visible();
        await expect(it.getByRole("button", { name: "+ Invia testo" })).visible();
        await expect(it.getByRole("tab", { name: "Avvio" })).visible();
        await expect(it.locator(".trigger-node")).text(/se il testo contiene “prezzo”/);
        await it.getByRole("button", { name: "Prova", exact: true }).click();
        const chat = it.getByRole("complementary", { name: "Prova nella sandbox" });
        const create = chat.getByRole("button", { name: "Crea un numero sandbox" });
        await expect(create.or(chat.locator("#test-message"))).visible();
        if (await create.isVisible()) await create.click();
        await chat.locator("#test-message").fill("ciao");
        await chat.locator("#test-message").press("Enter");
        await expect(chat.locator(".chat-why")).text(/La bozza non è partita\. Condizione non soddisfatta: il testo contiene “prezzo”/, 15000);
        const body = await it.locator("body").innerText();
        const raw = body.match(/\b(?:bar|tab|chat|conn|edge|insert|library|overlap|panel|why|canvas|notice|status|settings|trigger|step|cond|leaf|lf|form|content|versions|default)\.[a-zA-Z]+(?:\.[\w]+)*\b/);
        if (raw) throw new Error(`the Italian builder shows the key ${raw[0]}`);
        await it.screenshot({ path: join(OUTPUT, "builder-it.png") });
      } finally {
        await context.close();
      }
    },
  },
];
