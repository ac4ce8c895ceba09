// The Conversations page against the real server: the list's last message, unread badges and
// search; reading a thread marks it read; an agent's message moving from queued to sent on
// screen; times in words (never raw RFC 3339); human takeover's banner and "Resume automation";
// and Settings › Human takeover.

import { expect } from "./expect.mjs";
import { join } from "node:path";
import { apiClient, OUTPUT } from "./harness.mjs";
import { shot, phoneShot } from "./pages.mjs";

let seeded = null;

/** A sandbox number with automation off (no workflow answers) and two contacts who wrote. */
async function seedConversations(env) {
  if (seeded) return seeded;
  const api = apiClient(env.apiUrl, env.token);
  const line = await api.post("/numbers", { label: "Boutique line", channel: "sandbox" });
  await api.patch(`/numbers/${line.id}`, { automation: false });
  await api.post("/contacts", { phone: "+393401110001", name: "Lucia Verdi" });
  await api.post("/contacts", { phone: "+393401110002", name: "Paolo Neri" });
  for (const [from, text] of [
    ["+393401110001", "Buongiorno"],
    ["+393401110002", "Vorrei prenotare un tavolo per sabato"],
    ["+393401110001", "Avete la taglia M della giacca blu?"],
  ]) {
    await api.post(`/numbers/${line.id}/sandbox/inbound`, { from, text });
  }
  const all = (await api.get("/conversations?limit=200")).data.filter((c) => c.number_id === line.id);
  const lucia = all.find((c) => c.contact_phone === "+393401110001");
  const paolo = all.find((c) => c.contact_phone === "+393401110002");
  if (!lucia || !paolo) throw new Error("the seeded conversations were not found");
  seeded = { api, line, lucia, paolo };
  return seeded;
}

/** Fails when the page shows a raw RFC 3339 time or the epoch. */
async function noRawTimes(page) {
  const text = await page.locator("body").innerText();
  const raw = text.match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|[+-]00:00\b|1970/);
  if (raw) throw new Error(`the page shows a raw time: ${raw[0]}`);
}

export const CONVERSATION_TESTS = [
  {
    name: "conversations page: last message preview, unread badge, search, read on open",
    run: async ({ page, env }) => {
      const { api, lucia, paolo } = await seedConversations(env);
      await page.goto("/conversations");
      const list = page.getByRole("list", { name: "Conversations" });
      const luciaItem = list.getByRole("link", { name: /Lucia Verdi/ });
      const paoloItem = list.getByRole("link", { name: /Paolo Neri/ });
      // The last message's words, and how many of the contact's messages are unread.
      await expect(luciaItem.getByTestId("conv-preview")).text(/Avete la taglia M della giacca blu\?/);
      await expect(paoloItem.getByTestId("conv-preview")).text(/Vorrei prenotare un tavolo/);
      await expect(luciaItem.getByLabel("2 unread messages")).visible();
      await expect(paoloItem.getByLabel("1 unread message")).visible();
      await noRawTimes(page);
      await shot(page, "conversations-list");

      // Search: by the message's words, then by phone; the words go into the address.
      await page.getByLabel("Search conversations").fill("prenotare");
      await page.waitForURL(/\?q=prenotare/);
      await expect(list.getByRole("link", { name: /Lucia Verdi/ })).count(0);
      await expect(list.getByRole("link", { name: /Paolo Neri/ })).visible();
      await page.getByLabel("Search conversations").fill("3401110001");
      await expect(list.getByRole("link", { name: /Paolo Neri/ })).count(0);
      await expect(list.getByRole("link", { name: /Lucia Verdi/ })).visible();
      await page.getByLabel("Search conversations").fill("nessuno-scrive-questo");
      await expect(page.getByText("No conversation matches “nessuno-scrive-questo”.")).visible();
      await page.getByLabel("Search conversations").fill("");
      await page.waitForURL((u) => !u.search.includes("q="));

      // Opening a thread marks it read: the badge goes, and the server agrees.
      await list.getByRole("link", { name: /Lucia Verdi/ }).click();
      await expect(page.locator(".thread-chat .bubble", { hasText: "Avete la taglia M" })).visible();
      await expect(list.getByRole("link", { name: /Lucia Verdi/ }).getByTestId("unread")).count(0);
      const until = Date.now() + 5000;
      let unread = -1;
      while (Date.now() < until) {
        unread = (await api.get("/conversations?limit=200")).data.find((c) => c.id === lucia.id)?.unread;
        if (unread === 0) break;
        await page.waitForTimeout(200);
      }
      if (unread !== 0) throw new Error(`the server still counts ${unread} unread messages after opening`);
      await page.reload();
      await expect(list.getByRole("link", { name: /Paolo Neri/ }).getByLabel("1 unread message")).visible();
      await expect(list.getByRole("link", { name: /Lucia Verdi/ }).getByTestId("unread")).count(0);
      // Message times are in words too.
      await noRawTimes(page);
      if (!paolo) throw new Error("unreachable");
    },
  },
  {
    name: "conversations page: an agent's message goes from queued to sent; takeover banner and resume",
    run: async ({ page, env }) => {
      const { api, paolo } = await seedConversations(env);
      await page.goto(`/conversations/${paolo.id}`);
      await expect(page.locator(".thread-chat .bubble", { hasText: "Vorrei prenotare" })).visible();
      // Every status the reply shows on screen, in order (recorded in the page as it changes).
      await page.evaluate(() => {
        const seen = [];
        window.__statuses = seen;
        const record = () => {
          for (const bubble of document.querySelectorAll(".thread-chat .bubble")) {
            if (!bubble.textContent.includes("Certo, a che ora?")) continue;
            const s = bubble.querySelector("[data-status]")?.getAttribute("data-status");
            if (s && seen[seen.length - 1] !== s) seen.push(s);
          }
        };
        new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      });
      await page.getByLabel("Reply").fill("Certo, a che ora?");
      await page.getByLabel("Reply").press("Enter");
      const bubble = page.locator(".thread-chat .bubble", { hasText: "Certo, a che ora?" });
      await expect(bubble.getByTestId("message-status")).text(/^Sent$|^Delivered$|^Read$/, 10000);
      const statuses = await page.evaluate(() => window.__statuses);
      if (statuses[0] !== "queued" || !statuses.includes("sent")) throw new Error(`the reply's statuses on screen were ${JSON.stringify(statuses)}, not queued then sent`);
      await noRawTimes(page);

      // The agent wrote: automation pauses for this contact, said in words with its end.
      const banner = page.getByTestId("takeover");
      await expect(banner).text(/^Automation paused until .+ because an agent is handling this conversation\./);
      const paused = await api.get(`/conversations/${paolo.id}`);
      if (!paused.automation_paused_until || new Date(paused.automation_paused_until) <= new Date()) throw new Error(`the server did not pause automation: ${JSON.stringify(paused.automation_paused_until)}`);
      await noRawTimes(page);
      await shot(page, "conversations-takeover");
      await phoneShot(page, "conversations-takeover");
      await page.setViewportSize({ width: 1280, height: 860 });
      await banner.getByRole("button", { name: "Resume automation" }).click();
      await expect(page.getByTestId("takeover")).count(0);
      const resumed = await api.get(`/conversations/${paolo.id}`);
      if (resumed.automation_paused_until) throw new Error(`automation is still paused until ${resumed.automation_paused_until}`);
      await page.reload();
      await expect(page.locator(".thread-chat .bubble", { hasText: "Certo, a che ora?" })).visible();
      await expect(page.getByTestId("takeover")).count(0);
    },
  },
  {
    name: "settings page: the human takeover duration is saved",
    run: async ({ page, env }) => {
      const api = apiClient(env.apiUrl, env.token);
      await page.goto("/settings");
      const section = page.locator("form", { has: page.getByRole("heading", { name: "Human takeover" }) });
      const hours = section.getByLabel("Pause automation for (hours)");
      await expect(hours).visible();
      const before = (await api.get("/workspace")).takeover_hours;
      if ((await hours.inputValue()) !== String(before)) throw new Error(`the field shows ${await hours.inputValue()}, the server ${before}`);
      await hours.fill("2");
      await section.getByRole("button", { name: "Save" }).click();
      await expect(section.getByText("Saved: automation pauses for 2 hours after an agent writes.")).visible();
      if ((await api.get("/workspace")).takeover_hours !== 2) throw new Error("takeover_hours was not saved");
      // Out of range: refused in words under the field, nothing saved.
      await hours.fill("1000");
      await section.getByRole("button", { name: "Save" }).click();
      await expect(section.locator(".field-error, .banner-error")).visible();
      if ((await api.get("/workspace")).takeover_hours !== 2) throw new Error("an out-of-range takeover_hours was saved");
      await hours.fill(String(before ?? 24));
      await section.getByRole("button", { name: "Save" }).click();
      await expect(section.getByText(/^Saved:/)).visible();
      await shot(page, "settings-takeover");
    },
  },
  {
    name: "conversations and numbers in Italian: words, badges and times in the reader's language",
    run: async ({ page, env }) => {
      const { paolo } = await seedConversations(env);
      const context = await page.context().browser().newContext({ baseURL: env.baseUrl, locale: "it-IT", timezoneId: "Europe/Rome" });
      await context.addInitScript((t) => localStorage.setItem("waflow.token", t), env.token);
      const it = await context.newPage();
      try {
        await it.goto("/conversations");
        const nav = it.getByRole("navigation", { name: "Principale" });
        await expect(nav.getByRole("link", { name: "Modelli" })).visible();
        await expect(it.getByLabel("Cerca nelle conversazioni")).visible();
        await it.goto(`/conversations/${paolo.id}`);
        await expect(it.getByLabel("Rispondi")).visible();
        await expect(it.getByRole("button", { name: "Invia", exact: true })).visible();
        // The contact's message time: Italian month, 24-hour clock.
        await expect(it.locator(".thread-chat .bubble", { hasText: "Vorrei prenotare" }).locator("time")).text(/^\d{1,2} [a-z]{3} \d{4},? \d{2}:\d{2}$/);
        await it.goto("/numbers");
        await expect(it.getByRole("button", { name: "Aggiungi un numero" })).visible();
        await it.getByRole("button", { name: "Aggiungi un numero" }).click();
        await it.getByLabel("Canale").selectOption("cloud_api");
        await expect(it.getByLabel("ID dell'account WhatsApp Business")).visible();
        await expect(it.getByLabel("Token di verifica del webhook")).visible();
        await expect(it.getByTestId("number-card").first().locator(".badge", { hasText: "connesso" })).visible();
        const text = await it.locator("body").innerText();
        const key = text.match(/\b(?:numbers|conversations|takeover|templates|page)\.[a-zA-Z]+/);
        if (key) throw new Error(`the Italian page shows the key ${key[0]}`);
        await it.screenshot({ path: join(OUTPUT, "numbers-it.png"), fullPage: true });
      } finally {
        await context.close();
      }
    },
  },
];
