// Which pages each role may use — the one place the nav and the route guard read. Mirrors the
// server's role table (README "Who may do what", crates/server/src/roles/table.rs): agents work
// on their assigned contacts (conversations, contacts, logs); admins add Home (the first page
// after signing in: the checklist and the statistics), workflows and the
// builder, scheduled messages, campaigns, and Settings' AI, knowledge and opt-out; owners alone
// manage numbers, agents and the workspace.
// An API token (no agent) acts as an owner.

import type { Agent } from "../api/types";
import type { TranslationKey } from "./i18n";

export type Role = Agent["role"];
export type PageId = "home" | "workflows" | "conversations" | "scheduled" | "campaigns" | "numbers" | "templates" | "contacts" | "logs" | "settings";

/** Every page, in nav order, with its path and label. */
export const PAGES: Array<{ id: PageId; path: string; label: TranslationKey }> = [
  { id: "home", path: "/home", label: "page.home" },
  { id: "workflows", path: "/workflows", label: "page.workflows" },
  { id: "conversations", path: "/conversations", label: "page.conversations" },
  { id: "scheduled", path: "/scheduled", label: "page.scheduled" },
  { id: "campaigns", path: "/campaigns", label: "page.campaigns" },
  { id: "numbers", path: "/numbers", label: "page.numbers" },
  { id: "templates", path: "/templates", label: "page.templates" },
  { id: "contacts", path: "/contacts", label: "page.contacts" },
  { id: "logs", path: "/logs", label: "page.logs" },
  { id: "settings", path: "/settings", label: "page.settings" },
];

/** Role → the pages it may use; the first is where it lands after signing in. */
export const ALLOWED: Record<Role, PageId[]> = {
  owner: ["home", "workflows", "conversations", "scheduled", "campaigns", "numbers", "templates", "contacts", "logs", "settings"],
  admin: ["home", "workflows", "conversations", "scheduled", "campaigns", "templates", "contacts", "logs", "settings"],
  agent: ["conversations", "contacts", "logs"],
};

/** The role the dashboard acts as: the agent's, or owner for an API token. */
export function roleOf(agent: Agent | null): Role {
  return agent?.role ?? "owner";
}

export function canUse(role: Role, page: PageId): boolean {
  return ALLOWED[role].includes(page);
}

/** Where the role lands: its first page. */
export function landingPath(role: Role): string {
  const first = ALLOWED[role][0];
  return PAGES.find((p) => p.id === first)?.path ?? "/conversations";
}

/** The page a path belongs to (`/workflows/123` → workflows), or null. */
export function pageOf(path: string): PageId | null {
  return PAGES.find((p) => path === p.path || path.startsWith(`${p.path}/`))?.id ?? null;
}

/** Whether the role manages the workspace itself: its settings, agents, numbers and secrets. */
export function ownsWorkspace(role: Role): boolean {
  return role === "owner";
}
