// The translation layer: the reader's language (it, fr, es or en: the one chosen with the
// language picker, kept in localStorage "waflow.lang"; else the first of the browser's languages
// we speak; else English) and `t(key, vars)`, which fills `{name}` placeholders. Every language has
// every key (the type checks it). The frame's words (and the few every page shares) are here;
// each area's words are in `words/`, one file per area typed the same way, loaded with the pages
// that use them: a component takes `t` from its area's file, which adds the area's words here
// first (`addWords`), so the first page does not carry every page's words.

import { useSyncExternalStore } from "react";
import type { campaignFormWords } from "./words/campaignForm";
import type { campaignWords } from "./words/campaigns";
import type { contactWords } from "./words/contacts";
import type { conversationWords } from "./words/conversations";
import type { numberWords } from "./words/numbers";
import type { scheduledWords } from "./words/scheduled";
import type { frameWords } from "./words/frame";
import type { errorWords } from "./words/errors";
import type { workflowWords } from "./words/workflows";
import type { contactPageWords } from "./words/contactsPage";
import type { logWords } from "./words/logs";
import type { settingsWords } from "./words/settings";
import type { homeWords } from "./words/home";

export type Lang = "en" | "it" | "fr" | "es";

const frameEn = {
  "nav.main": "Main",
  "nav.skip": "Skip to content",
  "nav.home": "waflow home",
  "nav.signOut": "Sign out",
  "page.home": "Home",
  "page.workflows": "Workflows",
  "page.conversations": "Conversations",
  "page.scheduled": "Scheduled",
  "page.campaigns": "Campaigns",
  "page.numbers": "Numbers",
  "page.templates": "Templates",
  "page.contacts": "Contacts",
  "page.logs": "Logs",
  "page.settings": "Settings",
  "role.owner": "owner",
  "role.admin": "admin",
  "role.agent": "agent",
  "app.checking": "Checking your session…",
  "app.notFound": "Page not found",
  "app.goTo": "Go to {page}",
  "app.forbiddenTitle": "Not available to you",
  "app.forbiddenText": "As {role} you cannot use the {page} page.",
  "common.apply": "Apply",
  "common.close": "Close",
  "common.edit": "Edit",
  "common.loadMore": "Load more",
  "common.saving": "Saving…",
};

type FrameKey = keyof typeof frameEn;

const frameIt: Record<FrameKey, string> = {
  "nav.main": "Principale",
  "nav.skip": "Vai al contenuto",
  "nav.home": "waflow, pagina iniziale",
  "nav.signOut": "Esci",
  "page.home": "Home",
  "page.workflows": "Flussi",
  "page.conversations": "Conversazioni",
  "page.scheduled": "Programmati",
  "page.campaigns": "Campagne",
  "page.numbers": "Numeri",
  "page.templates": "Modelli",
  "page.contacts": "Contatti",
  "page.logs": "Registro",
  "page.settings": "Impostazioni",
  "role.owner": "proprietario",
  "role.admin": "amministratore",
  "role.agent": "operatore",
  "app.checking": "Verifica della sessione…",
  "app.notFound": "Pagina non trovata",
  "app.goTo": "Vai a {page}",
  "app.forbiddenTitle": "Non disponibile per te",
  "app.forbiddenText": "Come {role} non puoi usare la pagina {page}.",
  "common.apply": "Applica",
  "common.close": "Chiudi",
  "common.edit": "Modifica",
  "common.loadMore": "Carica altri",
  "common.saving": "Salvataggio…",
};

const frameFr: Record<FrameKey, string> = {
  "nav.main": "Principale",
  "nav.skip": "Aller au contenu",
  "nav.home": "Accueil waflow",
  "nav.signOut": "Se déconnecter",
  "page.home": "Accueil",
  "page.workflows": "Scénarios",
  "page.conversations": "Conversations",
  "page.scheduled": "Programmés",
  "page.campaigns": "Campagnes",
  "page.numbers": "Numéros",
  "page.templates": "Modèles",
  "page.contacts": "Contacts",
  "page.logs": "Journal",
  "page.settings": "Paramètres",
  "role.owner": "propriétaire",
  "role.admin": "administrateur",
  "role.agent": "agent",
  "app.checking": "Vérification de la session…",
  "app.notFound": "Page introuvable",
  "app.goTo": "Aller à {page}",
  "app.forbiddenTitle": "Non disponible pour vous",
  "app.forbiddenText": "En tant que {role}, vous ne pouvez pas utiliser la page {page}.",
  "common.apply": "Appliquer",
  "common.close": "Fermer",
  "common.edit": "Modifier",
  "common.loadMore": "Charger plus",
  "common.saving": "Enregistrement…",
};

const frameEs: Record<FrameKey, string> = {
  "nav.main": "Principal",
  "nav.skip": "Ir al contenido",
  "nav.home": "Inicio de waflow",
  "nav.signOut": "Cerrar sesión",
  "page.home": "Inicio",
  "page.workflows": "Flujos",
  "page.conversations": "Conversaciones",
  "page.scheduled": "Programados",
  "page.campaigns": "Campañas",
  "page.numbers": "Números",
  "page.templates": "Plantillas",
  "page.contacts": "Contactos",
  "page.logs": "Registro",
  "page.settings": "Ajustes",
  "role.owner": "propietario",
  "role.admin": "administrador",
  "role.agent": "agente",
  "app.checking": "Comprobando la sesión…",
  "app.notFound": "Página no encontrada",
  "app.goTo": "Ir a {page}",
  "app.forbiddenTitle": "No disponible para ti",
  "app.forbiddenText": "Como {role} no puedes usar la página {page}.",
  "common.apply": "Aplicar",
  "common.close": "Cerrar",
  "common.edit": "Editar",
  "common.loadMore": "Cargar más",
  "common.saving": "Guardando…",
};

type AreaKey =
  | keyof typeof scheduledWords.en
  | keyof typeof campaignWords.en
  | keyof typeof campaignFormWords.en
  | keyof typeof contactWords.en
  | keyof typeof frameWords.en
  | keyof typeof errorWords.en
  | keyof typeof workflowWords.en
  | keyof typeof contactPageWords.en
  | keyof typeof logWords.en
  | keyof typeof settingsWords.en
  | keyof typeof numberWords.en
  | keyof typeof conversationWords.en
  | keyof typeof homeWords.en;
type Key = FrameKey | AreaKey;

/** An area's words in every language (what each file under `words/` exports). */
export type Words<K extends Key> = Record<Lang, Record<K, string>>;

/** The words known so far: the frame's, and each area's once its file has loaded. */
const DICTIONARIES: Record<Lang, Partial<Record<Key, string>>> = {
  en: { ...frameEn },
  it: { ...frameIt },
  fr: { ...frameFr },
  es: { ...frameEs },
};

/** Adds an area's words (its `words/` file does it when it loads). */
export function addWords<K extends Key>(words: Words<K>): void {
  for (const l of ["en", "it", "fr", "es"] as const) Object.assign(DICTIONARIES[l], words[l]);
}

const LANG_KEY = "waflow.lang";

/** The languages the dashboard speaks, each named in itself (for the picker). */
export const LANGUAGES: ReadonlyArray<readonly [Lang, string]> = [
  ["it", "Italiano"],
  ["fr", "Français"],
  ["es", "Español"],
  ["en", "English"],
];

function isLang(v: unknown): v is Lang {
  return v === "en" || v === "it" || v === "fr" || v === "es";
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === "undefined") return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

function storedLang(): Lang | null {
  try {
    const v = localStorage.getItem(LANG_KEY);
    return isLang(v) ? v : null;
  } catch {
    return null;
  }
}

function pickLang(): Lang {
  const stored = storedLang();
  if (stored) return stored;
  for (const tag of browserLanguages()) {
    const base = (tag ?? "").toLowerCase().split("-")[0];
    if (isLang(base)) return base;
  }
  return "en";
}

/** The language the dashboard is shown in (a live binding: it changes with `setLang`). */
export let lang: Lang = pickLang();

function markDocument(): void {
  if (typeof document !== "undefined") document.documentElement.lang = lang;
}
markDocument();

/** The locale dates and numbers are written in: the browser's own variant of the dashboard's
 * language when it has one (`it-CH`, `en-GB`), else the language itself. */
export function locale(): string {
  for (const tag of browserLanguages()) {
    if ((tag ?? "").toLowerCase().split("-")[0] === lang) return tag;
  }
  return lang;
}

const listeners = new Set<() => void>();

/** Shows the dashboard in `next` from now on (and after a reload: it is kept in localStorage). */
export function setLang(next: Lang): void {
  if (!isLang(next)) return;
  try {
    localStorage.setItem(LANG_KEY, next);
  } catch {
    // Private mode without storage: the choice lasts until the page is reloaded.
  }
  if (next === lang) return;
  lang = next;
  markDocument();
  for (const listener of listeners) listener();
}

/** The current language, re-rendering the component when it changes. */
export function useLang(): Lang {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => lang,
  );
}

/** The plural category of `n` in the dashboard's language, for keys ending in `.one` / `.other`. */
export function plural(n: number): "one" | "other" {
  return new Intl.PluralRules(locale()).select(n) === "one" ? "one" : "other";
}

/** Whether `key` has words (for keys built from server values, e.g. an outcome, with a fallback). */
export function known(key: string): key is Key {
  return key in DICTIONARIES.en;
}

/** The text of `key` in the reader's language, with `{name}` replaced by `vars.name` (the key
 * itself when its area's words were not loaded — a bug the browser tests look for). */
export function t(key: Key, vars: Record<string, string> = {}): string {
  const text = DICTIONARIES[lang][key] ?? DICTIONARIES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (all, name: string) => vars[name] ?? all);
}

export type TranslationKey = Key;
