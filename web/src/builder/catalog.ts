// What the builder offers: the step library (with a new step's defaults), trigger types, and the
// condition leaf types with the fields each needs.

import { t, type BuilderKey } from "../app/words/builder";
import type { Leaf, Step, StepType } from "./document";

export interface StepKind {
  type: StepType;
  group: "Messages" | "Flow" | "Contact" | "Integration";
  /** A new step of this type, without its id. */
  make: () => Omit<Step, "id">;
}

export const STEP_KINDS: StepKind[] = [
  { type: "send_text", group: "Messages", make: () => ({ type: "send_text", text: t("default.hello") }) },
  {
    type: "ai_reply", group: "Messages",
    make: () => ({ type: "ai_reply", debounce_ms: 3000, history: 10, cancel_if_contact_wrote: true, cancel_if_agent_replied: true }),
  },
  {
    type: "send", group: "Messages",
    make: () => ({ type: "send", content: { type: "buttons", body: t("default.chooseOne"), buttons: [{ id: "yes", title: t("default.yes") }, { id: "no", title: t("default.no") }] } }),
  },
  {
    type: "menu", group: "Messages",
    make: () => ({ type: "menu", content: { type: "buttons", body: t("default.howHelp"), buttons: [{ id: "a", title: t("content.newOption", { n: "A" }) }, { id: "b", title: t("content.newOption", { n: "B" }) }] }, routes: {} }),
  },
  { type: "question", group: "Messages", make: () => ({ type: "question", text: t("default.name"), var: "answer" }) },
  { type: "notify_agent", group: "Messages", make: () => ({ type: "notify_agent", text: t("default.attention") }) },
  { type: "branch", group: "Flow", make: () => ({ type: "branch", conditions: { type: "text", op: "contains", values: ["yes"] } }) },
  { type: "wait_for_reply", group: "Flow", make: () => ({ type: "wait_for_reply", timeout: "1h" }) },
  { type: "go_to", group: "Flow", make: () => ({ type: "go_to", target: "" }) },
  { type: "end_other_runs", group: "Flow", make: () => ({ type: "end_other_runs" }) },
  { type: "end", group: "Flow", make: () => ({ type: "end" }) },
  { type: "add_tag", group: "Contact", make: () => ({ type: "add_tag", tag: "lead" }) },
  { type: "remove_tag", group: "Contact", make: () => ({ type: "remove_tag", tag: "lead" }) },
  { type: "assign_agent", group: "Contact", make: () => ({ type: "assign_agent", agent: null }) },
  { type: "set_field", group: "Contact", make: () => ({ type: "set_field", field: "city", value: "" , next_message: true }) },
  { type: "add_to_list", group: "Contact", make: () => ({ type: "add_to_list", list: "newsletter" }) },
  { type: "remove_from_list", group: "Contact", make: () => ({ type: "remove_from_list", list: "newsletter" }) },
  { type: "open_ticket", group: "Contact", make: () => ({ type: "open_ticket", subject: t("default.ticket") }) },
  { type: "close_ticket", group: "Contact", make: () => ({ type: "close_ticket" }) },
  { type: "block", group: "Contact", make: () => ({ type: "block" }) },
  { type: "unblock", group: "Contact", make: () => ({ type: "unblock" }) },
  { type: "http_request", group: "Integration", make: () => ({ type: "http_request", method: "GET", url: "https://example.com/api", timeout_ms: 10000 }) },
  { type: "webhook", group: "Integration", make: () => ({ type: "webhook", url: "https://example.com/hook" }) },
];

/** The library's name for a step type ("Menu (route each choice)"). */
export function kindLabel(kind: StepKind): string {
  return t(`library.${kind.type}` as BuilderKey);
}

export function newStepId(type: string, taken: Set<string>): string {
  const base = type.replace(/_/g, "-");
  for (let i = 1; ; i++) {
    const id = `${base}-${i}`;
    if (!taken.has(id)) return id;
  }
}


/** The name of a condition leaf type ("Message text"). */
export function leafLabel(kind: LeafKind): string {
  return t(`leaf.${kind.type}` as BuilderKey);
}

export type LeafFieldKind = "text" | "number" | "list" | "select" | "bool" | "schedule" | "agent";

export interface LeafField {
  key: string;
  /** The field's label, as a key of the builder's words. */
  label: BuilderKey;
  kind: LeafFieldKind;
  options?: string[];
  /** Shown only when this returns true. */
  when?: (leaf: Leaf) => boolean;
}

export interface LeafKind {
  type: string;
  fields: LeafField[];
  make: () => Leaf;
}

const VALUE_OPS = ["equals", "contains", "exists", "greater_than", "less_than"];
const COMPARE = ["equals", "greater_than", "less_than", "at_least", "at_most"];
const MODES = ["any", "all", "none"];
export const MESSAGE_TYPES = ["text", "image", "audio", "video", "document", "sticker", "location", "contacts", "interactive_reply", "reaction"];

export const LEAF_KINDS: LeafKind[] = [
  {
    type: "text",
    fields: [
      { key: "op", label: "lf.op", kind: "select", options: ["contains", "starts_with", "ends_with", "equals", "regex"] },
      { key: "values", label: "lf.values", kind: "list" },
      { key: "case_sensitive", label: "lf.caseSensitive", kind: "bool" },
    ],
    make: () => ({ type: "text", op: "contains", values: [] }),
  },
  {
    type: "tags",
    fields: [{ key: "mode", label: "lf.has", kind: "select", options: MODES }, { key: "tags", label: "lf.tags", kind: "list" }],
    make: () => ({ type: "tags", mode: "any", tags: [] }),
  },
  {
    type: "message_type",
    fields: [{ key: "types", label: "lf.types", kind: "list" }],
    make: () => ({ type: "message_type", types: ["image"] }),
  },
  { type: "business_hours", fields: [], make: () => ({ type: "business_hours" }) },
  { type: "schedule", fields: [{ key: "hours", label: "lf.hours", kind: "schedule" }], make: () => ({ type: "schedule", hours: { mon: ["09:00-18:00"] } }) },
  { type: "assigned_agent", fields: [{ key: "agent", label: "lf.agent", kind: "agent" }], make: () => ({ type: "assigned_agent", agent: "none" }) },
  {
    type: "variable",
    fields: [
      { key: "name", label: "lf.variable", kind: "text" },
      { key: "op", label: "lf.op", kind: "select", options: VALUE_OPS },
      { key: "value", label: "lf.value", kind: "text", when: (l) => l.op !== "exists" },
    ],
    make: () => ({ type: "variable", name: "", op: "equals", value: "" }),
  },
  {
    type: "contact_field",
    fields: [
      { key: "field", label: "lf.field", kind: "text" },
      { key: "op", label: "lf.op", kind: "select", options: VALUE_OPS },
      { key: "value", label: "lf.value", kind: "text", when: (l) => l.op !== "exists" },
    ],
    make: () => ({ type: "contact_field", field: "", op: "equals", value: "" }),
  },
  {
    type: "phone",
    fields: [{ key: "op", label: "lf.op", kind: "select", options: ["is", "starts_with"] }, { key: "values", label: "lf.values", kind: "list" }],
    make: () => ({ type: "phone", op: "starts_with", values: ["+39"] }),
  },
  { type: "number", fields: [{ key: "numbers", label: "lf.numbers", kind: "list" }], make: () => ({ type: "number", numbers: [] }) },
  {
    type: "message_count",
    fields: [{ key: "op", label: "lf.compare", kind: "select", options: COMPARE }, { key: "value", label: "lf.count", kind: "number" }],
    make: () => ({ type: "message_count", op: "at_most", value: 1 }),
  },
  {
    type: "message_length",
    fields: [{ key: "op", label: "lf.compare", kind: "select", options: COMPARE }, { key: "value", label: "lf.characters", kind: "number" }],
    make: () => ({ type: "message_length", op: "greater_than", value: 100 }),
  },
  {
    type: "time_since",
    fields: [
      { key: "since", label: "lf.since", kind: "select", options: ["our_last_message", "contact_last_message"] },
      { key: "op", label: "lf.compare", kind: "select", options: COMPARE },
      { key: "minutes", label: "lf.minutes", kind: "number" },
    ],
    make: () => ({ type: "time_since", since: "our_last_message", op: "greater_than", minutes: 60 }),
  },
  {
    type: "in_list",
    fields: [{ key: "mode", label: "lf.in", kind: "select", options: MODES }, { key: "lists", label: "lf.lists", kind: "list" }],
    make: () => ({ type: "in_list", mode: "any", lists: [] }),
  },
];
