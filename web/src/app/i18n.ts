// The translation layer: the reader's language (it, fr, es or en, from the browser's languages;
// English otherwise) and `t(key, vars)`, which fills `{name}` placeholders. Every language has
// every key (the type checks it).

export type Lang = "en" | "it" | "fr" | "es";

const en = {
  "nav.main": "Main",
  "nav.skip": "Skip to content",
  "nav.home": "waflow home",
  "nav.signOut": "Sign out",
  "page.workflows": "Workflows",
  "page.conversations": "Conversations",
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

type Key = keyof typeof en;

const it: Record<Key, string> = {
  "nav.main": "Principale",
  "nav.skip": "Vai al contenuto",
  "nav.home": "waflow, pagina iniziale",
  "nav.signOut": "Esci",
  "page.workflows": "Flussi",
  "page.conversations": "Conversazioni",
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

const fr: Record<Key, string> = {
  "nav.main": "Principale",
  "nav.skip": "Aller au contenu",
  "nav.home": "Accueil waflow",
  "nav.signOut": "Se déconnecter",
  "page.workflows": "Scénarios",
  "page.conversations": "Conversations",
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

const es: Record<Key, string> = {
  "nav.main": "Principal",
  "nav.skip": "Ir al contenido",
  "nav.home": "Inicio de waflow",
  "nav.signOut": "Cerrar sesión",
  "page.workflows": "Flujos",
  "page.conversations": "Conversaciones",
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

const DICTIONARIES: Record<Lang, Record<Key, string>> = { en, it, fr, es };

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
