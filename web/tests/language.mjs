// The dashboard's language, layout and colours (issue 18, points 6 and 8): every page shown in
// Italian to an Italian browser with Italian dates, the language switched with the picker and
// kept after a reload, an API error in the reader's language naming its field, the menu of a
// phone-sized screen, and the dark palette when the system asks for it.

import { expect } from "./expect.mjs";
import { seed, shot } from "./pages.mjs";

/** English words of the interface that an Italian page must not show (whole words, as written). */
const ENGLISH = ["Save", "Delete", "Search", "Loading", "New", "Cancel", "Settings", "Apply", "Filter", "Remove", "Add", "Edit", "Import", "Export", "Sign out", "Workflows", "Contacts", "Logs", "Name", "Close"];

/** The page's visible text plus the words it only says to assistive technology or on hover. */
async function wordsOf(page) {
  const text = await page.evaluate(() => {
    const attrs = [...document.querySelectorAll("[aria-label], [placeholder], [title]")]
      .filter((el) => el.closest("body") && el.getClientRects().length > 0)
      .map((el) => [el.getAttribute("aria-label"), el.getAttribute("placeholder"), el.getAttribute("title")].filter(Boolean).join(" "));
    return `${document.body.innerText}\n${attrs.join("\n")}`;
  });
  // Time zone names (IANA, in the time zone picker) are not words.
  return text.replace(/\b(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)\/[\w/+-]+/g, "");
}

async function noEnglish(page, where) {
  const text = await wordsOf(page);
  const found = ENGLISH.filter((w) => new RegExp(`(^|[^\\p{L}])${w}(?![\\p{L}])`, "u").test(text));
  if (found.length) throw new Error(`${where} shows English words in Italian: ${found.join(", ")}`);
}

/** The relative luminance of a CSS rgb() colour (0 black … 1 white). */
function luminance(css) {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

export const LANGUAGE_TESTS = [
  {
    name: "language: an Italian browser gets every page in Italian, with Italian dates",
    locale: "it-IT",
    timezoneId: "Europe/Rome",
    run: async ({ page, env }) => {
      const { api } = await seed(env);
      const workspace = await api.get("/workspace");
      const holidays = [...new Set([...(workspace.holidays ?? []), "12-25", "2027-01-06"])];
      await api.put("/workspace", { time_zone: workspace.time_zone, business_hours: workspace.business_hours ?? {}, holidays });

      await page.goto("/workflows");
      await expect(page.getByRole("heading", { name: "Flussi" })).visible();
      if ((await page.evaluate(() => document.documentElement.lang)) !== "it") throw new Error("<html lang> is not it");
      await expect(page.getByRole("navigation", { name: "Principale" }).getByRole("link", { name: "Impostazioni" })).visible();
      await expect(page.getByRole("button", { name: "Nuovo flusso" })).visible();
      await expect(page.getByRole("button", { name: "Da un modello" })).visible();
      await expect(page.getByRole("columnheader", { name: "Priorità" })).visible();
      await expect(page.getByLabel("Lingua", { exact: true })).visible();
      await noEnglish(page, "/workflows");
      await shot(page, "workflows-it");

      await page.goto("/contacts");
      await expect(page.getByRole("heading", { name: "Contatti" })).visible();
      await expect(page.getByRole("button", { name: "Aggiungi un contatto" })).visible();
      await page.getByRole("button", { name: /Mario Rossi/ }).click();
      await expect(page.getByText("Campi personalizzati")).visible();
      await expect(page.getByRole("heading", { name: "Esecuzioni" })).visible();
      await expect(page.getByRole("button", { name: "Elimina il contatto" })).visible();
      await expect(page.getByText(/^Creato il/)).visible();
      await noEnglish(page, "/contacts");

      await page.goto("/logs?period=today");
      await expect(page.getByRole("heading", { name: "Registro" })).visible();
      await expect(page.getByLabel("Periodo")).visible();
      await expect(page.getByLabel("Esito")).visible();
      await expect(page.getByRole("button", { name: "Applica" })).visible();
      const entry = page.getByTestId("log-entry").first();
      await expect(entry).visible();
      // A time as Italians write it: 07/12/26, 09:41 (day first, a 24-hour clock), in the browser's zone.
      const time = entry.locator("time").first();
      const shown = await time.innerText();
      const iso = await time.getAttribute("datetime");
      const wanted = new Intl.DateTimeFormat("it-IT", { dateStyle: "short", timeStyle: "short", timeZone: "Europe/Rome" }).format(new Date(iso));
      if (shown !== wanted || !/^\d{2}\/\d{2}\/\d{2},? \d{2}:\d{2}$/.test(shown)) throw new Error(`a log time shows "${shown}", not the Italian "${wanted}"`);
      await entry.getByRole("button", { name: /Perché\?/ }).click();
      await expect(entry.getByText("Nascondi il perché")).visible();
      await noEnglish(page, "/logs");
      await shot(page, "logs-it");

      await page.goto("/settings");
      await expect(page.getByRole("heading", { name: "Impostazioni" })).visible();
      await expect(page.getByLabel("Fuso orario")).visible();
      await expect(page.getByLabel("Lunedì")).visible();
      await expect(page.getByText("ogni anno il 25 dicembre")).visible();
      await expect(page.getByText("6 gen 2027")).visible();
      await expect(page.getByRole("heading", { name: "Risposte IA" })).visible();
      await expect(page.getByRole("heading", { name: /^Conoscenze/ })).visible();
      await expect(page.getByRole("heading", { name: "Operatori" })).visible();
      await expect(page.getByRole("button", { name: "Salva le impostazioni" })).visible();
      await noEnglish(page, "/settings");
      await shot(page, "settings-it");

      await page.goto("/scheduled");
      await expect(page.getByRole("button", { name: "Nuovo messaggio programmato" })).visible();
      await noEnglish(page, "/scheduled");
      await page.goto("/campaigns");
      await expect(page.getByRole("heading", { name: "Campagne" })).visible();
      await noEnglish(page, "/campaigns");
      await page.goto("/campaigns/new");
      await expect(page.getByRole("heading", { name: "Nuova campagna" })).visible();
      await noEnglish(page, "/campaigns/new");

      // The sign-in page, to a browser that is not signed in.
      const context = await page.context().browser().newContext({ baseURL: env.baseUrl, locale: "it-IT" });
      try {
        const login = await context.newPage();
        await login.goto("/");
        await expect(login.getByRole("heading", { name: "Accedi a waflow" })).visible();
        await expect(login.getByRole("button", { name: "Accedi" })).visible();
        await expect(login.getByLabel("Lingua", { exact: true })).visible();
        await noEnglish(login, "the sign-in page");
      } finally {
        await context.close();
      }
    },
  },
  {
    name: "language: switching to Français with the picker applies at once and is kept after a reload",
    locale: "it-IT",
    run: async ({ page, env }) => {
      await seed(env);
      await page.goto("/workflows");
      await expect(page.getByRole("heading", { name: "Flussi" })).visible();
      await page.getByLabel("Lingua", { exact: true }).selectOption({ label: "Français" });
      await expect(page.getByRole("heading", { name: "Scénarios" })).visible();
      const nav = page.getByRole("navigation", { name: "Principale" });
      await expect(nav.getByRole("link", { name: "Paramètres" })).visible();
      await expect(nav.getByRole("link", { name: "Journal" })).visible();
      await expect(page.getByRole("button", { name: "Nouveau scénario" })).visible();
      if ((await page.evaluate(() => document.documentElement.lang)) !== "fr") throw new Error("<html lang> is not fr after switching");
      await page.reload();
      await expect(page.getByRole("heading", { name: "Scénarios" })).visible();
      await expect(page.getByLabel("Langue", { exact: true })).visible();
      if ((await page.getByLabel("Langue", { exact: true }).inputValue()) !== "fr") throw new Error("the picker does not show Français after a reload");
      if ((await page.evaluate(() => localStorage.getItem("waflow.lang"))) !== "fr") throw new Error("waflow.lang is not fr");
      await page.goto("/settings");
      await expect(page.getByRole("heading", { name: "Paramètres" })).visible();
      await expect(page.getByLabel("Lundi")).visible();
      // Back to Italian, for the tests after this one in the same browser profile (none share it, but tidy).
      await page.getByLabel("Langue", { exact: true }).selectOption({ label: "Italiano" });
      await expect(page.getByRole("heading", { name: "Impostazioni" })).visible();
    },
  },
  {
    name: "language: an API error is shown in Italian, naming the field",
    locale: "it-IT",
    run: async ({ page, env }) => {
      await seed(env);
      await page.goto("/contacts");
      await page.getByRole("button", { name: "Aggiungi un contatto" }).click();
      const form = page.getByRole("form", { name: "Aggiungi un contatto" });
      await form.getByLabel("Telefono (E.164)").fill("not a phone");
      await form.getByRole("button", { name: "Aggiungi", exact: true }).click();
      const alert = form.getByRole("alert").filter({ hasText: "telefono" }).first();
      await expect(alert).visible();
      // The lead sentence in Italian naming the field, then the server's own detail.
      await expect(alert).text(/Il campo «telefono» non è valido\. Dettaglio dal server: \S+/);
      await shot(page, "error-it", false);
    },
  },
  {
    name: "layout: on a 390 px phone the menu button lists every page, Logs and Settings included",
    width: 390,
    height: 844,
    run: async ({ page, env }) => {
      await seed(env);
      await page.goto("/workflows");
      const menu = page.getByRole("button", { name: "Menu" });
      await expect(menu).visible();
      const nav = page.getByRole("navigation", { name: "Main" });
      await expect(nav.getByRole("link", { name: "Logs" })).hidden();
      if ((await menu.getAttribute("aria-expanded")) !== "false") throw new Error("the menu starts open");
      await menu.click();
      if ((await menu.getAttribute("aria-expanded")) !== "true") throw new Error("aria-expanded is not true once open");
      for (const name of ["Workflows", "Conversations", "Scheduled", "Campaigns", "Numbers", "Contacts", "Logs", "Settings"]) {
        await expect(nav.getByRole("link", { name })).visible();
      }
      await shot(page, "menu-390", false);
      await nav.getByRole("link", { name: "Logs" }).click();
      await expect(page.getByRole("heading", { name: "Logs" })).visible();
      await expect(nav.getByRole("link", { name: "Settings" })).hidden();
      // By keyboard: Enter opens, Escape closes and gives the focus back to the button.
      await menu.focus();
      await page.keyboard.press("Enter");
      await expect(nav.getByRole("link", { name: "Settings" })).visible();
      await page.keyboard.press("Escape");
      await expect(nav.getByRole("link", { name: "Settings" })).hidden();
      if (!(await menu.evaluate((el) => el === document.activeElement))) throw new Error("Escape did not give the focus back to the menu button");
      await menu.click();
      await nav.getByRole("link", { name: "Settings" }).click();
      await expect(page.getByRole("heading", { name: "Settings" })).visible();
      if (new URL(page.url()).pathname !== "/settings") throw new Error(`the menu led to ${page.url()}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 1) throw new Error(`the page is ${overflow}px wider than a 390 px screen`);
    },
  },
  {
    name: "layout: dark mode follows the system (dark background, light text, readable inputs and tables)",
    colorScheme: "dark",
    run: async ({ page, env }) => {
      await seed(env);
      await page.goto("/settings");
      await expect(page.getByRole("heading", { name: "Agents" })).visible();
      // The sections load their data on their own: wait for what is measured.
      await page.locator("main table th").first().waitFor();
      await page.locator("main input[type=text], main select").first().waitFor();
      await page.locator("main .section h2").first().waitFor();
      const colours = await page.evaluate(() => {
        const css = (el, prop) => getComputedStyle(el)[prop];
        const input = document.querySelector("main input[type=text], main select");
        const th = document.querySelector("main table th");
        const section = document.querySelector("main .section");
        return {
          bg: css(document.body, "backgroundColor") === "rgba(0, 0, 0, 0)" ? css(document.documentElement, "backgroundColor") : css(document.body, "backgroundColor"),
          ink: css(document.body, "color"),
          panel: css(section, "backgroundColor"),
          heading: css(section.querySelector("h2"), "color"),
          inputBg: css(input, "backgroundColor"),
          inputInk: css(input, "color"),
          thBg: css(th, "backgroundColor"),
          thInk: css(th, "color"),
        };
      });
      if (luminance(colours.bg) > 0.05) throw new Error(`the page background is not dark: ${colours.bg}`);
      if (luminance(colours.ink) < 0.6) throw new Error(`the text is not light: ${colours.ink}`);
      for (const [what, fg, bg] of [["text", colours.ink, colours.bg], ["a heading", colours.heading, colours.panel], ["an input", colours.inputInk, colours.inputBg], ["a table header", colours.thInk, colours.thBg]]) {
        const ratio = contrast(fg, bg);
        if (ratio < 4.5) throw new Error(`${what} has a contrast of ${ratio.toFixed(2)} (${fg} on ${bg}), under 4.5`);
      }
      await shot(page, "settings-dark");
    },
  },
  {
    name: "layout: at 1024 and 1280 px in Italian every page's link is in view, none hidden behind another or scrolled away",
    locale: "it-IT",
    width: 1024,
    height: 768,
    run: async ({ page, env }) => {
      await seed(env);
      for (const width of [1024, 1280]) {
        await page.setViewportSize({ width, height: 768 });
        await page.goto("/workflows");
        const nav = page.getByRole("navigation", { name: "Principale" });
        await expect(nav.getByRole("link", { name: "Impostazioni" })).visible();
        const hidden = await nav.evaluate((el) =>
          [...el.querySelectorAll("a")]
            .filter((a) => {
              const r = a.getBoundingClientRect();
              const inView = r.width > 0 && r.left >= 0 && r.right <= window.innerWidth && r.top >= 0 && r.bottom <= window.innerHeight;
              const top = inView ? document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) : null;
              return !(top && a.contains(top));
            })
            .map((a) => a.textContent),
        );
        if (hidden.length) throw new Error(`at ${width} px these page links are not fully in view: ${hidden.join(", ")}`);
        await shot(page, `nav-it-${width}`, false);
      }
    },
  },
];
