// AI replies in the dashboard: the provider and knowledge under Settings, the "Reply with AI"
// step in the builder, and AI log entries (a reply, a collision avoided) on the Logs page. A tiny
// OpenAI-compatible provider runs inside the test process, so replies are real but local.

import { createServer } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "./expect.mjs";
import { OUTPUT } from "./harness.mjs";
import { seed } from "./pages.mjs";

const shot = (page, name, fullPage = true) => page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage });

async function phoneShot(page, name) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await shot(page, `${name}-390`);
  if (overflow > 1) throw new Error(`${name}: the page is ${overflow}px wider than a 390 px screen`);
}

/** A local OpenAI-compatible chat-completions endpoint; `delayMs` slows its answers. */
let provider = null;
async function fakeProvider() {
  if (provider) return provider;
  const state = { url: "", delayMs: 0, requests: 0, reply: "Ciao! La felpa rossa costa 49,90 euro." };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url.endsWith("/chat/completions")) {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"message":"not found"}}');
        return;
      }
      state.requests++;
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            id: "chatcmpl-test",
            object: "chat.completion",
            model: "fake-model",
            choices: [{ index: 0, message: { role: "assistant", content: state.reply }, finish_reason: "stop" }],
            usage: { prompt_tokens: 42, completion_tokens: 12, total_tokens: 54 },
          }),
        );
      }, state.delayMs);
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  server.unref();
  state.url = `http://127.0.0.1:${server.address().port}/v1`;
  provider = state;
  return state;
}

async function until(what, check, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const r = await check();
    if (r) return r;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const CATALOGUE = `name,description,price,sku
Felpa rossa,Felpa in cotone rosso con cappuccio,49.90,FR-01
Giacca antivento,Giacca leggera impermeabile per la corsa,89.00,GA-02
Scarpe trail,Scarpe da trail running con suola Vibram,129.00,ST-03
`;

export const AI_TESTS = [
  {
    name: "settings page: AI provider, knowledge upload, search and delete",
    run: async ({ page, env }) => {
      const { api } = await seed(env);
      const fake = await fakeProvider();
      await page.goto("/settings");
      const form = page.getByRole("form", { name: "AI provider" });
      await expect(form.getByText(/No AI provider yet/)).visible();
      await expect(form.getByText(/1 credit per started 100 characters/)).visible();
      // A refusal in words, under its field.
      await form.getByLabel("Base URL").fill("ftp://models.example.com");
      await form.getByLabel("Model", { exact: true }).fill("fake-model");
      await form.getByRole("button", { name: "Save AI provider" }).click();
      await expect(form.locator(".field-error")).text(/http:\/\/ or https:\/\//);
      // The provider, saved.
      await form.getByLabel("Base URL").fill(fake.url);
      await form.getByLabel("API key", { exact: true }).fill("sk-test-123");
      await form.getByLabel("Authentication").selectOption("bearer");
      await form.getByLabel("Timeout (ms)").fill("20000");
      await form.getByLabel("Max tokens per reply").fill("300");
      await form.getByLabel("Business prompt").fill("Nordvento, abbigliamento sportivo a Trento. Spedizione in 48 ore.");
      await form.getByLabel("Language of fixed replies").selectOption("it");
      await form.getByLabel("Credits left").fill("100");
      await form.getByRole("button", { name: "Save AI provider" }).click();
      await expect(form.getByText("AI provider saved.")).visible();
      await expect(form.getByTestId("api-key-state")).text(/^set$/);
      await page.reload();
      await expect(form.getByLabel("Base URL")).visible();
      if ((await form.getByLabel("Base URL").inputValue()) !== fake.url) throw new Error("the base URL was not kept");
      if ((await form.getByLabel("API key", { exact: true }).inputValue()) !== "") throw new Error("the API key is shown back");
      await expect(form.getByTestId("api-key-state")).text(/^set$/);
      await expect(form.getByTestId("ai-credits")).text(/^100$/);
      const ai = await api.get("/workspace/ai");
      for (const [k, v] of Object.entries({ configured: true, base_url: fake.url, model: "fake-model", auth: "bearer", api_key_set: true, timeout_ms: 20000, max_tokens: 300, language: "it", credits: 100 })) {
        if (ai[k] !== v) throw new Error(`GET /workspace/ai: ${k} is ${JSON.stringify(ai[k])}, expected ${JSON.stringify(v)}`);
      }
      if (!/Nordvento/.test(ai.business_prompt)) throw new Error("the business prompt was not saved");
      // Removing the key: the dashboard sends `"api_key": null` and the server removes it.
      await form.getByLabel("Remove the API key").check();
      const [removal] = await Promise.all([
        page.waitForRequest((r) => r.method() === "PUT" && r.url().endsWith("/api/v1/workspace/ai")),
        form.getByRole("button", { name: "Save AI provider" }).click(),
      ]);
      if (removal.postDataJSON().api_key !== null) throw new Error(`the removal sent ${removal.postData()}`);
      await expect(form.getByText("AI provider saved.")).visible();
      if ((await api.get("/workspace/ai")).api_key_set) throw new Error("the API key was not removed");
      await expect(form.getByTestId("api-key-state")).text(/^not set$/);
      await form.getByLabel("API key", { exact: true }).fill("sk-test-456");
      await form.getByRole("button", { name: "Save AI provider" }).click();
      await expect(form.getByTestId("api-key-state")).text(/^set$/);

      // Knowledge: a CSV catalogue uploaded through the file input.
      const dir = mkdtempSync(join(tmpdir(), "waflow-knowledge-"));
      const csv = join(dir, "catalogo.csv");
      writeFileSync(csv, CATALOGUE);
      await page.getByLabel("Upload a file").setInputFiles(csv);
      await expect(page.getByText(/catalogo\.csv loaded, 3 items/)).visible();
      const row = page.getByTestId("knowledge-file").filter({ hasText: "catalogo.csv" });
      await expect(row).text(/catalogue\s+3/);
      // A file that does not read is refused in words.
      const bad = join(dir, "notes.docx");
      writeFileSync(bad, "not a known format");
      await page.getByLabel("Upload a file").setInputFiles(bad);
      await expect(page.getByRole("alert").filter({ hasText: /notes\.docx was not loaded/ })).visible();
      // What a reply would be given.
      await page.getByLabel("What would a reply to this be given?").fill("avete una felpa rossa?");
      await page.getByRole("button", { name: "Search", exact: true }).click();
      await expect(page.getByTestId("knowledge-result").first()).text(/Felpa rossa/);
      await shot(page, "settings-ai");
      await phoneShot(page, "settings-ai");
      // Delete a second file, keep the catalogue for the other tests.
      const faq = join(dir, "faq.md");
      writeFileSync(faq, "# Spedizioni\n\nSpediamo in 48 ore in tutta Italia.\n");
      await page.setViewportSize({ width: 1280, height: 860 });
      await page.getByLabel("Upload a file").setInputFiles(faq);
      await expect(page.getByTestId("knowledge-file").filter({ hasText: "faq.md" })).visible();
      page.once("dialog", (d) => void d.accept());
      await page.getByRole("button", { name: "Delete faq.md" }).click();
      await expect(page.getByTestId("knowledge-file").filter({ hasText: "faq.md" })).count(0);
      const files = await api.get("/workspace/knowledge");
      if (files.items !== 3 || files.files.length !== 1) throw new Error(`knowledge after delete: ${JSON.stringify(files)}`);
    },
  },
  {
    name: "builder page: a Reply with AI step with its fallback edge, saved and reloaded",
    width: 1400,
    height: 900,
    run: async ({ page, env }) => {
      const { api } = await seed(env);
      const wf = await api.post("/workflows", {
        name: "AI desk", active: false, trigger: { type: "message_received" },
        steps: [{ id: "sorry", type: "send_text", text: "Sorry, a colleague will answer you soon." }],
      });
      await page.goto(`/workflows/${wf.id}`);
      const panel = page.getByRole("tabpanel");
      const outline = page.getByRole("navigation", { name: "Steps" });
      await outline.getByRole("button", { name: /sorry/ }).click();
      await panel.getByLabel("Translate into the contact's language").check();
      await page.getByRole("button", { name: "+ Reply with AI" }).click();
      await expect(page.locator('.react-flow__node[data-id="ai-reply-1"]')).visible();
      await panel.getByRole("button", { name: "Move earlier" }).click();
      await panel.getByLabel("Wait for a pause of (seconds)").fill("1.5");
      await panel.getByLabel("Previous messages shown").fill("4");
      await panel.getByLabel("Helper phrases (one per line)").fill("We ship in 24 hours\nReturns are free for 30 days");
      await panel.getByLabel("System prefix").fill("[Automatic reply]");
      await panel.getByLabel("An agent replied").uncheck();
      await panel.getByLabel("Fallback →").selectOption("sorry");
      // An end after the AI step, so that a reply ends the run.
      await page.getByRole("button", { name: "+ End", exact: true }).click();
      await expect(page.locator('.react-flow__node[data-id="end-1"]')).visible();
      await page.keyboard.press("Control+s");
      await expect(page.getByRole("status").filter({ hasText: "Draft saved" })).visible(15000);

      await page.reload();
      const node = page.locator('.react-flow__node[data-id="ai-reply-1"]');
      await expect(node).visible();
      await expect(node).text(/Reply with AI/);
      await expect(node.getByText("fallback", { exact: true })).visible();
      await expect(page.getByTestId("rf__edge-ai-reply-1:on_failure")).count(1);
      await expect(page.locator('.react-flow__node[data-id="sorry"]')).text(/translated/);
      await node.click();
      await expect(panel.getByLabel("System prefix")).visible();
      if ((await panel.getByLabel("Wait for a pause of (seconds)").inputValue()) !== "1.5") throw new Error("the pause was not kept");
      if ((await panel.getByLabel("Fallback →").inputValue()) !== "sorry") throw new Error("the fallback edge was not kept");
      await shot(page, "builder-ai", false);

      const { draft } = await api.get(`/workflows/${wf.id}/draft`);
      const ids = draft.steps.map((s) => s.id).join(",");
      if (ids !== "ai-reply-1,end-1,sorry") throw new Error(`draft steps are ${ids}`);
      const step = draft.steps[0];
      const want = { type: "ai_reply", debounce_ms: 1500, history: 4, system_prefix: "[Automatic reply]", cancel_if_contact_wrote: true, cancel_if_agent_replied: false, on_failure: "sorry" };
      for (const [k, v] of Object.entries(want)) {
        if (step[k] !== v) throw new Error(`the saved ai_reply step has ${k} = ${JSON.stringify(step[k])}, expected ${JSON.stringify(v)}: ${JSON.stringify(step)}`);
      }
      if (JSON.stringify(step.helpers) !== JSON.stringify(["We ship in 24 hours", "Returns are free for 30 days"])) throw new Error(`helpers: ${JSON.stringify(step.helpers)}`);
      if (draft.steps[2].translate !== true) throw new Error(`send_text translate: ${JSON.stringify(draft.steps[2])}`);
    },
  },
  {
    name: "logs page: an AI reply and a collision avoided, in words",
    run: async ({ page, env }) => {
      const { api, support } = await seed(env);
      const fake = await fakeProvider();
      await api.put("/workspace/ai", { base_url: fake.url, model: "fake-model", api_key: "sk-test", credits: 100 });
      await api.post("/workflows", {
        name: "AI assistant", priority: 1, stop_on_match: true, active: true,
        trigger: { type: "exact_phrase", phrase: "assistente" },
        steps: [
          { id: "ai", type: "ai_reply", debounce_ms: 0, history: 5, on_failure: "sorry", next: "done" },
          { id: "done", type: "end" },
          { id: "sorry", type: "send_text", text: "Un collega ti risponde presto." },
        ],
      });
      const logs = (outcome) => api.get(`/logs?period=today&outcome=${outcome}`).then((p) => p.data.filter((e) => e.kind === "ai"));
      // A reply.
      fake.delayMs = 0;
      await api.post(`/numbers/${support.id}/sandbox/inbound`, { from: "+393339990001", text: "assistente" });
      await until("an AI reply in the logs", async () => (await logs("replied")).length > 0);
      // A collision: the contact writes again while the provider is thinking.
      fake.delayMs = 2500;
      const before = fake.requests;
      await api.post(`/numbers/${support.id}/sandbox/inbound`, { from: "+393339990002", text: "assistente" });
      await until("the provider to be asked", async () => fake.requests > before);
      await api.post(`/numbers/${support.id}/sandbox/inbound`, { from: "+393339990002", text: "ci sei?" });
      await until("a collision avoided in the logs", async () => (await logs("collision_avoided")).length > 0);
      fake.delayMs = 0;
      const left = (await api.get("/workspace/ai")).credits;
      if (!(left < 100)) throw new Error(`credits were not used: ${left}`);

      await page.goto("/logs?period=today");
      await page.getByLabel("Outcome").selectOption("collision_avoided");
      await page.getByRole("button", { name: "Apply" }).click();
      const entry = page.getByTestId("log-entry").first();
      await expect(entry).text(/collision avoided/i);
      await expect(entry.locator(".badge", { hasText: "AI reply" })).visible();
      await entry.getByRole("button", { name: /Why\?/ }).click();
      await expect(entry.getByTestId("log-sentence")).text(/Collision avoided: the AI reply was not sent, because the contact wrote again/);
      await expect(entry.getByText(/felpa rossa costa/).first()).visible();
      await shot(page, "logs-ai");
      await page.getByLabel("Outcome").selectOption("replied");
      await page.getByRole("button", { name: "Apply" }).click();
      const replied = page.getByTestId("log-entry").first();
      await expect(replied).text(/replied/i);
      await replied.getByRole("button", { name: /Why\?/ }).click();
      await expect(replied.getByTestId("log-sentence")).text(/The AI reply was sent \(1 credit\)/);
      await expect(replied.getByText("fake-model").first()).visible();
    },
  },
];
