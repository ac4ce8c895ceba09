// The Numbers and Templates pages against the real server: linking a linked-device number (a
// QR from a stand-in event stream — the test machine cannot reach WhatsApp — then the REAL
// server's failed pairing, in words, and a Reconnect that ends), the Cloud API form in words with
// the webhook URL and verify token that really verify, Check connection, and the synced
// templates with their approval state (Meta's Graph API is the local stand-in of run.mjs).

import { expect } from "./expect.mjs";
import { apiClient } from "./harness.mjs";
import { shot, phoneShot } from "./pages.mjs";

/** A QR code as the server draws it (an SVG document): a small but real image. */
const STAND_IN_SVG =
  '<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="232" height="232" viewBox="0 0 232 232" shape-rendering="crispEdges">' +
  '<path fill="#fff" d="M0 0h232v232H0z"/><path fill="#000" d="M16 16h56v56H16zM160 16h56v56h-56zM16 160h56v56H16zM96 96h40v40H96zM152 152h16v16h-16zM184 184h24v24h-24z"/></svg>';

/** Server-sent events exactly as GET /numbers/{id}/events writes them. */
function standInEvents(numberId) {
  const expires = new Date(Date.now() + 60_000).toISOString();
  const events = [
    { event: "number.status", number: { id: numberId }, status: "pairing", reason: null },
    { event: "number.qr", number_id: numberId, pairing: { code: "2@standin,code", qr: STAND_IN_SVG, expires_at: expires } },
  ];
  return events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e)}\n\n`).join("");
}

/** Fails when the page shows a raw RFC 3339 time or the epoch. */
async function noRawTimes(page) {
  const text = await page.locator("body").innerText();
  const raw = text.match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|[+-]00:00\b|1970/);
  if (raw) throw new Error(`the page shows a raw time: ${raw[0]}`);
}

export const NUMBER_TESTS = [
  {
    name: "numbers page: a linked-device number shows a QR and the status reason when pairing fails; reconnect ends",
    // Linked devices connect to a refused address, so the real pairing fails at once.
    linkedDeviceUrl: "ws://127.0.0.1:9",
    run: async ({ page, env }) => {
      const api = apiClient(env.apiUrl, env.token);
      // STAND-IN: the test machine cannot reach WhatsApp, so no real QR code ever comes. While
      // this route is on, the number's event stream is a stand-in sending what the server sends
      // when WhatsApp gives a QR code (its status, then `number.qr` with an SVG).
      let streamed = 0;
      await page.route("**/api/v1/numbers/*/events", (route) => {
        streamed++;
        const id = new URL(route.request().url()).pathname.split("/").at(-2);
        return route.fulfill({ status: 200, headers: { "content-type": "text/event-stream", "cache-control": "no-cache" }, body: standInEvents(id) });
      });

      await page.goto("/numbers");
      await page.getByRole("button", { name: "Add a number" }).click();
      const form = page.locator("form", { has: page.getByRole("heading", { name: "Add a number" }) });
      await form.getByLabel("Label", { exact: true }).fill("Shop phone");
      await form.getByLabel("Channel").selectOption("linked_device");
      // Linking by a code typed on the phone: a bad phone is refused under its field, in words.
      await form.getByLabel("Type a code on the phone").check();
      await form.getByLabel("The phone's number, with its country code").fill("12");
      await form.getByRole("button", { name: "Add", exact: true }).click();
      await expect(form.locator(".field-error")).text(/phone number/);
      await form.getByLabel("Scan a QR code").check();
      await form.getByRole("button", { name: "Add", exact: true }).click();

      const card = page.getByTestId("number-card").filter({ hasText: "Shop phone" });
      await expect(card).visible();
      const qr = card.getByRole("img", { name: "QR code to link WhatsApp" });
      await expect(qr).visible();
      const drawn = await qr.evaluate((img) => img.complete && img.naturalWidth > 0);
      if (!drawn) throw new Error("the QR code image did not render");
      await expect(card.getByTestId("pairing-result")).text(/A QR code is ready: scan it now/);
      if (!streamed) throw new Error("the page never opened the number's event stream");
      await shot(page, "numbers-linked-qr");

      // From here the REAL server, no stand-in: pairing against the refused address failed.
      await page.unroute("**/api/v1/numbers/*/events");
      const number = (await api.get("/numbers")).data.find((n) => n.label === "Shop phone");
      if (!number) throw new Error("the linked-device number was not created");
      const until = Date.now() + 15000;
      let current = await api.get(`/numbers/${number.id}`);
      while (current.status === "pairing" && Date.now() < until) {
        await page.waitForTimeout(250);
        current = await api.get(`/numbers/${number.id}`);
      }
      if (current.status === "pairing" || !current.status_reason) throw new Error(`the real pairing did not fail with a reason: ${JSON.stringify(current)}`);
      await page.reload();
      const real = page.getByTestId("number-card").filter({ hasText: "Shop phone" });
      await expect(real.getByTestId("status-reason")).text(/waflow cannot reach WhatsApp|The WhatsApp session could not start/);
      await expect(real.locator(".badge", { hasText: /disconnected|logged out/ })).visible();

      // Reconnect ends in a result (here: why it failed) within a bounded time, not a banner
      // that stays: the waiting line goes, the button comes back.
      const started = Date.now();
      await real.getByRole("button", { name: "Reconnect" }).click();
      await expect(real.getByTestId("pairing-result")).text(/^Not connected\. (waflow cannot reach WhatsApp|The WhatsApp session could not start)/, 50000);
      await expect(real.getByText("Waiting for WhatsApp…")).count(0);
      await expect(real.getByRole("button", { name: "Reconnect" })).visible();
      const seconds = (Date.now() - started) / 1000;
      if (seconds > 50) throw new Error(`Reconnect took ${seconds} s to end`);
      await noRawTimes(page);
      await shot(page, "numbers-linked-failed");
      await api.del(`/numbers/${number.id}`);
    },
  },
  {
    name: "numbers page: the Cloud API form in words, the webhook URL and verify token, Check connection",
    graph: true,
    run: async ({ page, env }) => {
      const api = apiClient(env.apiUrl, env.token);
      await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
      await page.goto("/numbers");
      await page.getByRole("button", { name: "Add a number" }).click();
      const form = page.locator("form", { has: page.getByRole("heading", { name: "Add a number" }) });
      await form.getByLabel("Label", { exact: true }).fill("Bottega");
      await form.getByLabel("Channel").selectOption("cloud_api");
      // Labels in words with help text, never the API's field names.
      for (const label of ["Phone number ID", "WhatsApp Business Account ID", "Access token", "App secret", "Webhook verify token"]) {
        await expect(form.getByLabel(label, { exact: true })).visible();
      }
      await expect(form.getByText("On the same page, above the phone number (digits only).")).visible();
      const formText = await form.innerText();
      const raw = formText.match(/waba_id|phone_number_id|access_token|app_secret|verify_token/);
      if (raw) throw new Error(`the form shows the field name ${raw[0]}`);
      const token = await form.getByLabel("Webhook verify token").inputValue();
      if (token.length < 16) throw new Error(`the verify token was not filled in: ${JSON.stringify(token)}`);
      // A bad id is refused under its own field, in words.
      await form.getByLabel("Phone number ID").fill("not digits");
      await form.getByLabel("WhatsApp Business Account ID").fill("500600700801");
      await form.getByLabel("Access token").fill("test-token");
      await form.getByLabel("App secret").fill("test-secret");
      await form.getByRole("button", { name: "Add", exact: true }).click();
      await expect(form.locator(".field", { hasText: "Phone number ID" }).locator(".field-error")).text(/digits/);
      await form.getByLabel("Phone number ID").fill("100200300401");
      await form.getByRole("button", { name: "Add", exact: true }).click();

      const card = page.getByTestId("number-card").filter({ hasText: "Bottega" });
      await expect(card).visible();
      const number = (await api.get("/numbers")).data.find((n) => n.label === "Bottega");
      // The webhook URL and verify token to paste into Meta, with copy buttons; and they work:
      // Meta's verification handshake on that URL with that token answers the challenge.
      const webhook = card.getByRole("region", { name: "Webhook for Meta" });
      const url = `${env.baseUrl}/webhooks/cloud_api/${number.id}`;
      await expect(webhook.getByText(url, { exact: true })).visible();
      await expect(webhook.getByText(token, { exact: true })).visible();
      const challenge = await fetch(`${env.apiUrl}/webhooks/cloud_api/${number.id}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=4711`).then((r) => r.text());
      if (challenge !== "4711") throw new Error(`the shown URL and token do not verify: ${challenge}`);
      await webhook.getByRole("button", { name: "Copy the Callback URL" }).click();
      await expect(webhook.getByText("Copied.")).visible();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      if (copied !== url) throw new Error(`copied ${JSON.stringify(copied)}, not the callback URL`);

      // Check connection asks Meta (the stand-in) and says the result in words.
      await webhook.getByRole("button", { name: "Check connection" }).click();
      await expect(webhook.getByTestId("check-result")).text(/^Connected to Meta: Bottega Rossi/, 20000);
      // A refused token: the failure in words.
      const refused = await api.post("/numbers", {
        label: "Expired token line", channel: "cloud_api",
        cloud_api: { phone_number_id: "100200300402", waba_id: "500600700802", access_token: "bad-token", app_secret: "s", verify_token: "v" },
      });
      await page.reload();
      const bad = page.getByTestId("number-card").filter({ hasText: "Expired token line" });
      await bad.getByRole("button", { name: "Check connection" }).click();
      await expect(bad.getByTestId("check-result")).text(/^Not connected: .*(token|expired)/i, 20000);
      await noRawTimes(page);
      await shot(page, "numbers-cloud");
      await phoneShot(page, "numbers-cloud");
      await api.del(`/numbers/${refused.id}`);
      await api.del(`/numbers/${number.id}`);
    },
  },
  {
    name: "templates page: a Cloud API number's templates with their approval state, and Sync",
    graph: true,
    run: async ({ page, env }) => {
      const api = apiClient(env.apiUrl, env.token);
      const number = await api.post("/numbers", {
        label: "Templates line", channel: "cloud_api",
        cloud_api: { phone_number_id: "100200300403", waba_id: "500600700803", access_token: "test-token", app_secret: "s", verify_token: "v" },
      });
      try {
        await page.goto("/numbers");
        await page.getByRole("link", { name: "Message templates" }).first().click();
        await expect(page.getByRole("heading", { name: "Message templates" })).visible();
        await page.goto(`/templates?number=${number.id}`);
        await expect(page.getByText("No templates synced for this number yet")).visible();
        await page.getByRole("button", { name: "Sync with Meta" }).click();
        await expect(page.getByText("Synced: 3 templates.")).visible(20000);
        const row = (name) => page.getByRole("row").filter({ hasText: name });
        await expect(row("order_update").locator(".badge", { hasText: "approved" })).visible();
        await expect(row("summer_sale").locator(".badge", { hasText: "in review" })).visible();
        await expect(row("old_offer").locator(".badge", { hasText: "rejected" })).visible();
        await expect(row("order_update").getByText("Italian")).visible();
        await expect(row("order_update").getByText("Utility")).visible();
        // Synced means stored: the list is there after a reload.
        await page.reload();
        await expect(row("summer_sale")).visible();
        await noRawTimes(page);
        await shot(page, "templates");
        await phoneShot(page, "templates");
      } finally {
        await api.del(`/numbers/${number.id}`).catch(() => undefined);
      }
    },
  },
];
