// The translation layer: the reader's language (it, fr, es or en, from the browser's languages;
// English otherwise) and `t(key, vars)`, which fills `{name}` placeholders. Every language has
// every key (the type checks it). The frame's words are here; each area's words are in
// `words/` (one file per area, each typed the same way) and merged below.

import { campaignFormWords } from "./words/campaignForm";
import { campaignWords } from "./words/campaigns";
import { contactWords } from "./words/contacts";
import { scheduledWords } from "./words/scheduled";

export type Lang = "en" | "it" | "fr" | "es";

const frameEn = {
  "nav.main": "Main",
  "nav.skip": "Skip to content",
  "nav.home": "waflow home",
  "nav.signOut": "Sign out",
  "page.workflows": "Workflows",
  "page.conversations": "Conversations",
  "page.scheduled": "Scheduled",
  "page.campaigns": "Campaigns",
  "page.numbers": "Numbers",
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
};

type FrameKey = keyof typeof frameEn;

const frameIt: Record<FrameKey, string> = {
  "nav.main": "Principale",
  "nav.skip": "Vai al contenuto",
  "nav.home": "waflow, pagina iniziale",
  "nav.signOut": "Esci",
  "page.workflows": "Flussi",
  "page.conversations": "Conversazioni",
  "page.scheduled": "Programmati",
  "page.campaigns": "Campagne",
  "page.numbers": "Numeri",
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
};

const frameFr: Record<FrameKey, string> = {
  "nav.main": "Principale",
  "nav.skip": "Aller au contenu",
  "nav.home": "Accueil waflow",
  "nav.signOut": "Se déconnecter",
  "page.workflows": "Scénarios",
  "page.conversations": "Conversations",
  "page.scheduled": "Programmés",
  "page.campaigns": "Campagnes",
  "page.numbers": "Numéros",
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
};

const frameEs: Record<FrameKey, string> = {
  "nav.main": "Principal",
  "nav.skip": "Ir al contenido",
  "nav.home": "Inicio de waflow",
  "nav.signOut": "Cerrar sesión",
  "page.workflows": "Flujos",
  "page.conversations": "Conversaciones",
  "page.scheduled": "Programados",
  "page.campaigns": "Campañas",
  "page.numbers": "Números",
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
};

const en = { ...frameEn, ...scheduledWords.en, ...campaignWords.en, ...campaignFormWords.en, ...contactWords.en };
type Key = keyof typeof en;

const DICTIONARIES: Record<Lang, Record<Key, string>> = {
  en,
  it: { ...frameIt, ...scheduledWords.it, ...campaignWords.it, ...campaignFormWords.it, ...contactWords.it },
  fr: { ...frameFr, ...scheduledWords.fr, ...campaignWords.fr, ...campaignFormWords.fr, ...contactWords.fr },
  es: { ...frameEs, ...scheduledWords.es, ...campaignWords.es, ...campaignFormWords.es, ...contactWords.es },
};

function pickLang(): Lang {
  const wanted = typeof navigator === "undefined" ? [] : navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of wanted) {
    const base = (tag ?? "").toLowerCase().split("-")[0];
    if (base === "en" || base === "it" || base === "fr" || base === "es") return base;
  }
  return "en";
}

/** The language the dashboard is shown in. */
export const lang: Lang = pickLang();

/** The text of `key` in the reader's language, with `{name}` replaced by `vars.name`. */
export function t(key: Key, vars: Record<string, string> = {}): string {
  const text = DICTIONARIES[lang][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (all, name: string) => vars[name] ?? all);
}

export type TranslationKey = Key;
