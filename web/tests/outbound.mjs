// The outbound half in the dashboard (issue 17): scheduling a message and cancelling another,
// importing a CSV and watching its progress to the end with its bad rows, and a campaign from a
// list — its count and preview, sending, pause, resume, statistics and the CSV export — all
// against the real server (sandbox numbers; "Sales line" has marketing on).

import { readFileSync } from "node:fs";
import { expect } from "./expect.mjs";
import { phoneShot, seed, shot } from "./pages.mjs";

const YEAR = new Date().getFullYear() + 1;

/** Accepts the next confirm() dialog, remembering its text. */
function acceptNextDialog(page) {
  return new Promise((resolve) => {
    page.once("dialog", async (d) => {
      const text = d.message();
      await d.accept();
      resolve(text);
    });
  });
}

/** The value of a statistic on a campaign's page, as a number. */
async function stat(page, name) {
  const text = await page.getByTestId(`stat-${name}`).locator("dd").innerText();
  return Number(text.split(/\s/)[0].replace(/[^\d]/g, ""));
}

async function waitFor(check, describe, ms = 15000) {
  const until = Date.now() + ms;
  let last;
  for (;;) {
    last = await check();
    if (last === true) return;
    if (Date.now() > until) throw new Error(`expected ${describe} within ${ms} ms (last: ${last})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const OUTBOUND_TESTS = [
  {
    name: "scheduled page: schedule a message, cancel another, tabs, periods and an edit",
    run: async ({ page, env }) => {
      const { api, support } = await seed(env);
      // One message scheduled through the API: the one cancelled in the page.
      const other = await api.post("/scheduled", { number_id: support.id, phone: "+393331230002", at: `${YEAR}-06-15T10:00`, time_zone: "Europe/Rome", text: "Your appointment is tomorrow, Giulia." });
      await page.goto("/scheduled");
      await expect(page.getByRole("heading", { name: "Scheduled" })).visible();
      await expect(page.getByRole("tab", { name: "Pending", selected: true })).visible();
      const rows = page.getByTestId("scheduled-row");
      const giulia = rows.filter({ hasText: "+393331230002" });
      await expect(giulia).visible();
      // The time as a person reads it, in the message's time zone — not RFC 3339.
      await expect(giulia).text(new RegExp(`Jun 15, ${YEAR}, 10:00 AM`));
      if (/\d{4}-\d\d-\d\dT/.test(await giulia.innerText())) throw new Error("the row shows a raw RFC 3339 time");
      await expect(giulia.locator(".badge", { hasText: "pending" })).visible();

      // A new message through the form.
      await page.getByRole("button", { name: "New scheduled message" }).click();
      const form = page.getByRole("form", { name: "New scheduled message" });
      await form.getByLabel("From number").selectOption({ label: "Support line (sandbox)" });
      await form.getByLabel("To phone (E.164)").fill("+393331230001");
      await form.getByLabel("Date and time").fill(`${YEAR}-06-16T09:30`);
      await form.getByLabel("Time zone").selectOption("Europe/Rome");
      await form.getByLabel("Message").fill("Your order ships tomorrow, Mario!");
      await form.getByRole("button", { name: "Schedule" }).click();
      await expect(page.getByText(new RegExp(`Scheduled: to \\+393331230001, Jun 16, ${YEAR}, 09:30 AM`))).visible();
      await expect(rows).count(2);
      const mario = rows.filter({ hasText: "+393331230001" });
      await expect(mario).text(/Your order ships tomorrow, Mario!/);
      await expect(mario).text(/from Support line/);
      await shot(page, "scheduled");

      // Cancel the other one, after confirming.
      const asked = acceptNextDialog(page);
      await page.getByRole("button", { name: "Cancel the message to +393331230002" }).click();
      if (!/\+393331230002/.test(await asked)) throw new Error(`the confirmation did not name the phone: ${await asked}`);
      await expect(rows).count(1);
      await expect(rows.first()).text(/\+393331230001/);
      const cancelled = await api.get(`/scheduled/${other.id}`);
      if (cancelled.state !== "cancelled") throw new Error(`the server says ${cancelled.state}, not cancelled`);

      await page.getByRole("tab", { name: "Cancelled" }).click();
      await expect(rows).count(1);
      await expect(rows.first()).text(/\+393331230002/);
      await expect(rows.first().locator(".badge", { hasText: "cancelled" })).visible();
      // A cancelled message cannot be edited or cancelled again.
      await expect(rows.first().getByRole("button")).count(0);

      await page.getByRole("tab", { name: "All" }).click();
      await expect(rows).count(2);
      // Both are next year: none within 7 days; a custom day finds exactly one.
      await page.getByLabel("Period").selectOption("7d");
      await expect(page.getByText("No scheduled messages here.")).visible();
      await page.getByLabel("Period").selectOption("custom");
      await page.getByLabel("From", { exact: true }).fill(`${YEAR}-06-16`);
      await page.getByLabel("To", { exact: true }).fill(`${YEAR}-06-16`);
      await page.getByRole("button", { name: "Apply" }).click();
      await expect(rows).count(1);
      await expect(rows.first()).text(/\+393331230001/);

      // Edit the pending one.
      await page.getByRole("tab", { name: "Pending" }).click();
      await page.getByLabel("Period").selectOption("any");
      await page.getByRole("button", { name: "Edit the message to +393331230001" }).click();
      await page.getByRole("form", { name: "Edit the scheduled message" }).getByLabel("Message").fill("Your order ships on Monday, Mario!");
      await page.getByRole("button", { name: "Save changes" }).click();
      await expect(rows.first()).text(/ships on Monday/);
      await phoneShot(page, "scheduled");
      await page.setViewportSize({ width: 1280, height: 860 });

      // One due now (to the second, in UTC): the scheduler sends it, and it shows under Sent.
      const now = new Date().toISOString().slice(0, 19);
      const due = await api.post("/scheduled", { number_id: support.id, phone: "+393331230003", at: now, time_zone: "UTC", text: "Your code is 4711." });
      await waitFor(async () => (await api.get(`/scheduled/${due.id}`)).state === "sent" || "not sent yet", "the due message sent", 10000);
      await page.getByRole("tab", { name: "Sent" }).click();
      const sent = rows.filter({ hasText: "+393331230003" });
      await expect(sent).visible();
      await expect(sent.locator(".badge", { hasText: "sent" })).visible();
      await expect(sent).text(/Your code is 4711\./);
      await expect(sent).text(/Sent \w{3} \d+, \d{4}/);
      await expect(rows.filter({ hasText: "+393331230001" })).count(0);

      // On a Cloud API number, free text to a contact who never wrote is warned about when saved
      // (nothing is sent: the message is next year, and no Graph API is called to schedule it).
      const cloud = await api.post("/numbers", {
        label: "Shop line",
        channel: "cloud_api",
        cloud_api: { phone_number_id: "100200300400", waba_id: "500600700800", access_token: "test-token", app_secret: "test-secret", verify_token: "test-verify" },
      });
      await page.reload();
      await page.getByRole("button", { name: "New scheduled message" }).click();
      const cloudForm = page.getByRole("form", { name: "New scheduled message" });
      await cloudForm.getByLabel("From number").selectOption({ label: "Shop line (cloud api)" });
      await expect(cloudForm.getByText(/free text reaches a contact only within 24 hours/)).visible();
      await expect(cloudForm.getByLabel("Fallback template (optional)")).visible();
      await cloudForm.getByLabel("To phone (E.164)").fill("+393331239999");
      await cloudForm.getByLabel("Date and time").fill(`${YEAR}-07-01T11:00`);
      await cloudForm.getByLabel("Message").fill("Hello from the shop");
      await cloudForm.getByRole("button", { name: "Schedule" }).click();
      const warning = page.locator(".banner-warn");
      await expect(warning).text(/Before it goes:/);
      await expect(warning).text(/24-hour window/);
      await api.del(`/numbers/${cloud.id}`).catch(() => undefined);
    },
  },
  {
    name: "contacts page: import a CSV with a column mapping, progress to done, bad rows listed, opt-out",
    run: async ({ page, env }) => {
      const { api } = await seed(env);
      // 1,500 contacts written the Italian way (no +39), two bad rows: line 4 (not a phone) and
      // line 8 (an order count that is not a number).
      const lines = ["Telefono,Nome,Città,Ordini"];
      for (let i = 0; i < 1502; i++) {
        const line = lines.length + 1;
        if (line === 4) lines.push("not-a-phone,Bad Phone,Roma,1");
        else if (line === 8) lines.push(`345 000 ${String(i).padStart(4, "0")},Bad Count,Roma,many`);
        else lines.push(`345 100 ${String(i).padStart(4, "0")},Cliente ${i},${i % 2 ? "Roma" : "Milano"},${i % 7}`);
      }
      const csv = Buffer.from(`${lines.join("\n")}\n`);
      await page.goto("/contacts");
      await page.getByRole("button", { name: "Import from CSV" }).click();
      await page.getByLabel("CSV file", { exact: true }).setInputFiles({ name: "clienti.csv", mimeType: "text/csv", buffer: csv });
      // The header row was read in the browser, each column pre-mapped by its name.
      await expect(page.getByLabel("Column “Telefono”")).visible();
      const mapped = async (label) => page.getByLabel(label).inputValue();
      if ((await mapped("Column “Telefono”")) !== "phone") throw new Error("Telefono was not mapped to the phone");
      if ((await mapped("Column “Nome”")) !== "name") throw new Error("Nome was not mapped to the name");
      if ((await mapped("Column “Città”")) !== "field:text") throw new Error("Città was not mapped to a text field");
      await page.getByLabel("Column “Ordini”").selectOption("field:number");
      await page.getByLabel("Country of numbers without a prefix").selectOption("IT");
      await page.getByLabel("Add to the list (optional)").fill("imported-clients");
      await page.getByRole("button", { name: "Import", exact: true }).click();
      const progress = page.getByTestId("import-progress");
      await expect(progress.getByText("Import done.")).visible(30000);
      if ((await progress.getByRole("progressbar").getAttribute("aria-valuenow")) !== "100") throw new Error("the progress bar did not reach 100");
      await expect(progress).text(/1,500 created · 0 updated · 2 bad/);
      const bad = page.getByTestId("bad-rows").locator("li");
      await expect(bad).count(2);
      await expect(bad.nth(0)).text(/^Line 4:.*not-a-phone/);
      await expect(bad.nth(1)).text(/^Line 8:.*many/);
      await shot(page, "contacts-import");

      // The imported contacts are there, normalised to +39, with their typed fields.
      const found = await api.get("/contacts?search=Cliente%2010&limit=5");
      const c10 = found.data.find((c) => c.name === "Cliente 10");
      if (!c10 || c10.phone !== "+393451000010") throw new Error(`Cliente 10 was imported as ${JSON.stringify(c10)}`);
      if (c10.fields.ordini !== 3 || c10.fields["città"] !== "Milano") throw new Error(`Cliente 10's fields: ${JSON.stringify(c10.fields)}`);
      const lists = await api.get("/lists");
      if (lists.data.find((l) => l.name === "imported-clients")?.contacts !== 1500) throw new Error(`the list: ${JSON.stringify(lists.data)}`);

      // Importing the same file again updates and creates nothing.
      await page.getByLabel("CSV file", { exact: true }).setInputFiles({ name: "clienti.csv", mimeType: "text/csv", buffer: csv });
      if ((await mapped("Column “Ordini”")) !== "field:number") throw new Error("the hand-made mapping of Ordini was not kept for the same header");
      await page.getByRole("button", { name: "Import", exact: true }).click();
      await expect(progress.getByText("Import done.")).visible(30000);
      await expect(progress).text(/0 created · 1,500 updated · 2 bad/);

      // Opting a contact out of marketing, from the contact's controls.
      await page.getByLabel("Search").fill("Cliente 10");
      await page.getByRole("button", { name: "Filter" }).click();
      await page.getByRole("button", { name: /Cliente 10\b/ }).first().click();
      await page.getByRole("switch", { name: "Opted out of marketing" }).click();
      await expect(page.getByRole("switch", { name: "Opted out of marketing", checked: true })).visible();
      await expect(page.getByTestId("contact-card").filter({ hasText: "Cliente 10" }).first().locator(".badge", { hasText: "opted out" })).visible();
      const after = await api.get(`/contacts/${c10.id}`);
      if (after.opted_out !== true) throw new Error("the server does not have Cliente 10 opted out");
      await phoneShot(page, "contacts-import");
    },
  },
  {
    name: "settings page: the opt-out words and reply are saved",
    run: async ({ page, env }) => {
      const { api } = await seed(env);
      await page.goto("/settings");
      await expect(page.getByRole("heading", { name: "Opt-out" })).visible();
      const words = page.getByLabel("Stop words (one per line)");
      await expect(words).visible();
      if (!/STOP/.test(await words.inputValue())) throw new Error("the default stop words are not shown");
      await words.fill("STOP\nBASTA\nUNSUBSCRIBE");
      await page.getByLabel("Confirmation reply").fill("Done: no more offers from us.");
      await page.getByRole("button", { name: "Save opt-out" }).click();
      await expect(page.getByText("Opt-out settings saved.")).visible();
      const saved = await api.get("/workspace/opt-out");
      if (saved.words.join("|") !== "STOP|BASTA|UNSUBSCRIBE" || saved.reply !== "Done: no more offers from us.") throw new Error(`saved: ${JSON.stringify(saved)}`);
    },
  },
  {
    name: "campaigns: from a list, the count and preview, pause holds past the start, resume, statistics, recipients, export",
    run: async ({ page, env }) => {
      const { api, support, sales } = await seed(env);
      // Marketing on for Sales line only (the numbers test may have switched Support line on).
      await api.patch(`/numbers/${support.id}`, { marketing: false });
      await api.patch(`/numbers/${sales.id}`, { marketing: true });
      // 40 fans in a list: one blocked, one opted out, one excluded from automation (all three
      // skipped with their reasons) and one tagged "no-promo" (left out of the audience).
      const ids = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < 40) {
            const i = next++;
            const c = await api.post("/contacts", { phone: `+3934790${String(i).padStart(5, "0")}`, name: `Fan ${i}`, fields: { fan_city: i % 2 ? "Roma" : "Milano" } });
            ids[i] = c.id;
          }
        }),
      );
      await api.post("/lists/spring-fans/contacts", { contact_ids: ids });
      await api.patch(`/contacts/${ids[1]}`, { blocked: true });
      await api.patch(`/contacts/${ids[2]}`, { opted_out: true });
      await api.patch(`/contacts/${ids[3]}`, { excluded_from_automation: true });
      await api.post(`/contacts/${ids[4]}/tags`, { tags: ["no-promo"] });

      await page.goto("/campaigns");
      await page.getByRole("button", { name: "New campaign" }).click();
      await expect(page.getByRole("heading", { name: "New campaign" })).visible();
      await page.getByLabel("Campaign name").fill("Spring sale");
      await page.getByLabel("List", { exact: true }).selectOption("spring-fans");
      await page.getByLabel("Leave out contacts tagged (optional)").fill("no-promo");
      // Only numbers with marketing on are offered; the others say why.
      await expect(page.getByRole("checkbox", { name: /Sales line/ })).visible();
      await expect(page.getByRole("checkbox", { name: /Support line/ })).count(0);
      await expect(page.getByText(/Support line: its marketing module is off\./)).visible();
      await page.getByLabel("Free text").check();
      await page.getByLabel("Message", { exact: true }).fill("Ciao {{ contact.name }}, -20% in {{ contact.fields.fan_city }} this week!");
      // The live count and preview.
      const count = page.getByTestId("audience-count");
      await expect(count).text(/^36 of 39 matching contacts will receive it/);
      const preview = page.getByRole("region", { name: "Before sending" });
      await expect(preview.getByText("Skipped, blocked: 1")).visible();
      await expect(preview.getByText("Skipped, opted out of marketing: 1")).visible();
      await expect(preview.getByText("Skipped, excluded from automation: 1")).visible();
      await expect(preview.getByText(/Expected duration: /)).visible();
      await expect(page.getByTestId("sample-message")).text(/^Ciao Fan \d+, -20% in (Roma|Milano) this week!$/);
      // The count follows the form: without the exclusion, one more.
      await page.getByLabel("Leave out contacts tagged (optional)").fill("");
      await expect(count).text(/^37 of 40 matching/);
      await page.getByLabel("Leave out contacts tagged (optional)").fill("no-promo");
      await expect(count).text(/^36 of 39 matching/);
      await shot(page, "campaign-new");
      await phoneShot(page, "campaign-new");
      await page.setViewportSize({ width: 1280, height: 860 });

      // Sent at a time 10 seconds from now (in the browser's time zone, to the second).
      await page.getByLabel("At a date and time").check();
      const startsAt = await page.evaluate(() => {
        const d = new Date(Date.now() + 10000);
        const p = (n) => String(n).padStart(2, "0");
        return { value: `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`, ms: d.getTime() };
      });
      await page.getByLabel("Starts").fill(startsAt.value);
      const asked = acceptNextDialog(page);
      await page.getByRole("button", { name: "Schedule the campaign" }).click();
      if (!/36 recipients/.test(await asked)) throw new Error(`the confirmation did not give the count: ${await asked}`);
      await page.waitForURL(/\/campaigns\/(?!new)[^/]+$/);
      await expect(page.getByRole("heading", { name: "Spring sale" })).visible();
      await expect(page.getByTestId("campaign-state")).text(/scheduled/);
      if ((await stat(page, "recipients")) !== 39) throw new Error(`recipients: ${await stat(page, "recipients")}`);
      const campaignId = new URL(page.url()).pathname.split("/").pop();

      // Paused before its time, it holds past it: nothing goes out.
      await page.getByRole("button", { name: "Pause" }).click();
      await expect(page.getByTestId("campaign-state")).text(/paused/);
      await expect(page.getByRole("button", { name: "Resume" })).visible();
      await expect(page.getByRole("button", { name: "Pause" })).count(0);
      await page.waitForTimeout(Math.max(0, startsAt.ms - Date.now()) + 2500);
      const held = await api.get(`/campaigns/${campaignId}`);
      if (held.state !== "paused" || held.totals.sent !== 0 || held.totals.queued !== 0) throw new Error(`while paused past its start: ${held.state} ${JSON.stringify(held.totals)}`);
      if ((await stat(page, "sent")) !== 0) throw new Error("the page shows messages sent while paused");
      const outbox = await api.get(`/numbers/${sales.id}/sandbox/outbox`);
      if (JSON.stringify(outbox).includes("-20% in")) throw new Error("a message reached the sandbox while the campaign was paused");

      // Resumed after its time: it sends, and the page follows it to the end.
      await page.getByRole("button", { name: "Resume" }).click();
      await expect(page.getByTestId("campaign-state")).text(/completed/, 30000);
      // The statistics a person reads: 36 sent, 3 skipped, none failed.
      await waitFor(async () => (await stat(page, "sent")) === 36 || `sent ${await stat(page, "sent")}`, "36 sent");
      if ((await stat(page, "skipped")) !== 3) throw new Error(`skipped: ${await stat(page, "skipped")}`);
      if ((await stat(page, "failed")) !== 0) throw new Error(`failed: ${await stat(page, "failed")}`);
      await expect(page.getByTestId("campaign-progress")).text(/^39 of 39 recipients done/);
      await expect(page.getByRole("button", { name: "Pause" })).count(0);
      await expect(page.getByRole("button", { name: "Resume" })).count(0);

      // Recipients by status, with the reasons of the skipped ones.
      const rows = page.getByTestId("recipient-row");
      await expect(rows).minCount(39);
      await page.getByLabel("Status", { exact: true }).selectOption("skipped");
      await expect(rows).count(3);
      await expect(rows.filter({ hasText: "Fan 1 " }).first()).text(/blocked/i);
      await expect(rows.filter({ hasText: "Fan 2 " }).first()).text(/opted out/i);
      await expect(rows.filter({ hasText: "Fan 3 " }).first()).text(/excluded/i);
      await page.getByLabel("Status", { exact: true }).selectOption("sent");
      await expect(rows).count(36);
      await shot(page, "campaign-detail");
      await phoneShot(page, "campaign-detail");
      await page.setViewportSize({ width: 1280, height: 860 });

      // The CSV export: a header and one line per recipient.
      const downloading = page.waitForEvent("download");
      await page.getByRole("button", { name: "Export CSV" }).click();
      const file = await (await downloading).path();
      const csv = readFileSync(file, "utf8").trim().split("\n");
      if (!/^phone,name,status,reason/.test(csv[0] ?? "")) throw new Error(`the export's header: ${csv[0]}`);
      if (csv.length !== 40) throw new Error(`the export has ${csv.length - 1} recipients, not 39`);
      if (csv.some((l) => l.includes("Fan 4,"))) throw new Error("Fan 4 (tagged no-promo) is in the export");
      if (!csv.some((l) => l.startsWith("+393479000000,Fan 0,sent,"))) throw new Error(`Fan 0 is not in the export as sent: ${csv.slice(0, 3).join(" | ")}`);

      // The list shows it completed.
      await page.getByRole("link", { name: "All campaigns" }).click();
      const row = page.getByTestId("campaign-row").filter({ hasText: "Spring sale" });
      await expect(row.locator(".badge", { hasText: "completed" })).visible();
      await expect(row).text(/39 of 39 recipients done/);
      await phoneShot(page, "campaigns");
    },
  },
  {
    name: "campaigns: a template to contacts whose field equals a value, sent now",
    run: async ({ page, env }) => {
      const { api } = await seed(env);
      const ids = [];
      for (let i = 0; i < 6; i++) ids.push((await api.post("/contacts", { phone: `+3934791${String(i).padStart(5, "0")}`, name: `Member ${i}`, fields: { club: i < 4 ? "gold" : "silver" } })).id);
      await api.patch(`/contacts/${ids[0]}`, { opted_out: true });
      await page.goto("/campaigns/new");
      await page.getByLabel("Campaign name").fill("Gold members");
      await page.getByLabel("A field equals").check();
      await page.getByLabel("Field", { exact: true }).fill("club");
      await page.getByLabel("Equals", { exact: true }).fill("gold");
      await page.getByLabel("Template", { exact: true }).check();
      // Sandbox numbers have no synced templates: the template is typed.
      await page.getByLabel("Template name").fill("gold_offer");
      await page.getByLabel("Language code").fill("it");
      await page.getByLabel(/^Values of/).fill("{{ contact.name }}");
      await expect(page.getByTestId("audience-count")).text(/^3 of 4 matching contacts will receive it/);
      await expect(page.getByRole("region", { name: "Before sending" }).getByText("Skipped, opted out of marketing: 1")).visible();
      await expect(page.getByTestId("sample-message")).text(/gold_offer/);
      await expect(page.getByTestId("sample-values")).text(/\{\{1\}\} is “Member [123]”/);
      const asked = acceptNextDialog(page);
      await page.getByRole("button", { name: "Send now" }).click();
      if (!/3 recipients now/.test(await asked)) throw new Error(`the confirmation: ${await asked}`);
      await page.waitForURL(/\/campaigns\/(?!new)[^/]+$/);
      await expect(page.getByTestId("campaign-state")).text(/completed/, 30000);
      await waitFor(async () => (await stat(page, "sent")) === 3 || `sent ${await stat(page, "sent")}`, "3 sent");
      if ((await stat(page, "skipped")) !== 1) throw new Error(`skipped: ${await stat(page, "skipped")}`);
      await expect(page.getByText(/contacts whose club is “gold”/)).visible();
      await expect(page.getByText(/template gold_offer \(it\)/)).visible();
    },
  },
  {
    name: "campaigns: a CSV uploaded as the audience, imported into a new list, then sent",
    run: async ({ page, env }) => {
      await seed(env);
      await page.goto("/campaigns/new");
      await page.getByLabel("Campaign name").fill("Fair visitors");
      await page.getByLabel("Upload a CSV").check();
      const csv = "phone,name,city\n+393479200001,Visitor One,Torino\n+393479200002,Visitor Two,Bari\n+393479200003,Visitor Three,Pisa\nnope,Visitor Bad,Pisa\n";
      await page.getByLabel("CSV file", { exact: true }).setInputFiles({ name: "fair.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
      await page.getByLabel("Add to the list (optional)").fill("fair-2027");
      await page.getByRole("button", { name: "Import and use as the audience" }).click();
      await expect(page.getByTestId("import-progress").getByText("Import done.")).visible(30000);
      await expect(page.getByTestId("bad-rows").locator("li")).count(1);
      await expect(page.getByText("The campaign goes to the list “fair-2027”.")).visible();
      await page.getByLabel("Message", { exact: true }).fill("Thanks for visiting, {{ contact.name }}!");
      await expect(page.getByTestId("audience-count")).text(/^3 of 3 matching contacts will receive it/);
      await expect(page.getByTestId("sample-message")).text(/^Thanks for visiting, Visitor (One|Two|Three)!$/);
      const asked = acceptNextDialog(page);
      await page.getByRole("button", { name: "Send now" }).click();
      await asked;
      await page.waitForURL(/\/campaigns\/(?!new)[^/]+$/);
      await expect(page.getByTestId("campaign-state")).text(/completed/, 30000);
      await waitFor(async () => (await stat(page, "sent")) === 3 || `sent ${await stat(page, "sent")}`, "3 sent");
      await expect(page.getByText("the list “fair-2027”")).visible();
    },
  },
  {
    name: "outbound pages in Italian: words and dates in the reader's language",
    run: async ({ page, env }) => {
      const { api, support } = await seed(env);
      await api.post("/scheduled", { number_id: support.id, phone: "+393331230005", at: `${YEAR}-06-15T10:00`, time_zone: "Europe/Rome", text: "Promemoria" });
      const context = await page.context().browser().newContext({ baseURL: env.baseUrl, locale: "it-IT", timezoneId: "Europe/Rome" });
      await context.addInitScript((t) => localStorage.setItem("waflow.token", t), env.token);
      const it = await context.newPage();
      try {
        await it.goto("/scheduled");
        const nav = it.getByRole("navigation", { name: "Principale" });
        await expect(nav.getByRole("link", { name: "Programmati" })).visible();
        await expect(nav.getByRole("link", { name: "Campagne" })).visible();
        await expect(it.getByRole("button", { name: "Nuovo messaggio programmato" })).visible();
        await expect(it.getByRole("tab", { name: "In attesa", selected: true })).visible();
        const row = it.getByTestId("scheduled-row").filter({ hasText: "+393331230005" });
        // 15 giu 2027, 10:00 — Italian month and a 24-hour clock.
        await expect(row).text(new RegExp(`15 giu ${YEAR},? 10:00`));
        await expect(row.locator(".badge", { hasText: "in attesa" })).visible();
        await it.goto("/campaigns/new");
        await expect(it.getByRole("heading", { name: "Nuova campagna" })).visible();
        await expect(it.getByText("Prima dell'invio")).visible();
        await expect(it.getByLabel("Carica un CSV")).visible();
        await shot(it, "campaign-new-it");
      } finally {
        await context.close();
      }
    },
  },
];
